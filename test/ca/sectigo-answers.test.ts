// The Sectigo SCM issuer against a scripted HTTP stub, for SCM answers the emulator does not
// produce: an empty 200 collect, unknown-id renewals, odd status strings, 404 on details.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { SectigoScmIssuer, optionsSchema, sectigoIssuerType } from '../../src/ca/sectigo/index.js';
import { ConfigError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import { createSelfSigned } from '../../src/pki/index.js';
import { HttpClient } from '../../src/http/client.js';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Answer = { status: number; body?: unknown };
let answers: Answer[] = [];
let seen: Seen[] = [];
let server: Server;
let base: string;

function answer(res: ServerResponse, a: Answer | undefined) {
  const next = a ?? { status: 500, body: { code: -1, description: 'stub: no answer scripted' } };
  const text = next.body === undefined ? '' : typeof next.body === 'string' ? next.body : JSON.stringify(next.body);
  res.writeHead(next.status, { 'content-type': 'application/json;charset=UTF-8' });
  res.end(text);
}

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(res, answers.shift());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/private/api/ssl/v1`;
});

after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

/** An issuer over plain HTTP (the stub has no TLS; the schema's https rule is not what is tested here). */
function issuer(script: Answer[]) {
  answers = script;
  seen = [];
  const options = optionsSchema.parse({ customer_uri: 'stub', org_id: 7, collect: { interval_s: 3 } });
  const http = new HttpClient({ baseUrl: base, tls: {}, name: 'stub', retries: 0 });
  return new SectigoScmIssuer('sectigo', options, http, { login: 'api', password: 'stub-password', customerUri: 'stub' }, silentLogger());
}

const csrPem = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n';
const req = {
  csrPem,
  csr: { subject: { cn: 'a.example.com' }, sans: ['a.example.com', 'b.example.com'], key: { type: 'ecdsa' as const, curve: 'P-256' as const } },
  profile: {
    name: 'p',
    subject: { cn: 'a.example.com' },
    sans: ['a.example.com', 'b.example.com'],
    key: { type: 'ecdsa' as const, curve: 'P-256' as const },
    validation: 'OV' as const,
    caOptions: { cert_type: 224, term: 365 },
  },
};

describe('Sectigo SCM issuer, scripted answers', () => {
  it('sends the auth headers and the documented enroll body on relative paths under /private', async () => {
    const i = issuer([{ status: 200, body: { sslId: 55, renewId: 'gu03sW6WENt7GTvDTuOP' } }]);
    const ref = await i.submit(req);
    await i.close();
    assert.equal(ref.id, '55');
    assert.equal(seen[0]!.path, '/private/api/ssl/v1/enroll');
    assert.equal(seen[0]!.headers.login, 'api');
    assert.equal(seen[0]!.headers.password, 'stub-password');
    assert.equal(seen[0]!.headers.customeruri, 'stub');
    assert.deepEqual(JSON.parse(seen[0]!.body), {
      orgId: 7,
      csr: csrPem.trimEnd(),
      certType: 224,
      term: 365,
      subjAltNames: 'b.example.com',
      comments: 'fwcert profile p',
    });
  });

  it('an empty 200 collect is still pending', async () => {
    const i = issuer([{ status: 200, body: '' }]);
    assert.deepEqual(await i.collect({ ca: 'sectigo', id: '55' }), {
      state: 'pending',
      retryAfterMs: 3000,
      detail: 'SCM returned an empty certificate file; not issued yet',
    });
    await i.close();
    assert.equal(seen[0]!.path, '/private/api/ssl/v1/collect/55/pemia');
  });

  it('treats the documented SSL answer 400 {code 0, "Being processed by Sectigo"} and the S/MIME -183 as pending', async () => {
    const i = issuer([
      { status: 400, body: { code: 0, description: 'Being processed by Sectigo' } },
      { status: 400, body: { code: -183, description: 'Certificate is not collectable.' } },
    ]);
    assert.deepEqual(await i.collect({ ca: 'sectigo', id: '55' }), { state: 'pending', retryAfterMs: 3000, detail: 'Being processed by Sectigo' });
    assert.equal((await i.collect({ ca: 'sectigo', id: '55' })).state, 'pending');
    await i.close();
  });

  it('falls back to enroll when SCM does not know the id to renew (-124)', async () => {
    const i = issuer([
      { status: 400, body: { code: -124, description: 'Wrong SSL certificate id 55' } },
      { status: 200, body: { sslId: 56, renewId: 'x' } },
    ]);
    const ref = await i.submit({ ...req, previous: { ca: 'sectigo', id: '55' } });
    await i.close();
    assert.equal(ref.id, '56');
    assert.deepEqual(seen.map((s) => `${s.method} ${s.path}`), ['POST /private/api/ssl/v1/renewById/55', 'POST /private/api/ssl/v1/enroll']);
    assert.deepEqual(JSON.parse(seen[0]!.body), { csr: csrPem.trimEnd() });
  });

  it('does not fall back on other renew failures', async () => {
    const i = issuer([{ status: 400, body: { code: -138, description: 'Invalid CSR' } }]);
    await assert.rejects(i.submit({ ...req, previous: { ca: 'sectigo', id: '55' } }), /renew of 55 failed: -138 Invalid CSR/);
    await i.close();
    assert.equal(seen.length, 1);
  });

  it('maps unknown status strings and unknown ids to unknown instead of failing', async () => {
    const i = issuer([
      { status: 200, body: { sslId: 55, status: 'SA Approved' } },
      { status: 200, body: { sslId: 55, status: 'Expired' } },
      { status: 404, body: { code: -5101, description: 'Certificate not found. 55' } },
    ]);
    assert.equal(await i.status({ ca: 'sectigo', id: '55' }), 'unknown');
    assert.equal(await i.status({ ca: 'sectigo', id: '55' }), 'expired');
    assert.equal(await i.status({ ca: 'sectigo', id: '55' }), 'unknown');
    await i.close();
    assert.equal(seen[0]!.path, '/private/api/ssl/v1/55');
  });

  it('sends revoke with reasonCode and reason, and accepts -159 as done', async () => {
    const i = issuer([{ status: 400, body: { code: -159, description: 'Your certificate already revoked' } }]);
    await i.revoke({ ca: 'sectigo', id: '55' }, 'keyCompromise');
    await i.close();
    assert.equal(seen[0]!.path, '/private/api/ssl/v1/revoke/55');
    const body = JSON.parse(seen[0]!.body) as { reasonCode: number; reason: string };
    assert.equal(body.reasonCode, 1);
    assert.ok(body.reason.length > 0);
  });

  it('accepts -102 on revoke as done when the details say Revoked (what real tenants answer to a second revoke)', async () => {
    const i = issuer([
      { status: 400, body: { code: -102, description: 'Only issued certificates could be revoked.' } },
      { status: 200, body: { sslId: 55, status: 'Revoked' } },
    ]);
    await i.revoke({ ca: 'sectigo', id: '55' }, 'superseded');
    await i.close();
    assert.deepEqual(seen.map((s) => `${s.method} ${s.path}`), ['POST /private/api/ssl/v1/revoke/55', 'GET /private/api/ssl/v1/55']);
  });

  it('looks a lost order up at the documented list URL, without a slash before the query', async () => {
    const i = issuer([{ status: 200, body: [] }]);
    assert.equal(await i.find('r1', req.profile), undefined);
    await i.close();
    assert.equal(seen[0]!.path, '/private/api/ssl/v1?commonName=a.example.com&size=200');
  });

  it('refuses a CaRef that is not an sslId without calling SCM', async () => {
    const i = issuer([]);
    await assert.rejects(i.collect({ ca: 'sectigo', id: 'https://acme.example/cert/1' }), /is not an SCM sslId/);
    await i.close();
    assert.equal(seen.length, 0);
  });

  it('warns when the login method and the /private base do not match', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    const ctx = { name: 'sectigo', log, store: { get: () => undefined, set: () => {} } };
    const client = await createSelfSigned({ cn: 'api-client', sans: [], days: 30 });
    const cert = { login: 'api', client_cert_pem: client.certPem, client_key_pem: client.keyPem };
    const plain = optionsSchema.parse({ customer_uri: 'stub', org_id: 7 });
    const priv = optionsSchema.parse({ url: 'https://cert-manager.com/private/api/ssl/v1', customer_uri: 'stub', org_id: 7 });
    void sectigoIssuerType.create(ctx, { options: plain, credentials: cert, tls: {} }).close?.();
    void sectigoIssuerType.create(ctx, { options: priv, credentials: cert, tls: {} }).close?.();
    void sectigoIssuerType.create(ctx, { options: priv, credentials: { login: 'api', password: 'stub-password' }, tls: {} }).close?.();
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /client-certificate login needs the \/private base/);
    assert.match(lines[1]!, /password login there will likely answer \\"Unknown user\\" — use https:\/\/cert-manager.com\/api\/ssl\/v1/);
    assert.doesNotMatch(lines[1]!, /password login uses/, 'the URL is not changed, so the warning must not claim it is');
  });

  it('refuses a client certificate that cannot be read, or a key that is not its own, in words and without the key', async () => {
    const ctx = { name: 'sectigo', log: silentLogger(), store: { get: () => undefined, set: () => {} } };
    const options = optionsSchema.parse({ url: 'https://cert-manager.com/private/api/ssl/v1', customer_uri: 'stub', org_id: 7 });
    const a = await createSelfSigned({ cn: 'api-client', sans: [], days: 30 });
    const b = await createSelfSigned({ cn: 'other', sans: [], days: 30 });
    const garbage = { login: 'api', client_cert_pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', client_key_pem: a.keyPem };
    assert.throws(() => sectigoIssuerType.create(ctx, { options, credentials: garbage, tls: {} }), (e: Error) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, /cas\.sectigo: client_cert_pem and client_key_pem must be a readable PEM certificate/);
      assert.ok(!e.message.includes(a.keyPem.split('\n')[1]!), 'no key material in the message');
      return true;
    });
    const mismatched = { login: 'api', client_cert_pem: a.certPem, client_key_pem: b.keyPem };
    assert.throws(() => sectigoIssuerType.create(ctx, { options, credentials: mismatched, tls: {} }), /client_key_pem is not the private key of client_cert_pem/);
  });
});
