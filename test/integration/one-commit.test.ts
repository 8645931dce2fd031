// One commit per device per run, renewals included: three profiles renewed on one FTD and one PAN-OS
// firewall through the real CLI end with exactly one deploy / commit job each, the replaced objects
// gone from the running configuration in that same commit, and new serials served. A failed commit
// leaves the running configuration as it was; the next run finishes the job with one commit.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab, type LabDevice } from '../../src/lab/fleet.js';
import { handshake } from '../../src/lab/handshake.js';
import { json, runCli } from '../support/cli.js';

type FdmState = {
  counters: Record<string, number>;
  deployedObjects: { internalcertificates: { name: string; fingerprintSha256?: string }[] };
};
type PanState = {
  counters: Record<string, number>;
  runningCertificates: { name: string; serial: string | null }[];
};
const strip = (s: string) => s.toUpperCase().replace(/^0+/, '');
const PROFILES = { ftd: ['vpn-portal', 'vpn-portal-2', 'vpn-portal-3'], pan: ['gp-portal', 'gp-portal-2', 'gp-portal-3'] };
/** The objects of the three profiles (fwcert names them PROFILE or PROFILE-YYYYMMDD-HHMM). */
const profileObjects = (names: string[], kind: 'ftd' | 'pan') => names.filter((n) => PROFILES[kind].some((p) => n === p || new RegExp(`^${p}-\\d{8}-\\d{4}$`).test(n)));

describe('one commit per device per run (FDM and PAN-OS, through the CLI)', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const dev = (name: string) => lab.devices.find((d) => d.name === name)!;
  const fdm = () => dev('ftd-1').handle.state() as FdmState;
  const pan = () => dev('pa-1').handle.state() as PanState;
  const deploys = () => fdm().counters.deploy ?? 0;
  const commits = () => pan().counters.commit ?? 0;
  const deployedFtd = () => fdm().deployedObjects.internalcertificates.map((c) => c.name);
  const runningPan = () => pan().runningCertificates.map((c) => c.name);
  const orders = () => {
    const c = (lab.scm.state() as { counters: Record<string, number> }).counters;
    return (c.enroll ?? 0) + (c.renewById ?? 0);
  };
  const items = (r: RunReport, device: string) => r.devices.filter((d) => d.device === device).flatMap((d) => d.items);
  const served = (d: LabDevice, service: string, servername: string) => handshake(d.services[service]!, { servername, caPem: lab.ca.bundlePem });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-one-commit-'));
    lab = await startLab({ dir, fdm: 1, panos: 1, certsPerDevice: 3, knobs: { fdm: { deployDurationMs: 50 }, panos: { commitDurationMs: 50 } } });
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(deploys(), 1);
    assert.equal(commits(), 1);
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const kind of ['ftd', 'pan'] as const) {
    const device = kind === 'ftd' ? 'ftd-1' : 'pa-1';
    it(`${device}: renew --force of 3 profiles makes exactly one ${kind === 'ftd' ? 'deploy' : 'commit'}, the old objects are gone from the running config, new serials are served`, async () => {
      const count = kind === 'ftd' ? deploys : commits;
      const running = kind === 'ftd' ? deployedFtd : runningPan;
      const before0 = count();
      const oldNames = profileObjects(running(), kind);
      assert.equal(oldNames.length, 3, running().join(','));
      const r = await cli('renew', '--force', '--device', device, '--json');
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const report = json<RunReport>(r);
      const mine = items(report, device);
      assert.deepEqual(mine.map((i) => i.outcome), ['done', 'done', 'done'], JSON.stringify(mine));
      assert.equal(count(), before0 + 1, 'exactly one commit/deploy for the three renewals and their removals');
      assert.deepEqual([...report.devices[0]!.removed].sort(), [...oldNames].sort());
      const now = running();
      for (const old of oldNames) assert.ok(!now.includes(old), `${old} is gone from the running config: ${now.join(',')}`);
      for (const i of mine) assert.ok(now.includes(i.objectName!), `${i.objectName} is in the running config`);
      const first = mine.find((i) => i.profile === PROFILES[kind][0])!;
      const got = kind === 'ftd' ? await served(dev(device), 'ravpn', 'vpn.lab.example') : await served(dev(device), 'gp-portal', 'gp.lab.example');
      assert.equal(strip(got.serial), strip(first.serial!), 'the renewed certificate is served');
    });
  }

  for (const kind of ['ftd', 'pan'] as const) {
    const device = kind === 'ftd' ? 'ftd-1' : 'pa-1';
    it(`${device}: a failed commit deletes nothing from the running config; the next run finishes with one commit and no new order`, async () => {
      const count = kind === 'ftd' ? deploys : commits;
      const running = kind === 'ftd' ? deployedFtd : runningPan;
      const d = dev(device);
      const service = kind === 'ftd' ? 'ravpn' : 'gp-portal';
      const sni = kind === 'ftd' ? 'vpn.lab.example' : 'gp.lab.example';
      const servedBefore = strip((await served(d, service, sni)).serial);
      const runningBefore = profileObjects(running(), kind);
      assert.equal(runningBefore.length, 3);
      if (kind === 'ftd') d.handle.setKnobs({ failNextDeploy: true });
      else d.handle.setKnobs({ failNextCommit: ['Validation Error: lab-injected commit failure'] });
      const c0 = count();
      const r = await cli('renew', '--force', '--device', device, '--json');
      assert.equal(r.code, 1, r.stdout);
      const failed = json<RunReport>(r);
      assert.match(failed.devices[0]!.error ?? '', /commit failed/);
      assert.equal(count(), c0 + 1, 'one (failed) commit');
      assert.deepEqual(profileObjects(running(), kind), runningBefore, 'the running configuration is untouched');
      assert.equal(strip((await served(d, service, sni)).serial), servedBefore, 'the old certificate is still served');
      const renewed = items(failed, device);
      const ordered = orders();

      const again = await cli('run', '--device', device, '--json');
      assert.equal(again.code, 0, again.stderr + again.stdout);
      const rep = json<RunReport>(again);
      assert.equal(rep.devices[0]!.committed, true);
      assert.equal(count(), c0 + 2, 'the next run commits once');
      assert.equal(orders(), ordered, 'no new order');
      const now = running();
      for (const old of runningBefore) assert.ok(!now.includes(old), `${old} is gone after the finishing commit: ${now.join(',')}`);
      for (const i of renewed) assert.ok(now.includes(i.objectName!), `${i.objectName} is in the running config`);
      const first = renewed.find((i) => i.profile === PROFILES[kind][0])!;
      assert.equal(strip((await served(d, service, sni)).serial), strip(first.serial!));
      // And once more: nothing left to do, no commit.
      const third = await cli('run', '--device', device, '--json');
      assert.equal(third.code, 0, third.stderr);
      assert.equal(count(), c0 + 2);
    });
  }
});
