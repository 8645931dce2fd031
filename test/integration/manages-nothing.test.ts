// A configuration that manages nothing (no profile) is refused by run, status and check alike (exit 2,
// before any device or CA is contacted), so that a broken cron job never "succeeds". An admin who
// removed the last profile can still delete what fwcert installed before: `run --remove-retired` is
// allowed then, removes the objects nobody uses any more and commits once per device.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { json, runCli } from '../support/cli.js';

describe('a configuration that manages nothing', () => {
  let lab: Lab;
  let dir: string;
  let empty: string;
  const requests = () => {
    let total = 0;
    for (const s of [lab.scm.state(), ...lab.devices.map((d) => d.handle.state())]) {
      for (const v of Object.values((s as { counters?: Record<string, number> }).counters ?? {})) total += v;
    }
    return total;
  };
  const ftd = () => lab.devices.find((d) => d.type === 'cisco-fdm')!;
  const pan = () => lab.devices.find((d) => d.type === 'paloalto')!;
  type FdmState = { objects: { internalcertificates: { name: string }[] }; deployedObjects: { internalcertificates: { name: string }[] }; deployJobs: unknown[] };
  type PanState = { certificates: { name: string }[]; runningCertificates: { name: string }[]; jobs: { type: string }[] };
  const fdmState = () => ftd().handle.state() as FdmState;
  const panState = () => pan().handle.state() as PanState;
  const panCommits = () => panState().jobs.filter((j) => /commit/i.test(j.type)).length;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-nothing-'));
    lab = await startLab({ dir, fdm: 1, panos: 1, logLevel: 'warn', knobs: { fdm: { deployDurationMs: 20 }, panos: { commitDurationMs: 20 } } });
    // The same file without profiles_dir, beside the original so that the ledger and credentials are the same.
    const text = readFileSync(lab.configPath, 'utf8');
    const stripped = text.replace(/^profiles_dir: .*\n/m, '');
    assert.notEqual(stripped, text);
    empty = join(dir, 'no-profiles.yaml');
    writeFileSync(empty, stripped);
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('run, status and check all exit 2 with the same message and contact nothing', async () => {
    for (const args of [['run'], ['status'], ['status', '--ledger-only', '--json'], ['check'], ['check', '--json'], ['run', '--remove-retired']]) {
      const r = await runCli(['--config', empty, ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}${r.stdout}`);
      assert.match(r.stderr, /no-profiles\.yaml: this configuration manages nothing: it defines no certificate profile/, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at \S+ \(/, 'no stack trace');
      assert.equal(r.stdout, '', `${args.join(' ')} prints no report`);
    }
    assert.equal(requests(), 0, 'nothing was sent to the lab');
  });

  it('after the last profile is removed, run --remove-retired deletes the unused objects with one commit per device', async () => {
    assert.equal((await runCli(['--config', lab.configPath, 'run'])).code, 0);
    // A profile without bindings on both devices: its objects are what a retired profile leaves behind.
    const spare = join(dir, 'profiles', 'spare.yaml');
    writeFileSync(spare, stringify({
      name: 'spare', ca: 'lab-sectigo', sectigo: { cert_type: 3001, term: 365 }, subject: { cn: 'spare.lab.example' },
      key: { type: 'ecdsa', curve: 'P-256' }, targets: [{ device: ftd().name }, { device: pan().name }],
    }));
    const enrolled = await runCli(['--config', lab.configPath, 'run', '--profile', 'spare', '--json']);
    assert.equal(enrolled.code, 0, enrolled.stderr);
    const objects = Object.fromEntries(json<RunReport>(enrolled).devices.map((d) => [d.device, d.items[0]!.objectName!]));
    assert.ok(fdmState().deployedObjects.internalcertificates.some((o) => o.name === objects[ftd().name]));
    assert.ok(panState().runningCertificates.some((o) => o.name === objects[pan().name]));
    rmSync(spare);

    // Without --remove-retired it is still "manages nothing", and the message says what would help.
    const refused = await runCli(['--config', empty, 'status']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /manages nothing[^]*4 certificate\(s\) fwcert installed earlier .*`fwcert run --remove-retired` deletes those no binding uses/);
    assert.equal((await runCli(['--config', empty, 'run'])).code, 2);

    const deploysBefore = fdmState().deployJobs.length;
    const commitsBefore = panCommits();
    // --dry-run reads the devices and says what it would delete; it deletes nothing and commits nothing.
    const planned = await runCli(['--config', empty, 'run', '--remove-retired', '--dry-run', '--json']);
    assert.equal(planned.code, 0, planned.stderr);
    for (const d of [ftd(), pan()]) {
      const res = json<RunReport>(planned).devices.find((x) => x.device === d.name)!;
      assert.deepEqual(res.wouldRemove, [objects[d.name]], d.name);
      assert.deepEqual(res.removed, [], d.name);
      assert.equal(res.committed, false, d.name);
    }
    assert.match((await runCli(['--config', empty, 'run', '--remove-retired', '--dry-run'])).stdout, new RegExp(`${pan().name}: would remove no longer managed object\\(s\\) ${objects[pan().name]}`));
    assert.ok(fdmState().objects.internalcertificates.some((o) => o.name === objects[ftd().name]), 'still on the FTD after the dry run');
    assert.ok(panState().certificates.some((o) => o.name === objects[pan().name]), 'still on the firewall after the dry run');
    assert.equal(fdmState().deployJobs.length, deploysBefore, 'the dry run deployed nothing');
    assert.equal(panCommits(), commitsBefore, 'the dry run committed nothing');

    const r = await runCli(['--config', empty, 'run', '--remove-retired', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rep = json<RunReport>(r);
    for (const d of [ftd(), pan()]) {
      const res = rep.devices.find((x) => x.device === d.name)!;
      assert.deepEqual(res.removed, [objects[d.name]], d.name);
      assert.equal(res.committed, true, d.name);
      // The lab profiles' objects are still bound (RA VPN, GlobalProtect): left in place with a warning.
      assert.ok(res.warnings.some((w) => /still used by/.test(w)), `${d.name}: ${res.warnings.join('; ')}`);
    }
    assert.ok(!fdmState().objects.internalcertificates.some((o) => o.name === objects[ftd().name]), 'gone from the FTD candidate');
    assert.ok(!fdmState().deployedObjects.internalcertificates.some((o) => o.name === objects[ftd().name]), 'gone from the deployed FTD config');
    assert.ok(!panState().certificates.some((o) => o.name === objects[pan().name]), 'gone from the PAN-OS candidate');
    assert.ok(!panState().runningCertificates.some((o) => o.name === objects[pan().name]), 'gone from the PAN-OS running config');
    assert.equal(fdmState().deployJobs.length - deploysBefore, 1, 'one deploy on the FTD');
    assert.equal(panCommits() - commitsBefore, 1, 'one commit on the firewall');
  });
});
