// Known-key SSL decryption on FDM: a run's SSL policy changes (new certificates added by bind(), replaced
// ones dropped by removeMany()) are written with ONE PUT per policy, before the first DELETE (the FDM
// emulator, like FDM, refuses with 422 to delete a certificate a policy still lists), before the
// pending-changes check and the deploy; reads in between see them; a failed write deletes nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { errorMessage } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import { fdmOptionsSchema, fdmTargetType } from '../../src/devices/fdm/index.js';
import type { Target } from '../../src/devices/target.js';
import { createCsr, generateKeyPair, issueCertificate } from '../../src/pki/index.js';
import { createLabCa, type LabCa } from '../../src/lab/ca.js';
import { startFdmEmulator, type EmulatorHandle } from '../../src/lab/fdm/index.js';

const USER = { username: 'admin', password: 'Lab-Adm1n-Passw0rd' };
let ca: LabCa;
before(async () => {
  ca = await createLabCa({ key: { type: 'ecdsa', curve: 'P-256' } });
});

interface LabState {
  counters: Record<string, number>;
  requestsByPath: Record<string, number>;
  objects: Record<string, { name: string }[]>;
  bindings: { candidate: { ssl_decryption: { internalCertificates: string[] } }; deployed: { ssl_decryption: { internalCertificates: string[] } } };
}

const open: { emu: EmulatorHandle; target: Target }[] = [];
after(async () => {
  for (const l of open) {
    await l.target.close().catch(() => {});
    await l.emu.close();
  }
});

async function startLab() {
  const emu = await startFdmEmulator({ name: 'ftd-ssl', users: [USER], knobs: { deployDurationMs: 40, webRestartMs: 150 } });
  const target = fdmTargetType.create(
    { name: 'ftd-ssl', log: silentLogger() },
    { url: emu.url, options: fdmOptionsSchema.parse({ poll_interval_s: 0.02, deploy_timeout_s: 30 }), credentials: USER, tls: { caPem: emu.certPem }, timeoutMs: 5000 },
  );
  open.push({ emu, target });
  await target.open();
  const state = () => emu.state() as LabState;
  /** Requests so far whose "METHOD path" starts with `prefix`. */
  const requests = (prefix: string) => Object.entries(state().requestsByPath).filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);
  const listed = () => state().bindings.candidate.ssl_decryption.internalCertificates;
  const install = async (name: string) => {
    const key = { type: 'ecdsa', curve: 'P-256' } as const;
    const kp = await generateKeyPair(key);
    const csrPem = await createCsr({ subject: { cn: `${name}.example.com` }, sans: [`${name}.example.com`], key }, kp.privateKeyPem);
    const leafPem = await issueCertificate({ csrPem, issuerCertPem: ca.intermediate.certPem, issuerKeyPem: ca.intermediate.keyPem, days: 90 });
    await target.install(name, { leafPem, chainPem: [ca.intermediate.certPem, ca.root.certPem], keyPem: kp.privateKeyPem });
  };
  /** `names` installed, listed by the SSL policy and deployed: the state before a renewal. */
  const deployed = async (names: string[]) => {
    for (const n of names) {
      await install(n);
      await target.bind(n, [{ kind: 'ssl_decryption' }]);
    }
    await target.commit('first');
  };
  return { emu, target, state, requests, listed, install, deployed };
}

test('a renewal of 3 known-key certificates: one SSL policy PUT for the 3 adds and 3 drops, written before the DELETEs', async () => {
  const lab = await startLab();
  await lab.deployed(['old-1', 'old-2', 'old-3']);
  assert.deepEqual(lab.listed(), ['old-1', 'old-2', 'old-3']);
  const puts0 = lab.requests('PUT /policy/sslpolicies');

  for (const n of ['new-1', 'new-2', 'new-3']) {
    await lab.install(n);
    await lab.target.bind(n, [{ kind: 'ssl_decryption' }]);
  }
  assert.equal(lab.requests('PUT /policy/sslpolicies'), puts0, 'bind() stages the change: no PUT yet');
  // A read after the deferred binds sees them.
  const inv = await lab.target.inventory();
  assert.deepEqual(inv.filter((c) => c.bindings.some((b) => b.kind === 'ssl_decryption')).map((c) => c.name).sort(), ['new-1', 'new-2', 'new-3', 'old-1', 'old-2', 'old-3']);
  assert.deepEqual(await lab.target.checkBindings!([{ kind: 'ssl_decryption' }]), []);

  const deletes0 = lab.requests('DELETE /object/internalcertificates');
  const out = await lab.target.removeMany!(['old-1', 'old-2', 'old-3']);
  // Had a DELETE gone out before the PUT that drops its certificate, FDM (and the emulator) would have refused it.
  assert.deepEqual(out.map((o) => `${o.name}:${o.result}${o.result === 'failed' ? ` ${errorMessage(o.error)}` : ''}`), ['old-1:removed', 'old-2:removed', 'old-3:removed']);
  assert.equal(lab.requests('PUT /policy/sslpolicies') - puts0, 1, 'one PUT of the SSL policy for the whole run');
  assert.equal(lab.requests('DELETE /object/internalcertificates') - deletes0, 3);
  assert.deepEqual(lab.listed(), ['new-1', 'new-2', 'new-3']);

  const r = await lab.target.commit('renewal');
  assert.equal(r.committed, true);
  assert.equal(lab.requests('PUT /policy/sslpolicies') - puts0, 1, 'nothing left to write at the commit');
  assert.deepEqual(lab.state().bindings.deployed.ssl_decryption.internalCertificates, ['new-1', 'new-2', 'new-3']);
});

test('the SSL policy PUT fails: no certificate is deleted, each reports the error; the commit writes the changes first', async () => {
  const lab = await startLab();
  await lab.deployed(['old-1', 'old-2']);
  await lab.install('new-1');
  await lab.target.bind('new-1', [{ kind: 'ssl_decryption' }]);
  lab.emu.setKnobs({ failNext: { 'PUT /policy/sslpolicies': { status: 400, count: 1 } } });
  const deletes0 = lab.requests('DELETE /object/internalcertificates');
  const out = await lab.target.removeMany!(['old-1', 'old-2']);
  assert.deepEqual(out.map((o) => o.result), ['failed', 'failed']);
  assert.equal(lab.requests('DELETE /object/internalcertificates'), deletes0, 'no DELETE after a failed drop');
  assert.deepEqual(lab.listed(), ['old-1', 'old-2'], 'nothing written yet');

  // The commit writes the staged changes (the add and both drops) before checking and deploying.
  const r = await lab.target.commit('retry');
  assert.equal(r.committed, true);
  assert.deepEqual(lab.state().bindings.deployed.ssl_decryption.internalCertificates, ['new-1']);
});

test('the SSL policy PUT fails at the commit: nothing is deployed (a DeviceError), and close() still writes the bind', async () => {
  const lab = await startLab();
  await lab.deployed(['old-1']);
  await lab.install('new-1');
  await lab.target.bind('new-1', [{ kind: 'ssl_decryption' }]);
  const deploys0 = lab.state().counters.deploy ?? 0;
  lab.emu.setKnobs({ failNext: { 'PUT /policy/sslpolicies': { status: 400, count: 1 } } });
  await assert.rejects(lab.target.commit('will fail'), /not deployed: writing the SSL decryption policy failed/);
  assert.equal(lab.state().counters.deploy ?? 0, deploys0, 'no deploy');
  assert.deepEqual(lab.listed(), ['old-1']);
  await lab.target.close();
  assert.deepEqual(lab.listed(), ['old-1', 'new-1'], 'the bind reached the candidate: the next run deploys it');
});
