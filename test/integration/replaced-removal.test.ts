// The objects a renewal run replaced are deleted together (PAN-OS: one multi-config request; FDM: one
// SSL policy PUT for all of the run's changes, then the DELETEs), yet reported one by one: when the
// device refuses one of them, only that one is a warning ("could not remove X ... (retried next run)"),
// the others are removed in the same commit, and the next run removes the one left.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { json, runCli } from '../support/cli.js';

type PanState = { counters: Record<string, number>; runningCertificates: { name: string }[] };
type FdmState = {
  counters: Record<string, number>;
  requestsByPath: Record<string, number>;
  objects: { internalcertificates: { name: string }[] };
  deployedObjects: { internalcertificates: { name: string }[] };
  bindings: { deployed: { ssl_decryption: { internalCertificates: string[] } } };
};

describe('replaced objects: removed together, reported and retried one by one (through the CLI)', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const dev = (name: string) => lab.devices.find((d) => d.name === name)!;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-replaced-'));
    lab = await startLab({ dir, fdm: 1, panos: 1, certsPerDevice: 3, knobs: { fdm: { deployDurationMs: 30 }, panos: { commitDurationMs: 30 } } });
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** renew --force on `device` with `knobs` set; then a plain run. Returns both reports. */
  async function renewThenRun(device: string, knobs: object): Promise<{ renewed: RunReport; next: RunReport }> {
    dev(device).handle.setKnobs(knobs);
    const r = await cli('renew', '--force', '--device', device, '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const again = await cli('run', '--device', device, '--json');
    assert.equal(again.code, 0, again.stderr + again.stdout);
    return { renewed: json<RunReport>(r), next: json<RunReport>(again) };
  }

  it('pa-1: one object in use: the batch is refused, the two others are removed alone in the same commit, the third by the next run', async () => {
    const before0 = (dev('pa-1').handle.state() as PanState).counters;
    // As a firewall answers when one of the objects is still referenced: the batch fails (none applied),
    // and so does that object's own delete (code 10).
    const inUse = { code: 10, message: 'cannot be deleted because of references from: shared -> lab-profile -> certificate' };
    const { renewed, next } = await renewThenRun('pa-1', { failNext: { 'config.multi-config': { code: 13, message: 'Object not found' }, 'config.delete': inUse } });
    const d = renewed.devices[0]!;
    assert.equal(d.committed, true);
    assert.equal(d.removed.length, 2, JSON.stringify(d));
    const warned = d.warnings.filter((w) => w.startsWith('could not remove '));
    assert.equal(warned.length, 1, d.warnings.join('\n'));
    assert.match(warned[0]!, /still in use and was not deleted.*\(retried next run\)$/);
    const left = /^could not remove (\S+):/.exec(warned[0]!)![1]!;
    assert.ok(!d.removed.includes(left));
    // The second run removes exactly that one (alone: no batch for one object) and commits it.
    assert.deepEqual(next.devices[0]!.removed, [left]);
    assert.equal(next.devices[0]!.committed, true);
    const c = (dev('pa-1').handle.state() as PanState).counters;
    assert.equal((c['config.multi-config'] ?? 0) - (before0['config.multi-config'] ?? 0), 1);
    assert.equal((c['config.delete'] ?? 0) - (before0['config.delete'] ?? 0), 4, 'three alone after the refused batch, one by the next run');
    assert.equal((c.commit ?? 0) - (before0.commit ?? 0), 2, 'one commit per run');
    assert.ok(!(dev('pa-1').handle.state() as PanState).runningCertificates.some((e) => e.name === left));
  });

  it('pa-1: the three replaced objects go in one multi-config request, in the same commit as the renewals', async () => {
    const before0 = (dev('pa-1').handle.state() as PanState).counters;
    const { renewed } = await renewThenRun('pa-1', {});
    const d = renewed.devices[0]!;
    assert.equal(d.committed, true);
    assert.equal(d.removed.length, 3, JSON.stringify(d));
    assert.deepEqual(d.warnings.filter((w) => w.startsWith('could not remove ')), []);
    const c = (dev('pa-1').handle.state() as PanState).counters;
    assert.equal((c['config.multi-config'] ?? 0) - (before0['config.multi-config'] ?? 0), 1);
    assert.equal((c['config.delete'] ?? 0) - (before0['config.delete'] ?? 0), 0);
    assert.equal((c.commit ?? 0) - (before0.commit ?? 0), 1, 'one commit; the next run has nothing to commit');
  });

  it('ftd-1: one DELETE refused; the others go in the same deploy, the SSL policy was written once, the next run deletes the one left', async () => {
    const sslPuts = () => Object.entries((dev('ftd-1').handle.state() as FdmState).requestsByPath).filter(([k]) => k.startsWith('PUT /policy/sslpolicies/')).reduce((n, [, v]) => n + v, 0);
    const puts0 = sslPuts();
    const before0 = (dev('ftd-1').handle.state() as FdmState).counters;
    const { renewed, next } = await renewThenRun('ftd-1', { failNext: { 'DELETE /object/internalcertificates': { status: 400, count: 1 } } });
    const d = renewed.devices[0]!;
    assert.equal(d.committed, true);
    assert.equal(d.removed.length, 2, JSON.stringify(d));
    const warned = d.warnings.filter((w) => w.startsWith('could not remove '));
    assert.equal(warned.length, 1, d.warnings.join('\n'));
    assert.match(warned[0]!, /\(retried next run\)$/);
    const left = /^could not remove (\S+):/.exec(warned[0]!)![1]!;
    assert.deepEqual(next.devices[0]!.removed, [left]);
    const st = dev('ftd-1').handle.state() as FdmState;
    assert.ok(!st.deployedObjects.internalcertificates.some((o) => o.name === left));
    assert.ok(!st.bindings.deployed.ssl_decryption.internalCertificates.includes(left));
    assert.equal((st.counters.deploy ?? 0) - (before0.deploy ?? 0), 2, 'one deploy per run');
    assert.equal(sslPuts() - puts0, 1, 'one SSL policy PUT for the three additions and three drops (the one left was dropped before its DELETE failed)');
  });
});
