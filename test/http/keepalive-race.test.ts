// A server that closes a kept-alive connection just as the next request arrives on it (what a device
// does when its idle timeout and our request cross): an idempotent request is sent again, once, on a
// new connection and succeeds; any other request is not sent again and fails with an error that says so.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { HttpClient, HttpError } from '../../src/http/client.js';
import { createSelfSigned } from '../../src/pki/index.js';

let server: Server;
let url: string;
let certPem: string;
/** Requests seen, in order: "<socket number> <method> <path>". */
let seen: string[] = [];
const sockets = new Map<Socket, number>();
const perSocket = new Map<Socket, number>();

before(async () => {
  const tls = await createSelfSigned({ cn: 'device', sans: ['127.0.0.1'], days: 30 });
  certPem = tls.certPem;
  server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const socket = req.socket;
    if (!sockets.has(socket)) sockets.set(socket, sockets.size + 1);
    const n = (perSocket.get(socket) ?? 0) + 1;
    perSocket.set(socket, n);
    seen.push(`${sockets.get(socket)} ${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      // The second request on a connection: the server's idle timeout fired as it arrived. The
      // request is read in full, no answer is written, the connection is closed.
      if (n === 2) socket.destroy();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  // A long keep-alive hint, so that the client reuses the connection however slow this machine is.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  seen = [];
  server.closeAllConnections();
});

describe('a kept-alive connection closed by the server as the next request arrives', () => {
  it('an idempotent POST (a PAN-OS config set) is sent again once, on a new connection, and succeeds', { timeout: 60_000 }, async () => {
    const c = new HttpClient({ baseUrl: url, tls: { caPem: certPem }, name: 'pa-1', connections: 1, backoffMs: 1 });
    try {
      assert.equal((await c.request({ method: 'GET', path: '/warm' })).status, 200);
      const res = await c.request({ method: 'POST', path: '/api/', body: new URLSearchParams({ type: 'config', action: 'set' }), retry: true });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json(), { ok: true });
      const posts = seen.filter((s) => s.endsWith('POST /api/'));
      assert.equal(posts.length, 2, 'sent twice: the first copy was lost with its connection');
      assert.notEqual(posts[0]!.split(' ')[0], posts[1]!.split(' ')[0], 'the second copy went on a new connection');
    } finally {
      await c.close();
    }
  });

  it('a GET is sent again the same way (idempotent by its method)', { timeout: 60_000 }, async () => {
    const c = new HttpClient({ baseUrl: url, tls: { caPem: certPem }, name: 'ftd-1', connections: 1, backoffMs: 1 });
    try {
      await c.request({ method: 'GET', path: '/warm' });
      assert.equal((await c.request({ method: 'GET', path: '/object/internalcertificates' })).status, 200);
      assert.equal(seen.filter((s) => s.endsWith('GET /object/internalcertificates')).length, 2);
    } finally {
      await c.close();
    }
  });

  it('a POST that is not idempotent (a CA order) is sent once and fails with a clear error', { timeout: 60_000 }, async () => {
    // unsafeReuseMs: the kept connection is reused however long this machine takes between the two requests.
    const c = new HttpClient({ baseUrl: url, tls: { caPem: certPem }, name: 'sectigo', connections: 1, backoffMs: 1, unsafeReuseMs: 3_600_000 });
    try {
      await c.request({ method: 'GET', path: '/warm' });
      await assert.rejects(c.request({ method: 'POST', path: '/api/ssl/v1/enroll', json: { csr: '...' } }), (e: HttpError) => {
        assert.ok(e instanceof HttpError);
        assert.ok(e.code === 'UND_ERR_SOCKET' || e.code === 'ECONNRESET', `lost connection, got ${e.code}`);
        assert.match(e.message, /^sectigo: POST https:\/\/127\.0\.0\.1:\d+\/api\/ssl\/v1\/enroll failed: .*the connection closed before any answer; not sent again, because this request is not safe to repeat/);
        return true;
      });
      assert.equal(seen.filter((s) => s.endsWith('POST /api/ssl/v1/enroll')).length, 1, 'a CA order is never sent twice by the client');
    } finally {
      await c.close();
    }
  });

  it('after the client was quiet (unsafeReuseMs), a POST that is not idempotent goes on a new connection and succeeds', { timeout: 60_000 }, async () => {
    const c = new HttpClient({ baseUrl: url, tls: { caPem: certPem }, name: 'pa-1', connections: 1, backoffMs: 1, unsafeReuseMs: 0 });
    try {
      await c.request({ method: 'GET', path: '/warm' });
      const res = await c.request({ method: 'POST', path: '/api/', body: new URLSearchParams({ type: 'op', cmd: '<request><certificate><generate/></certificate></request>' }) });
      assert.equal(res.status, 200);
      const [warm, post] = [seen.find((s) => s.endsWith('GET /warm'))!, seen.filter((s) => s.endsWith('POST /api/'))];
      assert.equal(post.length, 1, 'sent once');
      assert.notEqual(post[0]!.split(' ')[0], warm.split(' ')[0], 'on a connection of its own, not the kept-alive one');
    } finally {
      await c.close();
    }
  });
});
