// Keys generated on a PAN-OS firewall by an attempt that failed or was killed are never orphaned:
// fwcert records the object name before generating the key, and the next run deletes the leftover
// (so it never reaches the running config) and gives the first real certificate the profile's name.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { cliEntry, json, runCli } from '../support/cli.js';
import { ROOT } from '../support/root.js';

type Entry = { name: string; ca: boolean; csrPending: boolean; hasPrivateKey: boolean; serial: string | null };
// pendingChanges: per admin, the changed nodes that still differ from the running config.
type PanState = { certificates: Entry[]; runningCertificates: Entry[]; pendingChanges: Record<string, string[]> };

describe('PAN-OS: no key left behind by a failed or killed attempt', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const pan = () => lab.devices[0]!.handle.state() as PanState;
  const leaves = (list: Entry[]) => list.filter((e) => !e.ca).map((e) => e.name).sort();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-leftovers-'));
    lab = await startLab({ dir, fdm: 0, panos: 1, knobs: { panos: { commitDurationMs: 20 } } });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a CA refusal after on-box key generation: the next run removes the leftover and uses the profile name', async () => {
    const seeded = leaves(pan().runningCertificates);
    lab.scm.setKnobs({ failNext: { enroll: { status: 400, code: -10, description: 'Error decoding CSR', count: 1 } } });
    const failed = await cli('run', '--json');
    assert.equal(failed.code, 1, failed.stderr + failed.stdout);
    assert.deepEqual(pan().certificates.filter((e) => e.csrPending).map((e) => e.name), ['gp-portal'], 'the failed attempt left its key + CSR');

    const next = await cli('run', '--json');
    assert.equal(next.code, 0, next.stderr + next.stdout);
    const d = json<RunReport>(next).devices[0]!;
    assert.deepEqual(d.cleaned, ['gp-portal'], 'the report says what was cleaned');
    assert.equal(d.items[0]!.outcome, 'done', d.items[0]!.error);
    assert.equal(d.items[0]!.objectName, 'gp-portal', 'the first real certificate gets the profile name');
    const s = pan();
    assert.deepEqual(s.pendingChanges, {}, 'everything committed');
    assert.deepEqual(leaves(s.runningCertificates), [...seeded, 'gp-portal'].sort(), 'the seeded certificate and ours, nothing else');
    assert.ok(s.runningCertificates.every((e) => !e.csrPending), 'no key + CSR without certificate in the running config');
  });

  it('a run killed between key generation and the ledger write: the next run cleans up, nothing orphaned after its commit', async () => {
    const before1 = leaves(pan().runningCertificates);
    // Slow API answers give the kill a wide window: generate answered, CSR read not yet.
    lab.devices[0]!.handle.setKnobs({ latencyMs: 800 });
    const child = spawn(process.execPath, [...cliEntry(), '--config', lab.configPath, 'renew', '--force', '--json'], {
      cwd: ROOT, env: { ...process.env, FWCERT_CONFIG: '', FWCERT_PASSPHRASE: '' }, stdio: 'ignore',
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    let killedAt: string | undefined;
    for (let i = 0; i < 1200 && !killedAt; i++) {
      const pendingCsr = pan().certificates.find((e) => e.csrPending);
      if (pendingCsr) {
        child.kill('SIGKILL');
        killedAt = pendingCsr.name;
      } else await new Promise((r) => setTimeout(r, 25));
    }
    await exited;
    lab.devices[0]!.handle.setKnobs({ latencyMs: 0 });
    assert.ok(killedAt, 'the renewal generated its key on the device before the kill');
    assert.match(killedAt!, /^gp-portal-\d{8}-\d{4}/);

    const next = await cli('run', '--json');
    assert.equal(next.code, 0, next.stderr + next.stdout);
    const d = json<RunReport>(next).devices[0]!;
    assert.deepEqual(d.cleaned, [killedAt]);
    const s = pan();
    assert.deepEqual(s.pendingChanges, {}, 'nothing left uncommitted');
    assert.deepEqual(leaves(s.certificates), before1, 'candidate: only the certificate in service');
    assert.deepEqual(leaves(s.runningCertificates), before1, 'running: nothing orphaned');

    const again = await cli('run', '--json');
    assert.equal(again.code, 0);
    assert.equal(json<RunReport>(again).devices[0]!.cleaned, undefined, 'nothing left to clean');
  });

  // Found by the chaos campaign (seed 9945): names come back (gp-portal, gp-portal-<date>, gp-portal, ...),
  // and a leftover that reused the name of an earlier, since removed certificate was taken for that
  // certificate: its intent was dropped and the key + CSR stayed in the candidate config for good.
  it('a leftover that reuses the name of an earlier, removed certificate is still cleaned up', async () => {
    // The profile's objects: its name, or its name and a date (gp-portal-default is the lab's own).
    const mine = (n: string) => n === 'gp-portal' || /^gp-portal-\d{8}-\d{4}/.test(n);
    assert.equal((await cli('run')).code, 0, 'the profile has its certificate');
    const seeded = leaves(pan().runningCertificates).filter((n) => !mine(n));
    // Two renewals: the profile's own name is used, given up, and free again.
    for (let i = 0; i < 2; i++) assert.equal((await cli('renew', '--force', '--json')).code, 0);
    const inService = leaves(pan().runningCertificates).filter(mine);
    assert.equal(inService.length, 1, `after two renewals: ${JSON.stringify(pan().runningCertificates.map((e) => e.name))}`);
    const free = inService[0] === 'gp-portal' ? undefined : 'gp-portal';
    if (!free) assert.equal((await cli('renew', '--force', '--json')).code, 0);
    assert.notEqual(leaves(pan().runningCertificates).find(mine), 'gp-portal', 'the profile name is free again');

    const refusal = { status: 400, code: -10, description: 'Error decoding CSR', count: 1 };
    lab.scm.setKnobs({ failNext: { renewById: refusal, enroll: refusal } });
    const failed = await cli('renew', '--force', '--json');
    lab.scm.setKnobs({ failNext: { renewById: null, enroll: null } });
    assert.equal(failed.code, 1, failed.stderr + failed.stdout);
    assert.deepEqual(pan().certificates.filter((e) => e.csrPending).map((e) => e.name), ['gp-portal'], 'the failed attempt left its key + CSR under the reused name');

    const next = await cli('run', '--json');
    assert.equal(next.code, 0, next.stderr + next.stdout);
    assert.deepEqual(json<RunReport>(next).devices[0]!.cleaned, ['gp-portal'], 'the leftover is cleaned, not taken for the old certificate');
    const s = pan();
    assert.deepEqual(s.pendingChanges, {}, 'nothing left uncommitted');
    assert.ok(s.certificates.every((e) => !e.csrPending), 'no key + CSR without certificate in the candidate');
    const ours = leaves(s.runningCertificates).filter(mine);
    assert.equal(ours.length, 1, `one certificate of the profile in the running config: ${ours.join(', ')}`);
    assert.deepEqual(leaves(s.certificates), leaves(s.runningCertificates));
    assert.deepEqual(leaves(s.runningCertificates), [...seeded, ...ours].sort());
  });
});
