// ACME issuer against a real Pebble (ACME test CA) that validates through a real BIND 9.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acmeIssuerType } from '../../src/ca/acme/index.js';
import type { Issuer, IssueProfile } from '../../src/ca/issuer.js';
import { CaError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import { parseCertificate } from '../../src/pki/index.js';
import { startBind, type BindHandle } from '../support/bind.js';
import { memoryStore, newCsr, opensslVerify, startPebble, type PebbleHandle } from '../support/pebble.js';

let bind: BindHandle; // the DNS Pebble validates against
let otherBind: BindHandle; // a DNS server Pebble does NOT ask (for a failing validation)
let pebble: PebbleHandle;
let work: string;
let defaultRoot: string; // Pebble's root of the default chain
const issuers: Issuer[] = [];

before(async () => {
  [bind, otherBind] = await Promise.all([startBind({ hosts: ['http'] }), startBind()]);
  pebble = await startPebble({ dnsServer: bind.address, alternateRoots: 1 });
  defaultRoot = await pebble.root(0);
  work = mkdtempSync(join(tmpdir(), 'fwcert-acme-test-'));
});

after(async () => {
  for (const i of issuers) await i.close?.();
  await pebble?.close();
  await Promise.all([bind?.close(), otherBind?.close()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

function rfc2136Challenge(dns: BindHandle, extra: Record<string, unknown> = {}) {
  return {
    type: 'dns-01',
    provider: 'rfc2136',
    server: dns.address,
    tsig_key_name: dns.tsig.name,
    propagation: { nameservers: [dns.address], interval_s: 0.1, timeout_s: 10 },
    ...extra,
  };
}

function makeIssuer(opts: { challenge: Record<string, unknown>; store?: ReturnType<typeof memoryStore>; options?: Record<string, unknown>; tsigSecret?: string }) {
  const store = opts.store ?? memoryStore();
  const options = acmeIssuerType.optionsSchema.parse({
    directory: pebble.directory,
    email: 'pki@example.org',
    agree_tos: true,
    challenge: opts.challenge,
    poll: { interval_s: 0.1, max_wait_s: 20 },
    ...opts.options,
  });
  const credentials = acmeIssuerType.credentialsSchema!.parse({ tsig_secret: opts.tsigSecret ?? bind.tsig.secret });
  const issuer = acmeIssuerType.create({ name: 'pebble', log: silentLogger(), store }, { options, credentials, tls: { caPem: pebble.caPem } });
  issuers.push(issuer);
  return { issuer, store };
}

function profile(names: string[], caOptions: unknown = {}): IssueProfile {
  return { name: names[0]!, subject: { cn: names[0]! }, sans: names, key: { type: 'ecdsa', curve: 'P-256' }, validation: 'DV', caOptions };
}

async function issue(issuer: Issuer, names: string[], caOptions: unknown = {}) {
  const { csrPem, csr } = await newCsr(names);
  const ref = await issuer.submit({ csrPem, csr, profile: profile(names, caOptions) });
  for (let i = 0; i < 100; i++) {
    const r = await issuer.collect(ref);
    if (r.state === 'issued') return { ref, ...r };
    await new Promise((res) => setTimeout(res, Math.min(r.retryAfterMs, 200)));
  }
  throw new Error('certificate was not issued');
}

function writeScript(name: string, body: string): string {
  const p = join(work, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

describe('ACME dns-01 with RFC 2136 (BIND) against Pebble', () => {
  let issued: Awaited<ReturnType<typeof issue>>;
  let store: ReturnType<typeof memoryStore>;
  let issuer: Issuer;

  test('issues a certificate whose chain openssl verifies, and leaves no TXT record behind', async () => {
    ({ issuer, store } = makeIssuer({ challenge: rfc2136Challenge(bind) }));
    issued = await issue(issuer, ['www.fwcert.test', 'api.fwcert.test']);
    const info = parseCertificate(issued.leafPem);
    assert.deepEqual([...info.sans].sort(), ['api.fwcert.test', 'www.fwcert.test']);
    assert.equal(issued.chainPem.length, 1);
    const out = opensslVerify(await pebble.root(0), issued.chainPem, issued.leafPem);
    assert.match(out, /leaf\.pem: OK/);
    assert.deepEqual(await bind.txt('_acme-challenge.www.fwcert.test'), []);
    assert.deepEqual(await bind.txt('_acme-challenge.api.fwcert.test'), []);
    assert.match(issued.ref.id, /^https:\/\/127\.0\.0\.1:\d+\//);
  });

  test('keeps the account key sealed and reuses the account for the next order', async () => {
    const keyName = [...store.values.keys()].find((k) => k.endsWith(':account-key'))!;
    const urlName = [...store.values.keys()].find((k) => k.endsWith(':account-url'))!;
    assert.equal(keyName, `acme:${pebble.directory}:account-key`);
    assert.ok(store.sealed.has(keyName), 'account key stored sealed');
    assert.match(store.values.get(keyName)!, /BEGIN PRIVATE KEY/);
    assert.ok(!store.sealed.has(urlName));
    const before = { key: store.values.get(keyName), url: store.values.get(urlName) };

    // A second issuer over the same store (a later run) signs in with the stored key.
    const again = makeIssuer({ challenge: rfc2136Challenge(bind), store }).issuer;
    await issue(again, ['mail.fwcert.test']);
    assert.equal(store.values.get(keyName), before.key);
    assert.equal(store.values.get(urlName), before.url);
  });

  test('revokes with a reason code the CA records', async () => {
    const serial = parseCertificate(issued.leafPem).serial;
    assert.equal((await pebble.certStatus(serial)).Status, 'Valid');
    await issuer.revoke(issued.ref, 'keyCompromise', issued.leafPem);
    const status = await pebble.certStatus(serial);
    assert.equal(status.Status, 'Revoked');
    assert.equal(status.Reason, 1);
  });

  test('revokes by order reference alone (downloads the certificate itself)', async () => {
    const other = await issue(issuer, ['old.fwcert.test']);
    await issuer.revoke(other.ref, 'superseded');
    const status = await pebble.certStatus(parseCertificate(other.leafPem).serial);
    assert.equal(status.Status, 'Revoked');
    assert.equal(status.Reason, 4);
  });

  test('preferred_chain picks the alternate chain whose top issuer matches', async () => {
    const altRoot = await pebble.root(1);
    const altCn = parseCertificate(altRoot).subject.cn!;
    assert.notEqual(altCn, parseCertificate(defaultRoot).subject.cn);
    const { issuer: i2 } = makeIssuer({ challenge: rfc2136Challenge(bind) });
    const got = await issue(i2, ['alt.fwcert.test'], { preferred_chain: altCn });
    assert.equal(parseCertificate(got.chainPem.at(-1)!).issuerCn, altCn);
    assert.match(opensslVerify(altRoot, got.chainPem, got.leafPem), /OK/);
    assert.throws(() => opensslVerify(defaultRoot, got.chainPem, got.leafPem), 'the alternate chain does not lead to the default root');
  });

  test('a failed validation names the domain and the record, and the record is removed', async () => {
    // Records go to a DNS server Pebble does not ask, so Pebble finds no TXT.
    const { issuer: i3 } = makeIssuer({ challenge: rfc2136Challenge(otherBind, { zone: otherBind.zone }), tsigSecret: otherBind.tsig.secret });
    const { csrPem, csr } = await newCsr(['fail.fwcert.test']);
    await assert.rejects(i3.submit({ csrPem, csr, profile: profile(['fail.fwcert.test']) }), (e: Error) => {
      assert.ok(e instanceof CaError);
      assert.match(e.message, /dns-01 challenge for fail\.fwcert\.test failed/);
      assert.match(e.message, /TXT _acme-challenge\.fail\.fwcert\.test/);
      assert.match(e.message, /urn:ietf:params:acme:error:/);
      return true;
    });
    assert.deepEqual(await otherBind.txt('_acme-challenge.fail.fwcert.test'), []);
  });

  test('registers the stored key again when the CA no longer knows the stored account', async () => {
    const store = memoryStore();
    const { issuer: fresh } = makeIssuer({ challenge: rfc2136Challenge(bind), store });
    await issue(fresh, ['again.fwcert.test']);
    const urlKey = `acme:${pebble.directory}:account-url`;
    const keyPem = store.values.get(`acme:${pebble.directory}:account-key`);
    store.set(urlKey, new URL('/my-account/999999', pebble.directory).href); // as if the CA had lost it
    const { issuer: later } = makeIssuer({ challenge: rfc2136Challenge(bind), store });
    await issue(later, ['again.fwcert.test']);
    assert.match(store.values.get(urlKey)!, /\/my-account\/(?!999999$)/);
    assert.equal(store.values.get(`acme:${pebble.directory}:account-key`), keyPem, 'same key');
  });

  test('refuses to create an account without agree_tos, and says how to fix it', async () => {
    const { issuer: i4, store: s4 } = makeIssuer({ challenge: rfc2136Challenge(bind), options: { agree_tos: false } });
    const { csrPem, csr } = await newCsr(['tos.fwcert.test']);
    await assert.rejects(i4.submit({ csrPem, csr, profile: profile(['tos.fwcert.test']) }), /agree_tos: true/);
    assert.equal(s4.values.size, 0, 'no key made, no account created');
  });
});

describe('ACME dns-01 with an exec hook (acme.sh dnsapi style)', () => {
  test('the hook adds and removes the TXT record (it calls nsupdate here) and gets the documented arguments and environment', async () => {
    const log = join(work, 'hook.log');
    const hook = writeScript('nsupdate-hook', `
log="$1"; port="$2"; key="$3"; shift 3
echo "$1 $2 $3 domain=$FWCERT_ACME_DOMAIN record=$FWCERT_ACME_RECORD value=$FWCERT_ACME_VALUE" >> "$log"
case "$1" in
  add) change="update add $2. 60 TXT \\"$3\\"" ;;
  remove) change="update delete $2. TXT \\"$3\\"" ;;
  *) echo "unknown action $1" >&2; exit 2 ;;
esac
printf 'server 127.0.0.1 %s\\n%s\\nsend\\n' "$port" "$change" | nsupdate -y "$key"`);
    const { issuer } = makeIssuer({
      challenge: {
        type: 'dns-01', provider: 'exec', command: hook,
        args: [log, String(bind.port), `hmac-sha256:${bind.tsig.name}:${bind.tsig.secret}`],
        propagation: { nameservers: [bind.address], interval_s: 0.1, timeout_s: 10 },
      },
    });
    const got = await issue(issuer, ['hook.fwcert.test']);
    assert.match(opensslVerify(defaultRoot, got.chainPem, got.leafPem), /OK/);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(lines.length, 2);
    const [add, remove] = lines.map((l) => l.split(' '));
    assert.equal(add![0], 'add');
    assert.equal(remove![0], 'remove');
    assert.equal(add![1], '_acme-challenge.hook.fwcert.test');
    assert.equal(add![2], remove![2]);
    assert.match(add![2]!, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(add![3], 'domain=hook.fwcert.test');
    assert.equal(add![4], 'record=_acme-challenge.hook.fwcert.test');
    assert.equal(add![5], `value=${add![2]}`);
    assert.deepEqual(await bind.txt('_acme-challenge.hook.fwcert.test'), []);
  });

  test('a failing hook surfaces its exit status and stderr', async () => {
    const hook = writeScript('broken-hook', 'echo "starting" >&2\necho "boom: DNS API token rejected" >&2\nexit 3');
    const { issuer } = makeIssuer({ challenge: { type: 'dns-01', provider: 'exec', command: hook, propagation: { nameservers: [bind.address] } } });
    const { csrPem, csr } = await newCsr(['broken.fwcert.test']);
    await assert.rejects(issuer.submit({ csrPem, csr, profile: profile(['broken.fwcert.test']) }), (e: Error) => {
      assert.match(e.message, /_acme-challenge\.broken\.fwcert\.test/);
      assert.match(e.message, /exited with status 3/);
      assert.match(e.message, /boom: DNS API token rejected/);
      return true;
    });
  });

  test('when the record never shows up, propagation gives up naming it, and the hook is still asked to remove it', async () => {
    const log = join(work, 'lazy.log');
    const hook = writeScript('lazy-hook', `log="$1"; shift; echo "$1 $2" >> "$log"`);
    const { issuer } = makeIssuer({
      challenge: { type: 'dns-01', provider: 'exec', command: hook, args: [log], propagation: { nameservers: [bind.address], interval_s: 0.1, timeout_s: 1 } },
    });
    const { csrPem, csr } = await newCsr(['lazy.fwcert.test']);
    await assert.rejects(issuer.submit({ csrPem, csr, profile: profile(['lazy.fwcert.test']) }), (e: Error) => {
      assert.match(e.message, /propagation timed out after 1 s/);
      assert.match(e.message, new RegExp(`_acme-challenge\\.lazy\\.fwcert\\.test TXT "[^"]+" not yet at 127\\.0\\.0\\.1:${bind.port}`));
      return true;
    });
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['add _acme-challenge.lazy.fwcert.test', 'remove _acme-challenge.lazy.fwcert.test']);
  });
});

describe('ACME http-01 with an exec hook', () => {
  let web: Server;
  let webroot: string;
  before(async () => {
    webroot = mkdtempSync(join(work, 'webroot-'));
    web = createServer((req, res) => {
      const token = (req.url ?? '').replace('/.well-known/acme-challenge/', '');
      const file = join(webroot, token);
      if (!/^[A-Za-z0-9_-]+$/.test(token) || !existsSync(file)) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(readFileSync(file));
    });
    await new Promise<void>((r) => web.listen(pebble.httpPort, '127.0.0.1', () => r()));
  });
  after(async () => {
    await new Promise<void>((r) => web.close(() => r()));
  });

  test('the hook publishes the key authorization where Pebble fetches it, then removes it', async () => {
    const hook = writeScript('http-hook', `
dir="$1"; shift
case "$1" in
  add) printf '%s' "$4" > "$dir/$3" ;;
  remove) rm -f "$dir/$3" ;;
esac
[ "$FWCERT_ACME_DOMAIN" = "$2" ] && [ "$FWCERT_ACME_TOKEN" = "$3" ] && [ "$FWCERT_ACME_VALUE" = "$4" ]`);
    const { issuer } = makeIssuer({ challenge: { type: 'http-01', command: hook, args: [webroot] } });
    const got = await issue(issuer, ['http.fwcert.test']);
    assert.deepEqual(parseCertificate(got.leafPem).sans, ['http.fwcert.test']);
    assert.deepEqual(readdirSync(webroot), [], 'challenge file removed');
  });
});

