// ACME Renewal Information (RFC 9773) through a stand-in renewalInfo endpoint in front of Pebble.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { acmeIssuerType, ariCertId } from '../../src/ca/acme/index.js';
import type { CaRef, Issuer } from '../../src/ca/issuer.js';
import { silentLogger } from '../../src/core/log.js';
import { startBind, type BindHandle } from '../support/bind.js';
import { memoryStore, newCsr, opensslAriCertId, startAriFront, startPebble, type AriFrontHandle, type PebbleHandle } from '../support/pebble.js';

let bind: BindHandle;
let pebble: PebbleHandle;
let front: AriFrontHandle;
const issuers: Issuer[] = [];

before(async () => {
  bind = await startBind();
  pebble = await startPebble({ dnsServer: bind.address });
  front = await startAriFront(pebble);
});
after(async () => {
  for (const i of issuers) await i.close?.();
  await front?.close();
  await pebble?.close();
  await bind?.close();
});

function makeIssuer(directory: string, caPem: string, store = memoryStore()) {
  const options = acmeIssuerType.optionsSchema.parse({
    directory,
    agree_tos: true,
    challenge: {
      type: 'dns-01', provider: 'rfc2136', server: bind.address, tsig_key_name: bind.tsig.name,
      propagation: { nameservers: [bind.address], interval_s: 0.1 },
    },
    poll: { interval_s: 0.1, max_wait_s: 20 },
  });
  const issuer = acmeIssuerType.create({ name: 'ari-ca', log: silentLogger(), store }, { options, credentials: { tsig_secret: bind.tsig.secret }, tls: { caPem } });
  issuers.push(issuer);
  return issuer;
}

const profile = (n: string) => ({ name: n, subject: { cn: n }, sans: [n], key: { type: 'ecdsa', curve: 'P-256' } as const, validation: 'DV' as const, caOptions: {} });

async function issue(issuer: Issuer, name: string, previous?: CaRef) {
  const { csrPem, csr } = await newCsr([name]);
  const ref = await issuer.submit({ csrPem, csr, profile: profile(name), ...(previous ? { previous } : {}) });
  for (let i = 0; i < 50; i++) {
    const r = await issuer.collect(ref);
    if (r.state === 'issued') return { ref, leafPem: r.leafPem };
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('not issued');
}

describe('ACME renewal information (ARI)', () => {
  let issuer: Issuer;
  let first: { ref: CaRef; leafPem: string };
  let certId: string;

  before(async () => {
    issuer = makeIssuer(front.directory, front.caPem);
    first = await issue(issuer, 'ari.fwcert.test');
    certId = opensslAriCertId(first.leafPem);
  });

  test('the certificate id is base64url(AKI keyIdentifier).base64url(serial), as openssl reads them', () => {
    assert.equal(ariCertId(first.leafPem), certId);
    assert.match(certId, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  test('suggestedWindow returns the window the CA publishes for that certificate', async () => {
    const window = { start: '2030-01-02T03:04:05Z', end: '2030-01-03T03:04:05Z' };
    front.setWindow(certId, window);
    const got = await issuer.suggestedWindow!(first.leafPem);
    assert.deepEqual(got, { start: new Date(window.start), end: new Date(window.end) });
    assert.deepEqual(front.renewalInfoAsked.slice(-1), [certId]);
  });

  test('the first order carries no replaces; the renewal order replaces the previous certificate', async () => {
    assert.equal(front.newOrders.length, 1);
    assert.equal(front.newOrders[0]!.replaces, undefined);
    await issue(issuer, 'ari.fwcert.test', first.ref);
    assert.equal(front.newOrders.length, 2);
    assert.equal(front.newOrders[1]!.replaces, certId);
  });

  test('when the CA refuses replaces (alreadyReplaced) the order is placed without it', async () => {
    front.rejectReplaces = true;
    try {
      const before = front.newOrders.length;
      const again = await issue(issuer, 'ari.fwcert.test', first.ref);
      assert.match(again.leafPem, /BEGIN CERTIFICATE/);
      const sent = front.newOrders.slice(before);
      assert.deepEqual(sent.map((o) => o.replaces), [certId, undefined]);
    } finally {
      front.rejectReplaces = false;
    }
  });

  test('an unknown certificate: the CA problem is in the error', async () => {
    const other = makeIssuer(pebble.directory, pebble.caPem);
    const { leafPem } = await issue(other, 'plain.fwcert.test');
    await assert.rejects(issuer.suggestedWindow!(leafPem), /HTTP 404: unknown certID/);
  });

  test('a directory without renewalInfo: no window, and orders carry no replaces', async () => {
    const plain = makeIssuer(pebble.directory, pebble.caPem);
    const a = await issue(plain, 'noari.fwcert.test');
    assert.equal(await plain.suggestedWindow!(a.leafPem), undefined);
    const before = front.newOrders.length;
    await issue(plain, 'noari.fwcert.test', a.ref);
    assert.equal(front.newOrders.length, before, 'went straight to Pebble');
  });
});
