// External Account Binding against a Pebble that requires it (as commercial ACME CAs do).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { acmeIssuerType } from '../../src/ca/acme/index.js';
import type { Issuer } from '../../src/ca/issuer.js';
import { CaError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import { startBind, type BindHandle } from '../support/bind.js';
import { memoryStore, newCsr, opensslVerify, startPebble, type PebbleHandle } from '../support/pebble.js';

const KID = 'fwcert-kid-1';
const HMAC = randomBytes(32).toString('base64url');

let bind: BindHandle;
let pebble: PebbleHandle;
const issuers: Issuer[] = [];

before(async () => {
  bind = await startBind();
  pebble = await startPebble({ dnsServer: bind.address, eabKeys: { [KID]: HMAC } });
});
after(async () => {
  for (const i of issuers) await i.close?.();
  await pebble?.close();
  await bind?.close();
});

function makeIssuer(eab: { eab_kid: string; eab_hmac_key: string } | undefined) {
  const store = memoryStore();
  const options = acmeIssuerType.optionsSchema.parse({
    directory: pebble.directory,
    email: 'pki@example.org',
    agree_tos: true,
    ...(eab ? { eab: true } : {}),
    challenge: {
      type: 'dns-01', provider: 'rfc2136', server: bind.address, tsig_key_name: bind.tsig.name,
      propagation: { nameservers: [bind.address], interval_s: 0.1 },
    },
    poll: { interval_s: 0.1, max_wait_s: 20 },
  });
  const credentials = acmeIssuerType.credentialsSchema!.parse({ tsig_secret: bind.tsig.secret, ...eab });
  const issuer = acmeIssuerType.create({ name: 'eab-ca', log: silentLogger(), store }, { options, credentials, tls: { caPem: pebble.caPem } });
  issuers.push(issuer);
  return { issuer, store };
}

const profile = (n: string) => ({ name: n, subject: { cn: n }, sans: [n], key: { type: 'ecdsa', curve: 'P-256' } as const, validation: 'DV' as const, caOptions: {} });

describe('ACME External Account Binding (Pebble with externalAccountBindingRequired)', () => {
  test('without EAB the account is refused and the CA problem document is in the error', async () => {
    const { issuer, store } = makeIssuer(undefined);
    const { csrPem, csr } = await newCsr(['noeab.fwcert.test']);
    await assert.rejects(issuer.submit({ csrPem, csr, profile: profile('noeab.fwcert.test') }), (e: Error) => {
      assert.ok(e instanceof CaError);
      assert.match(e.message, /urn:ietf:params:acme:error:externalAccountRequired/);
      assert.match(e.message, /HTTP 4\d\d/);
      assert.match(e.message, /eab-ca: POST \/sign-me-up/);
      assert.equal(e.retryable, false);
      return true;
    });
    assert.equal([...store.values.keys()].some((k) => k.endsWith(':account-url')), false, 'no account recorded');
  });

  test('with a wrong HMAC key the CA refuses the binding', async () => {
    const { issuer } = makeIssuer({ eab_kid: KID, eab_hmac_key: randomBytes(32).toString('base64url') });
    const { csrPem, csr } = await newCsr(['badeab.fwcert.test']);
    await assert.rejects(issuer.submit({ csrPem, csr, profile: profile('badeab.fwcert.test') }), /urn:ietf:params:acme:error:/);
  });

  test('with EAB the account is created and a certificate issued', async () => {
    const { issuer, store } = makeIssuer({ eab_kid: KID, eab_hmac_key: HMAC });
    const { csrPem, csr } = await newCsr(['eab.fwcert.test']);
    const ref = await issuer.submit({ csrPem, csr, profile: profile('eab.fwcert.test') });
    let r = await issuer.collect(ref);
    for (let i = 0; r.state === 'pending' && i < 50; i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await issuer.collect(ref);
    }
    assert.equal(r.state, 'issued');
    if (r.state !== 'issued') return;
    assert.match(opensslVerify(await pebble.root(0), r.chainPem, r.leafPem), /OK/);
    assert.ok([...store.values.keys()].some((k) => k.endsWith(':account-url')));
  });
});
