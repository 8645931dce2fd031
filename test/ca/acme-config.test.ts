// ACME CA configuration (schemas, cross-checks, secrets) and how CA problems reach the operator.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import { acmeIssuerType, AcmeCaError } from '../../src/ca/acme/index.js';
import { ConfigError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import { redact } from '../../src/core/redact.js';
import { createSelfSigned } from '../../src/pki/index.js';
import { memoryStore, newCsr } from '../support/pebble.js';

const dns01 = { type: 'dns-01', provider: 'rfc2136', server: '192.0.2.53', tsig_key_name: 'fwcert' };
const base = { directory: 'https://acme.example.org/directory', email: 'pki@example.org', agree_tos: true, challenge: dns01 };

describe('ACME options schema', () => {
  test('fills the documented defaults', () => {
    const o = acmeIssuerType.optionsSchema.parse({ directory: base.directory, challenge: dns01 });
    assert.equal(o.agree_tos, false);
    assert.deepEqual(o.poll, { interval_s: 2, max_wait_s: 300 });
    assert.ok(o.challenge.type === 'dns-01' && o.challenge.provider === 'rfc2136');
    if (o.challenge.type === 'dns-01' && o.challenge.provider === 'rfc2136') {
      assert.equal(o.challenge.tsig_algorithm, 'hmac-sha256');
      assert.deepEqual(o.challenge.propagation, { timeout_s: 120, interval_s: 2 });
    }
  });

  test('rejects unknown keys, plain http directories, unknown providers and bad server addresses', () => {
    const bad = (o: unknown) => assert.equal(acmeIssuerType.optionsSchema.safeParse(o).success, false, JSON.stringify(o));
    bad({ ...base, agree_to_tos: true });
    bad({ ...base, directory: 'http://acme.example.org/directory' });
    bad({ ...base, challenge: { ...dns01, provider: 'route53' } });
    bad({ ...base, challenge: { ...dns01, server: 'ns1:70000' } });
    bad({ ...base, challenge: { ...dns01, tsig_algorithm: 'hmac-md5' } });
    bad({ ...base, challenge: { type: 'tls-alpn-01' } });
    bad({ ...base, challenge: { type: 'none', command: '/bin/true' } });
  });

  test('accepts every challenge form', () => {
    for (const challenge of [
      { ...dns01, zone: 'example.org', propagation: { nameservers: ['ns1.example.org:53', '[2001:db8::1]:53'] } },
      { type: 'dns-01', provider: 'exec', command: '/usr/local/bin/dns-hook', args: ['--zone', 'example.org'] },
      { type: 'http-01', command: '/usr/local/bin/http-hook', timeout_s: 30 },
      { type: 'none' },
    ]) {
      assert.equal(acmeIssuerType.optionsSchema.safeParse({ ...base, challenge }).success, true, JSON.stringify(challenge));
    }
  });

  test('credentials: EAB key id and MAC key go together', () => {
    const c = acmeIssuerType.credentialsSchema!;
    assert.equal(c.safeParse({ eab_kid: 'kid' }).success, false);
    assert.equal(c.safeParse({ eab_kid: 'kid', eab_hmac_key: 'abc_-DEF' }).success, true);
    assert.equal(c.safeParse({ tsig_secret: 'not base64!' }).success, false);
  });

  test('profile section: preferred_chain only', () => {
    const p = acmeIssuerType.profileOptionsSchema!;
    assert.equal(p.safeParse({ preferred_chain: 'ISRG Root X1' }).success, true);
    assert.equal(p.safeParse({ chain: 'x' }).success, false);
  });
});

describe('ACME issuer creation', () => {
  const ctx = () => ({ name: 'le', log: silentLogger(), store: memoryStore() });

  test('eab: true without EAB credentials is a configuration error', () => {
    const options = acmeIssuerType.optionsSchema.parse({ ...base, eab: true });
    assert.throws(() => acmeIssuerType.create(ctx(), { options, credentials: { tsig_secret: 'c2VjcmV0' }, tls: {} }), (e: Error) => e instanceof ConfigError && /eab_kid and eab_hmac_key/.test(e.message));
  });

  test('rfc2136 without a TSIG secret is a configuration error', () => {
    const options = acmeIssuerType.optionsSchema.parse(base);
    assert.throws(() => acmeIssuerType.create(ctx(), { options, credentials: undefined, tls: {} }), (e: Error) => e instanceof ConfigError && /tsig_secret/.test(e.message));
  });

  test('the EAB MAC key and TSIG secret are registered for redaction', () => {
    const options = acmeIssuerType.optionsSchema.parse(base);
    const secret = 'dHNpZy1zZWNyZXQtZm9yLXJlZGFjdGlvbg==';
    const mac = 'ZWFiLW1hYy1rZXktZm9yLXJlZGFjdGlvbg';
    acmeIssuerType.create(ctx(), { options, credentials: { tsig_secret: secret, eab_kid: 'k', eab_hmac_key: mac }, tls: {} });
    assert.equal(redact(`x ${secret} y ${mac}`), 'x *** y ***');
  });
});

describe('ACME problems from the CA', () => {
  // A minimal ACME server: nonces, an account endpoint that first answers badNonce (acme-client
  // must retry with the fresh nonce), and a newOrder that is rate limited.
  let server: Server;
  let url = '';
  let caPem = '';
  const seen: string[] = [];
  let nonce = 0;

  before(async () => {
    const tls = await createSelfSigned({ cn: 'fake acme', sans: ['127.0.0.1'], days: 1 });
    caPem = tls.certPem;
    server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push(`${req.method} ${req.url}`);
        const h = { 'replay-nonce': `nonce-${++nonce}`, 'content-type': 'application/json' };
        if (req.url === '/dir') {
          res.writeHead(200, h);
          res.end(JSON.stringify({ newNonce: `${url}/nonce`, newAccount: `${url}/acct`, newOrder: `${url}/order`, revokeCert: `${url}/revoke` }));
        } else if (req.url === '/nonce') {
          res.writeHead(200, h);
          res.end();
        } else if (req.url === '/acct') {
          const first = seen.filter((s) => s === 'POST /acct').length === 1;
          if (first) {
            res.writeHead(400, { ...h, 'content-type': 'application/problem+json' });
            res.end(JSON.stringify({ type: 'urn:ietf:params:acme:error:badNonce', detail: 'JWS has an invalid anti-replay nonce' }));
          } else {
            res.writeHead(201, { ...h, location: `${url}/acct/1` });
            res.end(JSON.stringify({ status: 'valid' }));
          }
        } else if (req.url === '/order') {
          res.writeHead(429, { ...h, 'content-type': 'application/problem+json', 'retry-after': '3600' });
          res.end(JSON.stringify({
            type: 'urn:ietf:params:acme:error:rateLimited',
            detail: 'too many certificates (5) already issued for this exact set of identifiers in the last 168h0m0s',
            subproblems: [{ type: 'urn:ietf:params:acme:error:rejectedIdentifier', detail: 'name is on a block list', identifier: { type: 'dns', value: 'blocked.example.org' } }],
          }));
        } else {
          res.writeHead(404);
          res.end();
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('badNonce is retried; a rate limit becomes a retryable error with the wait, detail and subproblems', async () => {
    const options = acmeIssuerType.optionsSchema.parse({ directory: `${url}/dir`, agree_tos: true, challenge: { type: 'none' } });
    const issuer = acmeIssuerType.create({ name: 'fake', log: silentLogger(), store: memoryStore() }, { options, credentials: undefined, tls: { caPem } });
    try {
      const { csrPem, csr } = await newCsr(['www.example.org']);
      const profile = { name: 'p', subject: { cn: 'www.example.org' }, sans: ['www.example.org', 'blocked.example.org'], key: csr.key, validation: 'DV' as const, caOptions: {} };
      await assert.rejects(issuer.submit({ csrPem, csr, profile }), (e: Error) => {
        assert.ok(e instanceof AcmeCaError, String(e));
        assert.equal(e.retryable, true);
        assert.equal(e.retryAfterMs, 3_600_000);
        assert.equal(e.code, 'rateLimited');
        assert.match(e.message, /HTTP 429/);
        assert.match(e.message, /too many certificates \(5\)/);
        assert.match(e.message, /urn:ietf:params:acme:error:rateLimited/);
        assert.match(e.message, /dns:blocked\.example\.org: name is on a block list \[urn:ietf:params:acme:error:rejectedIdentifier\]/);
        assert.match(e.message, /retry after 3600 s/);
        return true;
      });
      assert.equal(seen.filter((s) => s === 'POST /acct').length, 2, 'account request retried once after badNonce');
      assert.equal(seen.filter((s) => s === 'POST /order').length, 1, 'a rate-limited POST is not hammered');
    } finally {
      await issuer.close?.();
    }
  });
});
