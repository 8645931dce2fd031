// The built-in RFC 2136 + TSIG client against a real BIND 9, and the pieces around it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server } from 'node:net';
import { Rfc2136Provider } from '../../src/ca/acme/dns/rfc2136.js';
import type { TsigKey } from '../../src/ca/acme/dns/tsig.js';
import { parseServerAddress } from '../../src/ca/acme/dns/server-address.js';
import { findZone, makeResolver, authoritativeServers } from '../../src/ca/acme/dns/zone.js';
import { startBind, type BindHandle } from '../support/bind.js';

let bind: BindHandle;
let key: TsigKey;

before(async () => {
  bind = await startBind({ zone: 'example.test', hosts: ['www', 'deep.sub'] });
  key = { name: bind.tsig.name, algorithm: 'hmac-sha256', secretBase64: bind.tsig.secret };
});
after(async () => {
  await bind?.close();
});

const rec = (fqdn: string, value: string) => ({ domain: fqdn.replace(/^_acme-challenge\./, ''), fqdn, value });

describe('RFC 2136 dynamic update with TSIG (real BIND)', () => {
  test('adds TXT values and removes exactly the one asked for', async () => {
    const p = new Rfc2136Provider({ server: bind.address, zone: 'example.test', key });
    const a = rec('_acme-challenge.www.example.test', 'value-one');
    const b = rec('_acme-challenge.www.example.test', 'value-two');
    await p.add(a);
    await p.add(b);
    assert.deepEqual((await bind.txt(a.fqdn)).sort(), ['value-one', 'value-two']);
    await p.remove(a);
    assert.deepEqual(await bind.txt(a.fqdn), ['value-two']);
    await p.remove(b);
    assert.deepEqual(await bind.txt(a.fqdn), []);
  });

  test('finds the zone by asking the server for SOA records when none is configured', async () => {
    const p = new Rfc2136Provider({ server: bind.address, key });
    assert.equal(await p.zoneOf('_acme-challenge.deep.sub.example.test'), 'example.test');
    await p.add(rec('_acme-challenge.deep.sub.example.test', 'walked'));
    assert.deepEqual(await bind.txt('_acme-challenge.deep.sub.example.test'), ['walked']);
    await p.remove(rec('_acme-challenge.deep.sub.example.test', 'walked'));
  });

  test('a wrong secret is reported as BADSIG with what to check, and writes nothing', async () => {
    const p = new Rfc2136Provider({ server: bind.address, zone: 'example.test', key: { ...key, secretBase64: randomBytes(32).toString('base64') } });
    await assert.rejects(p.add(rec('_acme-challenge.www.example.test', 'nope')), /NOTAUTH \(BADSIG: .*tsig_secret/);
    assert.deepEqual(await bind.txt('_acme-challenge.www.example.test'), []);
  });

  test('an unknown key name is reported as BADKEY', async () => {
    const p = new Rfc2136Provider({ server: bind.address, zone: 'example.test', key: { ...key, name: 'not-a-key' } });
    await assert.rejects(p.add(rec('_acme-challenge.www.example.test', 'nope')), /NOTAUTH \(BADKEY: .*tsig_key_name/);
  });

  test('an algorithm the server key does not use is refused', async () => {
    const p = new Rfc2136Provider({ server: bind.address, zone: 'example.test', key: { ...key, algorithm: 'hmac-sha512' } });
    await assert.rejects(p.add(rec('_acme-challenge.www.example.test', 'nope')), /NOTAUTH \(BAD(KEY|SIG)/);
  });

  test('a record outside the configured zone is refused before anything is sent', async () => {
    const p = new Rfc2136Provider({ server: bind.address, zone: 'example.test', key });
    await assert.rejects(p.add(rec('_acme-challenge.www.other.test', 'x')), /outside the zone/);
  });

  test('a server that is not listening fails with the address in the message', async () => {
    const srv: Server = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const p = new Rfc2136Provider({ server: `127.0.0.1:${port}`, zone: 'example.test', key, timeoutMs: 2000 });
    await assert.rejects(p.add(rec('_acme-challenge.www.example.test', 'x')), new RegExp(`at 127\\.0\\.0\\.1:${port} failed: .*ECONNREFUSED`));
  });

  test('an answer whose TSIG signature was tampered with is not trusted', async () => {
    // A TCP relay to BIND that flips the last MAC octet of the answer (the TSIG RDATA ends with
    // MAC | original id | error | other length, so that octet is 7 from the end).
    const relay: Server = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port: bind.port });
      client.pipe(upstream);
      let buf = Buffer.alloc(0);
      upstream.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          buf[buf.length - 7] ^= 0xff;
          client.end(buf);
          upstream.destroy();
        }
      });
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (relay.address() as { port: number }).port;
      const p = new Rfc2136Provider({ server: `127.0.0.1:${port}`, zone: 'example.test', key });
      await assert.rejects(p.add(rec('_acme-challenge.www.example.test', 'relayed')), /TSIG signature on the answer does not verify/);
      // The same key through the real server verifies fine (the relay is what broke it).
      await new Rfc2136Provider({ server: bind.address, zone: 'example.test', key }).remove(rec('_acme-challenge.www.example.test', 'relayed'));
    } finally {
      await new Promise<void>((r) => relay.close(() => r()));
    }
  });
});

describe('zone and server discovery', () => {
  test('finds the zone and its NS addresses through a given resolver', async () => {
    const r = makeResolver([bind.address]);
    assert.equal(await findZone('_acme-challenge.www.example.test', r), 'example.test');
    assert.deepEqual(await authoritativeServers('example.test', r), ['127.0.0.1:53']);
  });

  test('server addresses: host, host:port, [v6]:port', () => {
    assert.deepEqual(parseServerAddress('ns1.example.com'), { host: 'ns1.example.com', port: 53 });
    assert.deepEqual(parseServerAddress('192.0.2.53:5353'), { host: '192.0.2.53', port: 5353 });
    assert.deepEqual(parseServerAddress('[2001:db8::53]:53'), { host: '2001:db8::53', port: 53 });
    assert.deepEqual(parseServerAddress('2001:db8::53'), { host: '2001:db8::53', port: 53 });
    assert.throws(() => parseServerAddress('ns1:99999'));
  });
});
