// The PAN-OS driver end to end against the PAN-OS emulator over real HTTPS: on-box CSR -> CA ->
// install -> bind -> scoped commit -> the GlobalProtect portal serves the new certificate; and the
// refusals an administrator relies on (wrong key, passive HA unit, injection, other admins' work).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type DetailedPeerCertificate } from 'node:tls';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { startPanosEmulator, type EmulatorHandle, type PanosKnobs } from '../../src/lab/panos/index.js';
import { panosTargetType, type PanosTarget } from '../../src/devices/panos/index.js';
import { PanosSession } from '../../src/devices/panos/api.js';
import { entryXpath, textEl } from '../../src/devices/panos/xml.js';
import { DeviceError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import { clearSecrets, redact } from '../../src/core/redact.js';
import {
  certFingerprintSha256,
  createCa,
  createCsr,
  createSelfSigned,
  generateKeyPair,
  issueCertificate,
  parseCertificate,
  parseCsr,
} from '../../src/pki/index.js';
import type { CsrSpec } from '../../src/pki/types.js';

const ADMIN = { username: 'fwcert', password: 'S3cret&pass=word+1' };
const OTHER = { username: 'other', password: 'other-pass-123' };
const EVIL = `a']/x | <y>&"z`;

let root: { certPem: string; keyPem: string };
let issuing: { certPem: string; keyPem: string };

before(async () => {
  const ec = { type: 'ecdsa', curve: 'P-256' } as const;
  root = await createCa({ subject: { cn: 'Test Root CA', o: 'fwcert tests' }, key: ec, days: 3650 });
  issuing = await createCa({ subject: { cn: 'Test Issuing CA 1', o: 'fwcert tests' }, key: ec, days: 1825, issuer: root });
});

after(() => clearSecrets());

interface Lab {
  emu: EmulatorHandle;
  target: PanosTarget;
  counters(): Record<string, number>;
  state(): LabState;
  close(): Promise<void>;
}

interface LabState {
  certificates: { name: string; fingerprint: string | null; ca: boolean; hasPrivateKey: boolean; csrPending: boolean; issuer: string | null }[];
  serviceProfiles: { candidate: Record<string, string | null>; running: Record<string, string | null> };
  pendingChanges: Record<string, string[]>;
  candidateXml: string;
  runningXml: string;
  counters: Record<string, number>;
  jobs: unknown;
}

async function startLab(
  opts: {
    knobs?: Partial<PanosKnobs>;
    haState?: 'standalone' | 'active' | 'passive';
    credentials?: unknown;
    options?: Record<string, unknown>;
    model?: string;
    inboundInspectionSchema?: 'members' | 'legacy';
  } = {},
): Promise<Lab> {
  const emu = await startPanosEmulator({
    name: 'pa-test',
    admins: [ADMIN, OTHER],
    knobs: { commitDurationMs: 30, ...opts.knobs },
    ...(opts.haState ? { haState: opts.haState } : {}),
    ...(opts.model ? { model: opts.model } : {}),
    ...(opts.inboundInspectionSchema ? { inboundInspectionSchema: opts.inboundInspectionSchema } : {}),
  });
  const options = panosTargetType.optionsSchema.parse({ poll_interval_s: 0.02, commit_timeout_s: 30, ...opts.options });
  const credentials = panosTargetType.credentialsSchema.parse(opts.credentials ?? ADMIN);
  const target = panosTargetType.create(
    { name: 'pa-test', log: silentLogger() },
    { url: emu.url, options, credentials, tls: { caPem: emu.certPem }, timeoutMs: 10_000 },
  ) as PanosTarget;
  const state = () => emu.state() as LabState;
  return {
    emu,
    target,
    state,
    counters: () => state().counters,
    close: async () => {
      await target.close();
      await emu.close();
    },
  };
}

const spec = (cn: string, extra: Partial<CsrSpec> = {}): CsrSpec => ({
  subject: { cn, o: 'Example Inc', c: 'US' },
  sans: [cn],
  key: { type: 'ecdsa', curve: 'P-256' },
  ...extra,
});

async function sign(csrPem: string, serialHex?: string): Promise<string> {
  return issueCertificate({ csrPem, issuerCertPem: issuing.certPem, issuerKeyPem: issuing.keyPem, days: 90, ...(serialHex ? { serialHex } : {}) });
}

/** What a TLS client of the GlobalProtect portal is shown: leaf fingerprint and the chain's subjects. */
function handshake(address: string): Promise<{ fingerprint: string; chainCns: string[] }> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const s = connect({ host, port: Number(port), rejectUnauthorized: false, servername: 'localhost' }, () => {
      const peer = s.getPeerCertificate(true);
      const chainCns: string[] = [];
      let cur: DetailedPeerCertificate | undefined = peer.issuerCertificate;
      const seen = new Set<string>([peer.fingerprint256]);
      while (cur && !seen.has(cur.fingerprint256)) {
        seen.add(cur.fingerprint256);
        chainCns.push(String(cur.subject?.CN ?? ''));
        cur = cur.issuerCertificate;
      }
      s.end();
      resolve({ fingerprint: peer.fingerprint256, chainCns });
    });
    s.on('error', reject);
  });
}

