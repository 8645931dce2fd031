// The FDM driver end to end against the FDM emulator (src/lab/fdm) over real HTTPS, plus TLS handshakes
// on the emulated data plane to see which certificate a client would get after a deploy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { DeviceError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import { fdmOptionsSchema, fdmTargetType, type FdmDeviceCert } from '../../src/devices/fdm/index.js';
import type { Target } from '../../src/devices/target.js';
import { certFingerprintSha256, createCsr, generateKeyPair, issueCertificate } from '../../src/pki/index.js';
import { createLabCa, type LabCa } from '../../src/lab/ca.js';
import { handshake } from '../../src/lab/handshake.js';
import { startFdmEmulator, type EmulatorHandle, type FdmKnobs } from '../../src/lab/fdm/index.js';

const USER = { username: 'admin', password: 'Lab-Adm1n-Passw0rd' };
let ca: LabCa;

before(async () => {
  ca = await createLabCa({ key: { type: 'ecdsa', curve: 'P-256' } });
});

interface Lab {
  emu: EmulatorHandle;
  target: Target;
  state(): LabState;
}
interface LabState {
  counters: Record<string, number>;
  objects: Record<string, { name: string; fingerprintSha256?: string; isSystemDefined?: boolean }[]>;
  bindings: {
    candidate: LabBindings;
    deployed: LabBindings;
  };
  pendingChanges: number;
  deployJobs: { id: string; state: string }[];
}
interface LabBindings {
  webui: { certificate: string | null; trustChain: string[] };
  ravpn: { serverCertificate: string | null };
  ssl_decryption: { internalCertificates: string[] };
}

const labs: Lab[] = [];
after(async () => {
  for (const l of labs) {
    await l.target.close().catch(() => {});
    await l.emu.close();
  }
});

async function startLab(opts: { knobs?: Partial<FdmKnobs>; haMode?: 'standalone' | 'active' | 'standby'; password?: string } = {}): Promise<Lab> {
  const emu = await startFdmEmulator({
    name: 'ftd-lab',
    users: [USER],
    haMode: opts.haMode,
    knobs: { deployDurationMs: 40, webRestartMs: 150, ...opts.knobs },
  });
  const target = fdmTargetType.create(
    { name: 'ftd-lab', log: silentLogger() },
    {
      url: emu.url,
      options: fdmOptionsSchema.parse({ poll_interval_s: 0.02, deploy_timeout_s: 30 }),
      credentials: { username: USER.username, password: opts.password ?? USER.password },
      tls: { caPem: emu.certPem },
      timeoutMs: 5000,
    },
  );
  const lab: Lab = { emu, target, state: () => emu.state() as LabState };
  labs.push(lab);
  return lab;
}

interface Issued {
  leafPem: string;
  chainPem: string[];
  keyPem: string;
}

async function issue(cn: string, key: Parameters<typeof generateKeyPair>[0] = { type: 'ecdsa', curve: 'P-256' }): Promise<Issued> {
  const kp = await generateKeyPair(key);
  const csrPem = await createCsr({ subject: { cn }, sans: [cn], key }, kp.privateKeyPem);
  const leafPem = await issueCertificate({ csrPem, issuerCertPem: ca.intermediate.certPem, issuerKeyPem: ca.intermediate.keyPem, days: 90 });
  return { leafPem, chainPem: [ca.intermediate.certPem, ca.root.certPem], keyPem: kp.privateKeyPem };
}

const fp = (pem: string) => certFingerprintSha256(pem).toUpperCase();

