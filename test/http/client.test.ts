// The one HTTP client: TLS trust (CA file, pin, insecure), retries with backoff, redaction.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { registerSecret } from '../../src/core/redact.js';
import { HttpClient, HttpError } from '../../src/http/client.js';
import { certFingerprintSha256, createSelfSigned } from '../../src/pki/index.js';
import { startHostileServer } from '../support/hostile-server.js';

let server: Server;
let url: string;
let certPem: string;
let hits = 0;
let failFirst = 0;

before(async () => {
  const tls = await createSelfSigned({ cn: 'device', sans: ['127.0.0.1', 'localhost'], days: 30 });
  certPem = tls.certPem;
  server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    hits++;
    if (failFirst > 0) {
      failFirst--;
      res.writeHead(503, { 'retry-after': '0' }).end('busy');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

describe('HttpClient', () => {
  it('refuses an untrusted certificate and says how to trust it', async () => {
    const c = new HttpClient({ baseUrl: url, tls: {}, name: 'ftd-1', retries: 0 });
    await assert.rejects(c.request({ method: 'GET', path: '/x' }), (e: HttpError) => /not trusted: set tls\.ca_file or tls\.sha256/.test(e.message));
    await c.close();
  });

  it('trusts a CA file, and a SHA-256 pin on every new connection', async () => {
    const a = new HttpClient({ baseUrl: url, tls: { caPem: certPem }, name: 'ftd-1' });
    assert.equal((await a.request({ method: 'GET', path: '/a' })).status, 200);
    await a.close();
    const pinned = new HttpClient({ baseUrl: url, tls: { sha256: certFingerprintSha256(certPem) }, name: 'ftd-1', connections: 1 });
    for (let i = 0; i < 3; i++) {
      assert.equal((await pinned.request({ method: 'GET', path: `/p${i}`, headers: { connection: 'close' } })).status, 200);
    }
    await pinned.close();
  });

  it('a wrong pin is refused with both fingerprints named', async () => {
    const c = new HttpClient({ baseUrl: url, tls: { sha256: 'AA'.repeat(32) }, name: 'pa-1' });
    await assert.rejects(c.request({ method: 'GET', path: '/x' }), (e: Error) => /TLS pin mismatch for pa-1.*expected A{64}/.test(e.message));
    await c.close();
  });

  it('retries 503 for idempotent requests but not for POST', async () => {
    const c = new HttpClient({ baseUrl: url, tls: { caPem: certPem }, name: 'scm', backoffMs: 1 });
    failFirst = 2;
    hits = 0;
    assert.equal((await c.request({ method: 'GET', path: '/r' })).status, 200);
    assert.equal(hits, 3);
    failFirst = 1;
    hits = 0;
    assert.equal((await c.request({ method: 'POST', path: '/enroll', json: {} })).status, 503);
    assert.equal(hits, 1, 'a POST is never sent twice on its own');
    await c.close();
  });

  it('keeps a base path when the request path starts with /', async () => {
    const c = new HttpClient({ baseUrl: `${url}/private/api/ssl/v1`, tls: { caPem: certPem }, name: 'scm' });
    assert.deepEqual((await c.request({ method: 'GET', path: '/types' })).json(), { path: '/private/api/ssl/v1/types' });
    await c.close();
  });

  it('never shows a registered secret in an error', async () => {
    registerSecret('s3cr3t-token-value');
    const c = new HttpClient({ baseUrl: 'https://127.0.0.1:1', tls: {}, name: 'dev', retries: 0 });
    await assert.rejects(c.request({ method: 'GET', path: '/x', query: { key: 's3cr3t-token-value' } }), (e: Error) => !e.message.includes('s3cr3t-token-value'));
    await c.close();
  });
});

describe('logs', () => {
  it('an error logged as { err } keeps its message, redacted', async () => {
    const { redactValue } = await import('../../src/core/redact.js');
    registerSecret('hunter2-password');
    const out = redactValue({ err: new HttpError('login failed for admin with hunter2-password') }) as { err: { message: string; name: string } };
    assert.equal(out.err.message, 'login failed for admin with ***');
    assert.equal(out.err.name, 'HttpError');
  });
});

describe('HttpClient deadlines and body cap', () => {
  it('a server that drips its answer a byte a second is cut off at the request deadline', { timeout: 60_000 }, async () => {
    const drip = await startHostileServer('drip');
    const c = new HttpClient({ baseUrl: drip.url, tls: { sha256: drip.sha256 }, name: 'slow-1', timeoutMs: 2500 });
    try {
      await assert.rejects(c.request({ method: 'GET', path: '/x' }), (e: HttpError) => {
        assert.equal(e.code, 'ERR_DEADLINE');
        assert.match(e.message, /slow-1: GET https:\/\/127\.0\.0\.1:\d+\/x got no complete answer within 3 s \(timeout_s\)/);
        return true;
      });
      assert.equal(drip.requests, 1, 'a deadline is not retried: the next try would drip the same way');
    } finally {
      await c.close().catch(() => undefined);
      await drip.close();
    }
  });

  it('requests queued behind the client\'s own others are not timed out before they are sent', { timeout: 120_000 }, async () => {
    // One connection, answers taking 500 ms each, 8 POSTs (not retried) at once: together they take
    // 4 s, well past the 2 s deadline, which each request alone never comes near.
    const tls = await createSelfSigned({ cn: 'scm', sans: ['127.0.0.1'], days: 30 });
    let busy = 0;
    let mostAtOnce = 0;
    const slow = createServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => {
      mostAtOnce = Math.max(mostAtOnce, ++busy);
      setTimeout(() => {
        busy--;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }, 500);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const c = new HttpClient({ baseUrl: `https://127.0.0.1:${(slow.address() as AddressInfo).port}`, tls: { caPem: tls.certPem }, name: 'scm', connections: 1, timeoutMs: 2000 });
    try {
      const answers = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => c.request({ method: 'POST', path: `/order/${i}`, json: { i } })));
      assert.deepEqual(answers.map((a) => (a.status === 'fulfilled' ? a.value.status : (a.reason as Error).message)), Array(8).fill(200));
      assert.equal(mostAtOnce, 1, 'one connection: one request at a time');
    } finally {
      await c.close().catch(() => undefined);
      await new Promise<void>((r) => slow.close(() => r()));
    }
  });

  it('an endless body is refused once it passes the size cap', { timeout: 60_000 }, async () => {
    const endless = await startHostileServer('endless');
    const c = new HttpClient({ baseUrl: endless.url, tls: { sha256: endless.sha256 }, name: 'flood-1', maxBodyBytes: 1024 * 1024 });
    try {
      await assert.rejects(c.request({ method: 'GET', path: '/config' }), (e: HttpError) => {
        assert.equal(e.code, 'ERR_BODY_TOO_LARGE');
        assert.match(e.message, /flood-1: GET .*\/config answered with a body larger than 1048576 bytes; refused/);
        return true;
      });
    } finally {
      await c.close().catch(() => undefined);
      await endless.close();
    }
  });
});