async function rejection(p: Promise<unknown>): Promise<DeviceError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DeviceError, `expected a DeviceError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

test('on-box CSR -> CA -> install -> bind gp-portal-profile -> commit: the portal serves the new certificate', async () => {
  const lab = await startLab();
  try {
    const info = await lab.target.open();
    assert.deepEqual(info, { model: 'PA-VM', version: '10.2.9', haRole: 'standalone' });
    const defaultPortal = await handshake(lab.emu.services['gp-portal']!);

    const csrPem = await lab.target.generateCsr('gp-2025', spec('vpn.example.com', { sans: ['vpn.example.com', 'vpn2.example.com', '192.0.2.10'] }));
    const csr = parseCsr(csrPem);
    assert.equal(csr.subject.cn, 'vpn.example.com');
    assert.equal(csr.subject.o, 'Example Inc');
    assert.deepEqual(csr.sans, ['vpn.example.com', 'vpn2.example.com', '192.0.2.10']);
    assert.deepEqual(csr.keySpec, { type: 'ecdsa', curve: 'P-256' });
    let inv = await lab.target.inventory();
    assert.deepEqual(
      inv.filter((c) => c.name === 'gp-2025').map((c) => [c.pendingCsr, c.hasKey, c.certPem]),
      [[true, true, undefined]],
    );

    const leafPem = await sign(csrPem);
    await lab.target.install('gp-2025', { leafPem, chainPem: [issuing.certPem, root.certPem] });
    inv = await lab.target.inventory();
    const installed = inv.find((c) => c.name === 'gp-2025')!;
    assert.equal(installed.pendingCsr, false);
    assert.equal(installed.hasKey, true);
    assert.equal(certFingerprintSha256(installed.certPem!), certFingerprintSha256(leafPem));
    const cas = inv.filter((c) => c.isCa).map((c) => c.name).sort();
    assert.deepEqual(cas, ['Test-Issuing-CA-1', 'Test-Root-CA']);

    const bound = await lab.target.bind('gp-2025', [{ kind: 'ssl_tls_service_profile', name: 'gp-portal-profile' }]);
    assert.deepEqual(bound, [{ binding: { kind: 'ssl_tls_service_profile', name: 'gp-portal-profile' }, previous: 'gp-portal-default' }]);
    // Candidate only: the portal still shows the old certificate until the commit.
    assert.equal((await handshake(lab.emu.services['gp-portal']!)).fingerprint, defaultPortal.fingerprint);
    assert.deepEqual((await lab.target.inventory()).find((c) => c.name === 'gp-2025')!.bindings, [
      { kind: 'ssl_tls_service_profile', name: 'gp-portal-profile' },
    ]);

    const result = await lab.target.commit('renew gp-2025');
    assert.equal(result.committed, true);
    assert.ok(result.jobId);
    const served = await handshake(lab.emu.services['gp-portal']!);
    assert.equal(served.fingerprint, certFingerprintSha256(leafPem));
    assert.deepEqual(served.chainCns, ['Test Issuing CA 1', 'Test Root CA']);
    assert.equal(lab.state().serviceProfiles.running['gp-portal-profile'], 'gp-2025');

    // Nothing left to commit: the device says so and fwcert reports it as such.
    assert.deepEqual((await lab.target.commit('again')).committed, false);

    // The old certificate is no longer used: it can go.
    await lab.target.remove('gp-portal-default');
    assert.equal((await lab.target.inventory()).some((c) => c.name === 'gp-portal-default'), false);
    // Removing what is not there is fine.
    await lab.target.remove('gp-portal-default');
  } finally {
    await lab.close();
  }
});

test("every answer in the keygen's quoting (status = 'success'): the driver's whole cycle still works", async () => {
  const lab = await startLab({ knobs: { responseQuoting: 'single-spaced' } });
  try {
    assert.equal((await lab.target.open()).haRole, 'standalone');
    const csrPem = await lab.target.generateCsr('gp-quoted', spec('quoted.example.com'));
    const leafPem = await sign(csrPem);
    await lab.target.install('gp-quoted', { leafPem, chainPem: [issuing.certPem, root.certPem] });
    await lab.target.bind('gp-quoted', [{ kind: 'ssl_tls_service_profile', name: 'gp-portal-profile' }]);
    assert.equal((await lab.target.commit('quoted')).committed, true);
    assert.equal((await handshake(lab.emu.services['gp-portal']!)).fingerprint, certFingerprintSha256(leafPem));
    assert.equal((await lab.target.commit('again')).committed, false);
    await lab.target.remove('gp-portal-default');
    assert.equal((await lab.target.inventory()).some((c) => c.name === 'gp-portal-default'), false);
  } finally {
    await lab.close();
  }
});

test('keygen sends the password in a POST body; the key then travels only in the X-PAN-KEY header', async () => {
  // A recording stand-in for the device: what would a web-server or proxy log of the firewall show?
  const tlsPair = await createSelfSigned({ cn: '127.0.0.1', sans: ['127.0.0.1'], days: 1, key: { type: 'ecdsa', curve: 'P-256' } });
  const seen: { url: string; method: string; key?: string; body: string }[] = [];
  const KEY = 'LUFRPT1cmVjb3JkZXI=';
  const server = createHttpsServer({ cert: tlsPair.certPem, key: tlsPair.keyPem }, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', method: req.method ?? '', key: req.headers['x-pan-key'] as string | undefined, body });
      const p = new URLSearchParams(`${new URL(req.url ?? '/', 'https://x').search.slice(1)}&${body}`);
      res.writeHead(200, { 'content-type': 'application/xml; charset=UTF-8' });
      if (p.get('type') === 'keygen') return res.end(`<response status = 'success'><result><key>${KEY}</key></result></response>`);
      if ((p.get('cmd') ?? '').includes('<system>')) return res.end('<response status="success"><result><system><model>PA-440</model><sw-version>11.1.4</sw-version></system></result></response>');
      res.end('<response status="success"><result><enabled>no</enabled></result></response>');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const target = panosTargetType.create(
    { name: 'rec', log: silentLogger() },
    { url: `https://127.0.0.1:${port}`, options: panosTargetType.optionsSchema.parse({}), credentials: ADMIN, tls: { caPem: tlsPair.certPem }, timeoutMs: 5000 },
  );
  try {
    assert.deepEqual(await target.open(), { model: 'PA-440', version: '11.1.4', haRole: 'standalone' });
    assert.equal(seen.length, 3);
    const [keygen, ...rest] = seen;
    assert.equal(keygen!.method, 'POST');
    assert.equal(keygen!.url, '/api/?type=keygen');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(keygen!.body)), { user: ADMIN.username, password: ADMIN.password });
    for (const r of rest) {
      assert.equal(r.method, 'POST');
      assert.equal(r.url, '/api/', 'nothing in the query string');
      assert.equal(r.key, KEY);
      assert.ok(!r.body.includes(encodeURIComponent(KEY)) && !new URLSearchParams(r.body).has('key'));
    }
    assert.equal(redact(`k=${KEY} p=${ADMIN.password}`), 'k=*** p=***');
  } finally {
    await target.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('a wrong password is reported without the password', async () => {
  const lab = await startLab({ credentials: { username: ADMIN.username, password: 'wrong-password-xyz' } });
  try {
    const e = await rejection(lab.target.open());
    assert.match(e.message, /login as fwcert failed/);
    assert.ok(!e.message.includes('wrong-password-xyz'));
  } finally {
    await lab.close();
  }
});

test('a Panorama is recognised and needs panorama: true', async () => {
  const lab = await startLab({ model: 'Panorama' });
  try {
    const e = await rejection(lab.target.open());
    assert.match(e.message, /is a Panorama \(model Panorama\); set panorama: true/);
  } finally {
    await lab.close();
  }
});

test('a commit job that outlives commit_timeout_s is reported as still running', async () => {
  const lab = await startLab({ knobs: { commitDurationMs: 5_000 }, options: { commit_timeout_s: 1, poll_interval_s: 0.05 } });
  try {
    await lab.target.open();
    await lab.target.generateCsr('slow', spec('slow.example.com'));
    const e = await rejection(lab.target.commit('slow'));
    assert.match(e.message, /commit job \d+ still ACT .* after 1 s; it keeps running on the device/);
    assert.equal(e.retryable, true);
  } finally {
    await lab.close();
  }
});

test('a certificate that does not match the on-box key is refused before any import (acme.sh #4716)', async () => {
  const lab = await startLab();
  try {
    await lab.target.open();
    await lab.target.generateCsr('web-a', spec('www.example.com'));
    // Same subject, but issued for a key that is not on the firewall.
    const other = await generateKeyPair({ type: 'ecdsa', curve: 'P-256' });
    const wrongLeaf = await sign(await createCsr(spec('www.example.com'), other.privateKeyPem));
    const importsBefore = lab.counters().import ?? 0;
    const e = await rejection(lab.target.install('web-a', { leafPem: wrongLeaf, chainPem: [issuing.certPem] }));
    assert.match(e.message, /not issued for the key the device generated/);
    assert.equal(lab.counters().import ?? 0, importsBefore, 'no import call at all, not even the chain');
    const st = lab.state().certificates.find((c) => c.name === 'web-a')!;
    assert.equal(st.csrPending, true);

    // With a local key: a key that does not belong to the certificate is refused the same way.
    const local = await generateKeyPair({ type: 'ecdsa', curve: 'P-256' });
    const e2 = await rejection(lab.target.install('web-b', { leafPem: wrongLeaf, chainPem: [], keyPem: local.privateKeyPem }));
    assert.match(e2.message, /does not belong to its certificate/);
    assert.equal(lab.counters().import ?? 0, importsBefore);

    // A name with no key on the box at all.
    const e3 = await rejection(lab.target.install('nothing-here', { leafPem: wrongLeaf, chainPem: [] }));
    assert.match(e3.message, /no key or CSR named nothing-here/);
  } finally {
    await lab.close();
  }
});

test('a locally generated key is imported the documented PEM way: certificate, then encrypted key with a one-shot passphrase', async () => {
  const lab = await startLab();
  try {
    await lab.target.open();
    const key = await generateKeyPair({ type: 'rsa', size: 2048 });
    const leafPem = await sign(await createCsr(spec('local.example.com', { key: { type: 'rsa', size: 2048 } }), key.privateKeyPem));
    await lab.target.install('local-key', { leafPem, chainPem: [issuing.certPem], keyPem: key.privateKeyPem });
    // Chain CA + leaf as `certificate`, the key as `private-key` (format=pem, passphrase); no PKCS#12.
    assert.equal(lab.counters()['import.certificate'], 2);
    assert.equal(lab.counters()['import.private-key'], 1);
    assert.equal(lab.counters()['import.keypair'] ?? 0, 0);
    const entry = lab.state().certificates.find((c) => c.name === 'local-key')!;
    assert.equal(entry.hasPrivateKey, true);
    assert.equal(entry.fingerprint, certFingerprintSha256(leafPem));
    await lab.target.bind('local-key', [{ kind: 'ssl_tls_service_profile', name: 'gp-portal-profile' }]);
    await lab.target.commit('local key');
    assert.equal((await handshake(lab.emu.services['gp-portal']!)).fingerprint, certFingerprintSha256(leafPem));

    // A refused key import leaves no certificate without its key behind.
    lab.emu.setKnobs({ failNext: { 'import.private-key': { code: 17, message: 'Import of local-2 failed. Failed to decrypt private key' } } });
    const key2 = await generateKeyPair({ type: 'rsa', size: 2048 });
    const leaf2 = await sign(await createCsr(spec('local2.example.com', { key: { type: 'rsa', size: 2048 } }), key2.privateKeyPem));
    const e = await rejection(lab.target.install('local-2', { leafPem: leaf2, chainPem: [issuing.certPem], keyPem: key2.privateKeyPem }));
    assert.match(e.message, /Failed to decrypt private key/);
    assert.equal(lab.state().certificates.some((c) => c.name === 'local-2'), false);
  } finally {
    await lab.close();
  }
});

test('a connection lost under an import is sent again (an import overwrites its name); one lost under an on-box key generation is not', async () => {
  const lab = await startLab();
  try {
    await lab.target.open();
    const csrPem = await lab.target.generateCsr('gp-lost', spec('lost.example.com'));
    const leafPem = await sign(csrPem);
    // The emulator reads the request, then drops the connection without an answer (and without acting).
    lab.emu.setKnobs({ failNext: { 'import.certificate': { reset: true } } });
    await lab.target.install('gp-lost', { leafPem, chainPem: [issuing.certPem] });
    // Chain CA + leaf, one of them twice.
    assert.equal(lab.counters()['import.certificate'], 3);
    const entry = lab.state().certificates.find((c) => c.name === 'gp-lost')!;
    assert.equal(entry.fingerprint, certFingerprintSha256(leafPem));
    assert.equal(entry.hasPrivateKey, true);

    // A second generate under a name would be refused or replace a key: it is sent once, and the
    // error says why it was not sent again.
    lab.emu.setKnobs({ failNext: { 'op.request.certificate.generate': { reset: true } } });
    await assert.rejects(lab.target.generateCsr('gp-lost-2', spec('lost2.example.com')), (e: Error) => {
      assert.match(e.message, /POST .*\/api\/ failed: .*not sent again, because this request is not safe to repeat/);
      return true;
    });
    assert.equal(lab.counters()['op.request.certificate.generate'], 2, 'gp-lost once, gp-lost-2 once');
  } finally {
    await lab.close();
  }
});

test("another admin's pending change stays pending after fwcert's commit", async () => {
  const lab = await startLab();
  const otherSession = new PanosSession({
    name: 'other',
    url: lab.emu.url,
    tls: { caPem: lab.emu.certPem },
    timeoutMs: 10_000,
    credentials: OTHER,
    log: silentLogger(),
  });
  try {
    await lab.target.open();
    // The other admin edits the portal profile's certificate and an address object, and does not commit.
    const addr = entryXpath("/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/address", 'half-done');
    await otherSession.configSet(addr, textEl('ip-netmask', '198.51.100.7'));

    const csrPem = await lab.target.generateCsr('gp-b', spec('vpn.example.com'));
    await lab.target.install('gp-b', { leafPem: await sign(csrPem), chainPem: [issuing.certPem] });
    await lab.target.bind('gp-b', [{ kind: 'ssl_tls_service_profile', name: 'gp-portal-profile' }]);
    const r = await lab.target.commit('scoped');
    assert.equal(r.committed, true);

    const st = lab.state();
    assert.ok((st.pendingChanges.other ?? []).some((x) => x.includes('half-done')), JSON.stringify(st.pendingChanges));
    assert.deepEqual(st.pendingChanges.fwcert ?? [], [], 'all of fwcert\'s own changes were committed');
    assert.ok(!st.runningXml.includes('half-done'), "the other admin's object must not be running");
    assert.ok(st.runningXml.includes('gp-b'));
  } finally {
    await otherSession.close();
    await lab.close();
  }
});

test('a failing commit job is a DeviceError carrying the job detail lines', async () => {
  const lab = await startLab();
  try {
    await lab.target.open();
    const csrPem = await lab.target.generateCsr('gp-c', spec('vpn.example.com'));
    await lab.target.install('gp-c', { leafPem: await sign(csrPem), chainPem: [issuing.certPem] });
    await lab.target.bind('gp-c', [{ kind: 'ssl_tls_service_profile', name: 'gp-portal-profile' }]);
    lab.emu.setKnobs({ failNextCommit: ['Validation Error:', 'ssl-tls-service-profile -> gp-portal-profile is broken'] });
    const e = await rejection(lab.target.commit('will fail'));
    assert.match(e.message, /commit job \d+ failed \(result FAIL\): Validation Error:/);
    assert.deepEqual(e.detail, ['Validation Error:', 'ssl-tls-service-profile -> gp-portal-profile is broken']);
    // Running is unchanged; a later commit goes through.
    assert.equal(lab.state().serviceProfiles.running['gp-portal-profile'], 'gp-portal-default');
    assert.equal((await lab.target.commit('retry')).committed, true);
    assert.equal(lab.state().serviceProfiles.running['gp-portal-profile'], 'gp-c');
  } finally {
    await lab.close();
  }
});

test('a busy device (another commit in progress) is retried, then the commit goes through', async () => {
  const lab = await startLab();
  try {
    await lab.target.open();
    await lab.target.generateCsr('gp-d', spec('vpn.example.com'));
    lab.emu.setKnobs({ failNext: { commit: { code: 13, message: 'Another commit/validate is in progress. Please try again later', count: 2 } } });
    const r = await lab.target.commit('busy');
    assert.equal(r.committed, true);
    assert.equal(lab.counters().commit, 3);
    // Not a busy refusal: no retry.
    lab.emu.setKnobs({ failNext: { commit: { code: 17, message: 'commit -> something is invalid' } } });
    await lab.target.generateCsr('gp-e', spec('vpn.example.com'));
    const e = await rejection(lab.target.commit('invalid'));
    assert.match(e.message, /code 17/);
    assert.equal(lab.counters().commit, 4);
  } finally {
    await lab.close();
  }
});

test('a rejected key is regenerated once and the call retried; an api_key that fails is reported', async () => {
  const lab = await startLab();
  try {
    await lab.target.open();
    assert.equal(lab.counters().keygen, 1);
    lab.emu.setKnobs({ keyExpired: true });
    const inv = await lab.target.inventory();
    assert.ok(inv.some((c) => c.name === 'gp-portal-default'));
    assert.equal(lab.counters().keygen, 2, 'exactly one new key');
    // Two refusals in a row for one request: reported, not looped.
    lab.emu.setKnobs({ failNext: { 'config.delete': { code: 403, count: 2 } } });
    const e = await rejection(lab.target.remove('gp-portal-default'));
    assert.match(e.message, /refused \(HTTP 403 Forbidden\)/);
    assert.equal(lab.counters().keygen, 3);
  } finally {
    await lab.close();
  }
  const keyed = await startLab({ credentials: { api_key: 'LUFRPT1bm90LWEta2V5' }, options: { commit: { admin: 'fwcert' } } });
  try {
    const e = await rejection(keyed.target.open());
    assert.match(e.message, /API key was rejected|refused \(HTTP 403/);
    assert.equal(keyed.counters().keygen ?? 0, 0);
  } finally {
    await keyed.close();
  }
});

test('the HA passive unit is refused at open()', async () => {
  const lab = await startLab({ haState: 'passive' });
  try {
    const e = await rejection(lab.target.open());
    assert.match(e.message, /is the HA passive unit; point fwcert at the active unit/);
  } finally {
    await lab.close();
  }
  const active = await startLab({ haState: 'active' });
  try {
    assert.equal((await active.target.open()).haRole, 'active');
  } finally {
    await active.close();
  }
});

test('injection strings reach the device only as values; as names they are refused before any call', async () => {
  const lab = await startLab();
  try {
    await lab.target.open();
    const csrPem = await lab.target.generateCsr('inj-1', spec('inj.example.com', { subject: { cn: 'inj.example.com', o: EVIL, ou: EVIL, l: EVIL } }));
    const csr = parseCsr(csrPem);
    assert.equal(csr.subject.o, EVIL);
    assert.equal(csr.subject.ou, EVIL);
    assert.equal(csr.subject.l, EVIL);
    // The commit description is a value too.
    await lab.target.install('inj-1', { leafPem: await sign(csrPem), chainPem: [] });
    assert.equal((await lab.target.commit(EVIL)).committed, true);
    assert.ok(!lab.state().candidateXml.includes('<y>'), 'no element was created from the value');

    const before = JSON.stringify(lab.counters());
    for (const call of [
      () => lab.target.generateCsr(EVIL, spec('x.example.com')),
      () => lab.target.install(EVIL, { leafPem: root.certPem, chainPem: [] }),
      () => lab.target.bind('inj-1', [{ kind: 'ssl_tls_service_profile', name: EVIL }]),
      () => lab.target.bind('inj-1', [{ kind: 'decryption_rule', name: EVIL }]),
      () => lab.target.remove(EVIL),
      () => lab.target.generateCsr('x'.repeat(64), spec('x.example.com')),
    ]) {
      const e = await rejection(call());
      assert.match(e.message, /is invalid/);
    }
    assert.equal(JSON.stringify(lab.counters()), before, 'no request was sent for a bad name');
  } finally {
    await lab.close();
  }
});

test('chain CA certificates are imported once and reused by fingerprint', async () => {
  const lab = await startLab();
  try {
    await lab.target.open();
    const a = await lab.target.generateCsr('chain-a', spec('a.example.com'));
    await lab.target.install('chain-a', { leafPem: await sign(a), chainPem: [issuing.certPem] });
    const afterFirst = lab.counters()['import.certificate'];
    const b = await lab.target.generateCsr('chain-b', spec('b.example.com'));
    await lab.target.install('chain-b', { leafPem: await sign(b), chainPem: [issuing.certPem] });
    // Only the leaf was imported the second time.
    assert.equal(lab.counters()['import.certificate'], afterFirst + 1);
    const cas = lab.state().certificates.filter((c) => c.fingerprint === certFingerprintSha256(issuing.certPem));
    assert.deepEqual(cas.map((c) => c.name), ['Test-Issuing-CA-1']);

    // A different CA with the same CN gets its own, distinct name.
    const twin = await createCa({ subject: { cn: 'Test Issuing CA 1' }, key: { type: 'ecdsa', curve: 'P-256' }, days: 365, issuer: root });
    const c = await lab.target.generateCsr('chain-c', spec('c.example.com'));
    const leafC = await issueCertificate({ csrPem: c, issuerCertPem: twin.certPem, issuerKeyPem: twin.keyPem, days: 30 });
    await lab.target.install('chain-c', { leafPem: leafC, chainPem: [twin.certPem] });
    const twinEntry = lab.state().certificates.find((x) => x.fingerprint === certFingerprintSha256(twin.certPem))!;
    assert.match(twinEntry.name, /^Test-Issuing-CA-1-[0-9a-f]{8}$/);
  } finally {
    await lab.close();
  }
});

test('decryption rule, new profile, trusted root and forward trust bindings', async () => {
  const lab = await startLab();
  try {
    await lab.target.open();
    const one = await lab.target.generateCsr('web-1', spec('www.example.com'));
    await lab.target.install('web-1', { leafPem: await sign(one), chainPem: [issuing.certPem, root.certPem] });
    const r1 = await lab.target.bind('web-1', [
      { kind: 'decryption_rule', name: 'inbound-web-inspection' },
      { kind: 'ssl_tls_service_profile', name: 'new-profile' },
    ]);
    // The rule's existing certificate is for another server: it stays, web-1 joins.
    assert.deepEqual(r1.map((x) => x.previous), [undefined, undefined]);
    const two = await lab.target.generateCsr('web-2', spec('www.example.com'));
    await lab.target.install('web-2', { leafPem: await sign(two), chainPem: [issuing.certPem] });
    const r2 = await lab.target.bind('web-2', [{ kind: 'decryption_rule', name: 'inbound-web-inspection' }]);
    // web-2 is the next version of web-1: it replaces it.
    assert.deepEqual(r2, [{ binding: { kind: 'decryption_rule', name: 'inbound-web-inspection' }, previous: 'web-1' }]);
    const inv = await lab.target.inventory();
    assert.deepEqual(inv.find((c) => c.name === 'web-2')!.bindings, [{ kind: 'decryption_rule', name: 'inbound-web-inspection' }]);
    assert.deepEqual(inv.find((c) => c.name === 'inbound-web-default')!.bindings, [{ kind: 'decryption_rule', name: 'inbound-web-inspection' }]);
    assert.deepEqual(inv.find((c) => c.name === 'web-1')!.bindings, [{ kind: 'ssl_tls_service_profile', name: 'new-profile' }]);
    assert.match(lab.state().candidateXml, /<entry name="new-profile"[^>]*>.*<min-version[^>]*>tls1-2</s);

    // Trusted root CA: the chain's root object joins the list.
    await lab.target.bind('Test-Root-CA', [{ kind: 'trusted_root_ca' }]);
    assert.deepEqual((await lab.target.inventory()).find((c) => c.name === 'Test-Root-CA')!.bindings, [{ kind: 'trusted_root_ca' }]);

    // Forward trust needs a CA with its key: a leaf is refused, a CA key pair is accepted.
    const notCa = await rejection(lab.target.bind('web-2', [{ kind: 'forward_trust' }]));
    assert.match(notCa.message, /forward trust needs a CA certificate/);
    const fwd = await createCa({ subject: { cn: 'Forward Trust CA' }, key: { type: 'ecdsa', curve: 'P-256' }, days: 365, issuer: root });
    await lab.target.install('fwd-trust', { leafPem: fwd.certPem, chainPem: [root.certPem], keyPem: fwd.keyPem });
    const f = await lab.target.bind('fwd-trust', [{ kind: 'forward_trust' }]);
    assert.deepEqual(f, [{ binding: { kind: 'forward_trust' }, previous: undefined }]);
    assert.deepEqual((await lab.target.inventory()).find((c) => c.name === 'fwd-trust')!.bindings, [{ kind: 'forward_trust' }]);

    assert.equal((await lab.target.commit('bindings')).committed, true);
    // A certificate still in use cannot be removed; the device's reason is passed on.
    const inUse = await rejection(lab.target.remove('web-2'));
    assert.match(inUse.message, /still in use/);
  } finally {
    await lab.close();
  }
});

test('vsys location: certificates and profiles under vsys1, imports carry vsys=vsys1', async () => {
  const lab = await startLab({ options: { vsys: 'vsys1' } });
  try {
    await lab.target.open();
    const csrPem = await lab.target.generateCsr('vsys-cert', spec('v.example.com'));
    const leafPem = await sign(csrPem);
    await lab.target.install('vsys-cert', { leafPem, chainPem: [issuing.certPem] });
    const inv = await lab.target.inventory();
    assert.deepEqual(inv.map((c) => c.name).sort(), ['Test-Issuing-CA-1', 'vsys-cert']);
    assert.match(lab.state().candidateXml, /<vsys><entry name="vsys1"[^>]*>.*<certificate[^>]*><entry name="vsys-cert"/s);
    assert.equal(parseCertificate(inv.find((c) => c.name === 'vsys-cert')!.certPem!).fingerprintSha256, certFingerprintSha256(leafPem));
  } finally {
    await lab.close();
  }
});

test('older decryption rule schema: the single certificate name is replaced', async () => {
  const lab = await startLab({ inboundInspectionSchema: 'legacy' });
  try {
    await lab.target.open();
    const csrPem = await lab.target.generateCsr('web-legacy', spec('www.example.com'));
    await lab.target.install('web-legacy', { leafPem: await sign(csrPem), chainPem: [issuing.certPem] });
    const r = await lab.target.bind('web-legacy', [{ kind: 'decryption_rule', name: 'inbound-web-inspection' }]);
    assert.deepEqual(r, [{ binding: { kind: 'decryption_rule', name: 'inbound-web-inspection' }, previous: 'inbound-web-default' }]);
    assert.match(lab.state().candidateXml, /<ssl-inbound-inspection[^>]*>web-legacy<\/ssl-inbound-inspection>/);
    assert.deepEqual((await lab.target.inventory()).find((c) => c.name === 'inbound-web-default')!.bindings, []);
    const missing = await rejection(lab.target.bind('web-legacy', [{ kind: 'decryption_rule', name: 'no-such-rule' }]));
    assert.match(missing.message, /does not exist in vsys1/);
    const forward = await rejection(lab.target.bind('web-legacy', [{ kind: 'decryption_rule', name: 'outbound-forward-proxy' }]));
    assert.match(forward.message, /not an SSL inbound inspection rule/);
  } finally {
    await lab.close();
  }
});

test('generating a CSR again under the same name replaces the unfinished one; an in-use name is refused', async () => {
  const lab = await startLab();
  try {
    await lab.target.open();
    const first = await lab.target.generateCsr('again', spec('again.example.com'));
    const second = await lab.target.generateCsr('again', spec('again.example.com'));
    assert.notEqual(parseCsr(first).publicKeySha256, parseCsr(second).publicKeySha256);
    // A certificate for the first (discarded) key no longer fits.
    const e = await rejection(lab.target.install('again', { leafPem: await sign(first), chainPem: [] }));
    assert.match(e.message, /not issued for the key the device generated/);
    await lab.target.install('again', { leafPem: await sign(second), chainPem: [] });
    const inUse = await rejection(lab.target.generateCsr('again', spec('again.example.com')));
    assert.match(inUse.message, /already exists; a new key needs a new object name/);
  } finally {
    await lab.close();
  }
});

test('keys generated back to back: their CSRs come from one read of the store; when that read fails, each CSR is exported', async () => {
  const lab = await startLab();
  try {
    await lab.target.open();
    await lab.target.inventory();
    const c0 = { ...lab.counters() };
    const delta = (k: string) => (lab.counters()[k] ?? 0) - (c0[k] ?? 0);
    // As the engine does: one generation after another, the CSRs asked for afterwards.
    const names = ['batch-a', 'batch-b', 'batch-c'];
    const made = [];
    for (const n of names) made.push(await lab.target.generateKey(n, spec(`${n}.example.com`)));
    const csrs = await Promise.all(made.map((m) => m.csr()));
    assert.equal(delta('op.request.certificate.generate'), 3);
    assert.equal(delta('config.get'), 1, 'one read of the store for the three CSRs');
    assert.equal(delta('export.certificate'), 0, 'no CSR export');
    assert.deepEqual(csrs.map((c) => parseCsr(c).subject.cn), names.map((n) => `${n}.example.com`));
    assert.equal(new Set(csrs.map((c) => parseCsr(c).publicKeySha256)).size, 3, 'three keys');
    // Each CSR is the one of the key the device holds under its name: its certificate is accepted there.
    for (const [i, n] of names.entries()) await lab.target.install(n, { leafPem: await sign(csrs[i]!), chainPem: [issuing.certPem] });

    // The store cannot be read: the CSR is exported by itself, nothing fails.
    lab.emu.setKnobs({ failNext: { 'config.get': { code: 13, message: 'Internal error' } } });
    const c1 = { ...lab.counters() };
    const csr = await lab.target.generateCsr('batch-d', spec('batch-d.example.com'));
    assert.equal((lab.counters()['export.certificate'] ?? 0) - (c1['export.certificate'] ?? 0), 1);
    await lab.target.install('batch-d', { leafPem: await sign(csr), chainPem: [issuing.certPem] });
    assert.equal((await lab.target.commit('batch')).committed, true);
    assert.ok(['batch-a', 'batch-b', 'batch-c', 'batch-d'].every((n) => lab.state().certificates.find((c) => c.name === n)?.hasPrivateKey));
  } finally {
    await lab.close();
  }
});