/** A second API client acting as an administrator in the FDM GUI would (creates objects behind our back). */
async function adminPost(emu: EmulatorHandle, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const dispatcher = new Agent({ connect: { ca: emu.certPem } });
  try {
    const tok = await request(`${emu.url}/api/fdm/latest/fdm/token`, {
      method: 'POST', dispatcher, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', ...USER }),
    });
    const { access_token } = (await tok.body.json()) as { access_token: string };
    const res = await request(`${emu.url}/api/fdm/latest/${path}`, {
      method: 'POST', dispatcher,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${access_token}` },
      body: JSON.stringify(body),
    });
    return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
  } finally {
    await dispatcher.close();
  }
}

test('install + bind ravpn + deploy: the RA VPN port serves the new certificate only after the deploy', async () => {
  const { emu, target, state } = await startLab();
  const opened = await target.open();
  assert.equal(opened.haRole, 'standalone');
  assert.equal(opened.version, '7.0.1-84');

  const cert = await issue('vpn.example.com');
  await target.install('vpn-portal', cert);
  const bound = await target.bind('vpn-portal', [{ kind: 'ravpn' }]);
  assert.deepEqual(bound, [{ binding: { kind: 'ravpn' }, previous: 'DefaultInternalCertificate' }]);

  const before = await handshake(emu.services.ravpn!, { servername: 'vpn.example.com', caPem: ca.bundlePem });
  assert.notEqual(before.fingerprint256, fp(cert.leafPem), 'candidate config must not be live before the deploy');

  const result = await target.commit('fwcert: vpn-portal');
  assert.equal(result.committed, true);
  assert.ok(result.jobId);

  const served = await handshake(emu.services.ravpn!, { servername: 'vpn.example.com', caPem: ca.bundlePem });
  assert.equal(served.fingerprint256, fp(cert.leafPem));
  assert.equal(served.trusted, true, `chain must verify: ${served.verifyError ?? ''}`);

  const inv = (await target.inventory()) as FdmDeviceCert[];
  const mine = inv.find((c) => c.name === 'vpn-portal');
  assert.ok(mine);
  assert.equal(mine.hasKey, true);
  assert.equal(mine.systemDefined, false);
  assert.deepEqual(mine.bindings, [{ kind: 'ravpn' }]);
  assert.equal(fp(mine.certPem!), fp(cert.leafPem));
  const dflt = inv.find((c) => c.name === 'DefaultInternalCertificate');
  assert.equal(dflt?.systemDefined, true);
  assert.deepEqual(dflt?.bindings, [{ kind: 'webui' }]);

  assert.deepEqual(await target.commit('nothing left'), { committed: false });
  assert.equal(state().counters.deploy, 1, 'no deploy without pending changes');
});

test('chain CA objects are created once and then reused by certificate fingerprint, whatever their name', async () => {
  const { emu, target, state } = await startLab();
  await target.open();
  // An administrator already uploaded our root under a name of their own.
  const pre = await adminPost(emu, 'object/externalcacertificates', { name: 'Corp-Root', type: 'externalcacertificate', cert: ca.root.certPem });
  assert.equal(pre.status, 200);

  await target.install('site-a', await issue('a.example.com'));
  await target.install('site-b', await issue('b.example.com'));

  const cas = state().objects.externalcacertificates!.filter((o) => !o.isSystemDefined);
  assert.equal(cas.length, 2, `one object per CA certificate, got ${cas.map((o) => o.name).join(', ')}`);
  assert.ok(cas.some((o) => o.name === 'Corp-Root'));
  const created = cas.find((o) => o.name !== 'Corp-Root')!;
  assert.match(created.name, /^fwcert-Lab-Issuing-CA-[0-9a-f]{8}$/);
  assert.equal(state().counters.externalcacertificates_post, 2, 'the administrator\'s upload and our intermediate, nothing more');
});

test('webui binding: trust chain set, deploy survives the web server restart, web UI port serves the new certificate', async () => {
  for (const webRestartMode of ['503', 'reset'] as const) {
    const { emu, target, state } = await startLab({ knobs: { webRestartMode, webRestartMs: 300 } });
    await target.open();
    const cert = await issue('fw.example.com');
    await target.install('mgmt-web', cert);
    const bound = await target.bind('mgmt-web', [{ kind: 'webui' }]);
    assert.deepEqual(bound, [{ binding: { kind: 'webui' }, previous: 'DefaultInternalCertificate' }]);
    assert.equal(state().bindings.candidate.webui.certificate, 'mgmt-web');
    assert.equal(state().bindings.candidate.webui.trustChain.length, 2);

    const result = await target.commit('web cert');
    assert.equal(result.committed, true, webRestartMode);
    const s = state();
    assert.equal(s.counters.web_restart, 1);
    assert.equal(s.counters.deploy, 1, `${webRestartMode}: exactly one deploy POST`);
    assert.ok((s.counters.refused_restarting ?? 0) > 0, `${webRestartMode}: the restart was actually hit`);
    const served = await handshake(emu.services.webui!, { servername: 'fw.example.com', caPem: ca.bundlePem });
    assert.equal(served.fingerprint256, fp(cert.leafPem));
    // The session logged in again after the restart dropped every token.
    assert.ok((await target.inventory()).some((c) => c.name === 'mgmt-web'));
  }
});

test('an access token that expires mid-run is refreshed (or replaced by a new login) and the call retried', async () => {
  const { emu, target, state } = await startLab();
  await target.open();
  emu.setKnobs({ expireTokensNow: true });
  assert.ok((await target.inventory()).length >= 1);
  assert.equal(state().counters.token_refresh_token, 1);

  // FDM answers 408 on some builds; and a refused refresh ("obsolete", 400) falls back to the password.
  emu.setKnobs({ expiredTokenStatus: 408, expireTokensNow: true, failNext: { 'POST /fdm/token': { status: 400, count: 1 } } });
  const logins = state().counters.token_password ?? 0;
  await target.install('after-expiry', await issue('x.example.com'));
  assert.equal(state().counters.token_password, logins + 1);
  assert.ok(state().objects.internalcertificates!.some((o) => o.name === 'after-expiry'));
});

test('a short-lived token is refreshed before it expires instead of waiting for a 401', async () => {
  const { target, state } = await startLab({ knobs: { tokenTtlS: 1, refreshTtlS: 60 } });
  await target.open();
  await new Promise((r) => setTimeout(r, 900));
  await target.inventory();
  assert.equal(state().counters.unauthorized ?? 0, 0);
  assert.ok((state().counters.token_refresh_token ?? 0) >= 1);
});

test('a failed deploy is a DeviceError carrying the job messages; a timed-out one is retryable', async () => {
  const { emu, target } = await startLab({ knobs: { failNextDeploy: true } });
  await target.open();
  await target.install('vpn-a', await issue('vpn.example.com'));
  await target.bind('vpn-a', [{ kind: 'ravpn' }]);
  await assert.rejects(target.commit('will fail'), (e: unknown) => {
    assert.ok(e instanceof DeviceError);
    assert.match(e.message, /DEPLOY_FAILED/);
    assert.ok(e.detail.length > 0, 'the job lines are kept');
    // GET /operational/deploymenterrors/{id}: what the device refused, in the message and the detail.
    assert.match(e.message, /device says: ERROR: Failed to apply the certificate configuration/);
    assert.ok(e.detail.some((l) => /refused CLI: crypto ca trustpoint fwcert-lab/.test(l)), e.detail.join('|'));
    assert.equal(e.retryable, false);
    return true;
  });
  emu.setKnobs({ deployTimeout: true });
  await assert.rejects(target.commit('will time out'), (e: unknown) => e instanceof DeviceError && /DEPLOY_TIMEOUT/.test(e.message) && e.retryable);
  const ok = await target.commit('third time');
  assert.equal(ok.committed, true);
});

test('an HA standby unit is refused at open(), and writes that reach it fail with the same advice', async () => {
  const { target, state } = await startLab({ haMode: 'standby' });
  await assert.rejects(target.open(), /ftd-lab is the HA standby unit; point fwcert at the active unit/);
  await assert.rejects(target.install('x', await issue('x.example.com')), /HA standby unit; point fwcert at the active unit/);
  assert.equal(state().objects.internalcertificates!.some((o) => o.name === 'x'), false);

  const active = await startLab({ haMode: 'active' });
  assert.equal((await active.target.open()).haRole, 'active');
});

test('HA pair: after a deploy the config sync is checked; a standby that did not take the change is a warning in the result', async () => {
  const { emu, target, state } = await startLab({ haMode: 'active', knobs: { haSyncMs: 60 } });
  assert.equal((await target.open()).haRole, 'active');
  await target.install('ha-a', await issue('ha.example.com'));
  await target.bind('ha-a', [{ kind: 'ravpn' }]);
  const synced = await target.commit('in sync');
  assert.equal(synced.committed, true);
  assert.deepEqual(synced.warnings ?? [], []);
  assert.ok((state().counters.ha_status ?? 0) >= 2, 'HA status read again after the deploy');

  emu.setKnobs({ haSyncOutcome: 'OUT_OF_SYNC' });
  await target.install('ha-b', await issue('ha.example.com'));
  await target.bind('ha-b', [{ kind: 'ravpn' }]);
  const out = await target.commit('standby behind');
  assert.equal(out.committed, true);
  assert.equal(out.warnings?.length, 1);
  assert.match(out.warnings![0]!, /standby unit has not taken the change: HA configuration status OUT_OF_SYNC, HA health UNHEALTHY/);
});

test('renewal: rebind to a new object, deploy, then remove the old one (also out of the SSL policy)', async () => {
  const { emu, target, state } = await startLab();
  await target.open();
  await target.install('portal', await issue('vpn.example.com'));
  await target.bind('portal', [{ kind: 'ravpn' }, { kind: 'ssl_decryption' }]);
  await target.commit('first');

  const renewed = await issue('vpn.example.com');
  await target.install('portal-20250101-1200', renewed);
  const bound = await target.bind('portal-20250101-1200', [{ kind: 'ravpn' }, { kind: 'ssl_decryption' }]);
  assert.deepEqual(bound, [
    { binding: { kind: 'ravpn' }, previous: 'portal' },
    { binding: { kind: 'ssl_decryption' } },
  ]);
  // The SSL policy change is staged (one PUT per policy per run): reads see it, the commit writes it first.
  assert.deepEqual(state().bindings.candidate.ssl_decryption.internalCertificates, ['portal']);
  const seen = (await target.inventory()).find((c) => c.name === 'portal-20250101-1200')!;
  assert.deepEqual(seen.bindings, [{ kind: 'ssl_decryption' }, { kind: 'ravpn' }]);
  await target.commit('renewal');
  assert.deepEqual(state().bindings.candidate.ssl_decryption.internalCertificates, ['portal', 'portal-20250101-1200']);
  assert.deepEqual(state().bindings.deployed.ssl_decryption.internalCertificates, ['portal', 'portal-20250101-1200']);
  assert.equal((await handshake(emu.services.ravpn!, { servername: 'vpn.example.com', caPem: ca.bundlePem })).fingerprint256, fp(renewed.leafPem));

  await target.remove('portal');
  assert.deepEqual(state().bindings.candidate.ssl_decryption.internalCertificates, ['portal-20250101-1200']);
  assert.equal(state().objects.internalcertificates!.some((o) => o.name === 'portal'), false);
  await target.commit('cleanup');

  await assert.rejects(target.remove('portal-20250101-1200'), /still the RA VPN server certificate; bind another certificate first/);
  await target.remove('portal'); // already gone: nothing to do
  await target.remove('DefaultInternalCertificate'); // system-defined: left alone
  assert.ok(state().objects.internalcertificates!.some((o) => o.name === 'DefaultInternalCertificate'));
});

test('names are checked before any call; an existing object of that name is never overwritten', async () => {
  const { target, state } = await startLab();
  await target.open();
  const calls = state().counters.calls;
  await assert.rejects(target.install('bad name!', await issue('a.example.com')), (e: unknown) => e instanceof DeviceError && /invalid FDM certificate name "bad name!"/.test(e.message) && /\[a-zA-Z0-9\]/.test(e.message));
  await assert.rejects(target.install('x'.repeat(129), await issue('a.example.com')), /at most 128/);
  assert.equal(state().counters.calls, calls, 'no API call for a bad name');

  const first = await issue('a.example.com');
  await target.install('web', first);
  await target.install('web', first); // a retried run: same certificate, fine
  await assert.rejects(target.install('web', await issue('b.example.com')), /an internal certificate named "web" already exists and holds a different certificate/);
});

test('a key that does not belong to the certificate is refused before anything is written; RSA keys are accepted too', async () => {
  const { target, state } = await startLab();
  await target.open();
  const a = await issue('a.example.com');
  const b = await issue('b.example.com');
  await assert.rejects(target.install('mismatch', { ...a, keyPem: b.keyPem }), /private key does not belong to the certificate/);
  assert.equal(state().counters.internalcertificates_post ?? 0, 0);
  await target.install('rsa-cert', await issue('rsa.example.com', { type: 'rsa', size: 2048 }));
  assert.ok(state().objects.internalcertificates!.some((o) => o.name === 'rsa-cert'));
});

test('lists longer than one page (emulator default 10) are read completely, and names match exactly', async () => {
  const { target } = await startLab();
  await target.open();
  for (let i = 1; i <= 12; i++) await target.install(`cert-${i}`, await issue(`h${i}.example.com`));
  const names = (await target.inventory()).map((c) => c.name);
  assert.equal(names.length, 13);
  for (let i = 1; i <= 12; i++) assert.ok(names.includes(`cert-${i}`));
  // fts~cert-1 also matches cert-10..cert-12: the driver must pick the exact one.
  await target.bind('cert-1', [{ kind: 'ravpn' }]);
  const inv = await target.inventory();
  assert.deepEqual(inv.find((c) => c.name === 'cert-1')?.bindings, [{ kind: 'ravpn' }]);
  assert.deepEqual(inv.find((c) => c.name === 'cert-10')?.bindings, []);
});

test('a deploy request lost on the wire is sent again only because no job is running; 503s while polling are ridden out', async () => {
  const { emu, target, state } = await startLab();
  await target.open();
  await target.install('vpn', await issue('vpn.example.com'));
  await target.bind('vpn', [{ kind: 'ravpn' }]);
  emu.setKnobs({ failNext: { 'POST /operational/deploy': { status: 'reset', count: 1 }, 'GET /operational/deploy/': { status: 503, count: 4 } } });
  const r = await target.commit('lossy network');
  assert.equal(r.committed, true);
  assert.equal(state().counters.deploy, 1, 'the reset POST never reached FDM, so one deploy was started');
  assert.equal(state().deployJobs.length, 1);
  assert.equal(state().pendingChanges, 0);
  assert.ok((state().counters.deploy_list ?? 0) >= 1, 'after the 503s the job was looked up again in the job list');
});

test('FTD 6.3 (API v2, no "latest"): the version is discovered, the spec read, and RA VPN / web UI bindings refused as needing 6.4', async () => {
  const { target, state } = await startLab({ knobs: { apiVersion: 'v2' } });
  const opened = await target.open();
  assert.equal(opened.version, '6.3.0-83');
  assert.equal(state().counters.versions, 1);
  assert.equal(state().counters.apispec, 1, 'the device specification is read once');
  assert.match(target.unsupportedBindings!([{ kind: 'ravpn' }, { kind: 'ssl_decryption' }]) ?? '', /RA VPN binding needs FTD 6\.4 or later \(this FDM's API v2 has no \/ravpns/);
  assert.match(target.unsupportedBindings!([{ kind: 'webui' }]) ?? '', /web UI binding needs FTD 6\.4 or later/);
  assert.equal(target.unsupportedBindings!([{ kind: 'ssl_decryption' }]), undefined);
  await target.install('old-box', await issue('old.example.com'));
  await assert.rejects(target.bind('old-box', [{ kind: 'ravpn' }]), /needs FTD 6\.4 or later/);
  assert.deepEqual(await target.bind('old-box', [{ kind: 'ssl_decryption' }]), [{ binding: { kind: 'ssl_decryption' } }]);
  assert.equal((await target.commit('old box')).committed, true);
  const inv = await target.inventory();
  assert.deepEqual(inv.find((c) => c.name === 'old-box')?.bindings, [{ kind: 'ssl_decryption' }]);
});

test('FTD 6.4 (API v3): the web UI binding is sent without trustChain, which the 6.4 model does not have', async () => {
  const { target, state } = await startLab({ knobs: { apiVersion: 'v3' } });
  await target.open();
  assert.equal(target.unsupportedBindings!([{ kind: 'ravpn' }, { kind: 'webui' }]), undefined);
  assert.equal(state().counters.apispec ?? 0, 0, 'API v3 has both endpoints: the specification is not read at open');
  await target.install('web-64', await issue('fdm.example.com'));
  await target.install('vpn-64', await issue('vpn.example.com'));
  await target.bind('vpn-64', [{ kind: 'ravpn' }]);
  assert.equal(state().counters.apispec ?? 0, 0, 'an RA VPN binding needs no specification');
  assert.deepEqual(await target.bind('web-64', [{ kind: 'webui' }]), [{ binding: { kind: 'webui' }, previous: 'DefaultInternalCertificate' }]);
  assert.equal(state().bindings.candidate.webui.certificate, 'web-64');
  assert.deepEqual(state().bindings.candidate.webui.trustChain, []);
  assert.equal(state().counters.apispec, 1, 'the web UI binding read the specification, once');
  await target.bind('web-64', [{ kind: 'webui' }]);
  assert.equal(state().counters.apispec, 1, 'and not again');
});

test('a later run (new session) rebinding the web UI rebuilds the trust chain from the CA objects on the device', async () => {
  const { emu, state } = await startLab();
  const make = () => fdmTargetType.create(
    { name: 'ftd-lab', log: silentLogger() },
    { url: emu.url, options: fdmOptionsSchema.parse({ poll_interval_s: 0.02 }), credentials: USER, tls: { caPem: emu.certPem }, timeoutMs: 5000 },
  );
  const first = make();
  await first.open();
  await first.install('web-later', await issue('fw.example.com'));
  await first.close();
  const second = make();
  try {
    await second.open();
    await second.bind('web-later', [{ kind: 'webui' }]);
    const chain = state().bindings.candidate.webui.trustChain;
    assert.equal(chain.length, 2);
    assert.match(chain[0]!, /^fwcert-Lab-Issuing-CA-/);
    assert.match(chain[1]!, /^fwcert-Lab-Root-CA-/);
  } finally {
    await second.close();
  }
});

test('wrong password: a clear login error that does not contain the password', async () => {
  const { target } = await startLab({ password: 'Wr0ng-Secret-Value' });
  await assert.rejects(target.open(), (e: unknown) => {
    assert.ok(e instanceof DeviceError);
    assert.equal(e.message, 'FDM login failed for user admin: Failed to authenticate user');
    assert.ok(!e.message.includes('Wr0ng-Secret-Value'));
    return true;
  });
});

test('close() revokes the session once, and FDM accepts it (no 400)', async () => {
  const { target, state } = await startLab();
  await target.open();
  const before400 = state().counters.status_400 ?? 0;
  await target.close();
  assert.equal(state().counters.token_revoke_token, 1);
  assert.equal(state().counters.status_400 ?? 0, before400, 'no revoke answered 400');
  assert.equal((state() as unknown as { sessions: number }).sessions, 0, 'the session is gone');
});
