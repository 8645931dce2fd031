// Issue 10: a trust anchor taken out of a cisco-fmc-ftd entry's trust_anchors. `run` leaves it alone;
// `run --remove-retired` deletes the trustpoint (managecertificates DELETE, FMC 7.7) and the Manual
// enrollment object when the ledger says fwcert created it; before 7.7 it reports the UI step owed.
// Through the real CLI against the lab FMC.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { createCa } from '../../src/pki/index.js';
import { json, runCli } from '../support/cli.js';

interface FmcState {
  counters: Record<string, number>;
  certenrollments: { name: string; enrollmentType: string }[];
  devices: { name: string; trustpoints: { name: string }[] }[];
}
const FTD = 'fmc1-ftd-1';

describe('FMC trust anchors removed from the configuration, through the CLI', () => {
  let lab: Lab;
  let dir: string;
  let config: string;
  const cli = (...args: string[]) => runCli(['--config', config, ...args]);
  const fmc = () => lab.managers[0]!.handle;
  const state = () => fmc().state() as FmcState;
  const count = (c: string) => state().counters[c] ?? 0;
  const has = (name: string) => ({
    object: state().certenrollments.some((e) => e.name === `${name}_${FTD}`),
    trustpoint: state().devices.find((d) => d.name === FTD)!.trustpoints.some((t) => t.name === `${name}_${FTD}`),
  });
  const setAnchors = (names: string[]) => {
    const cfg = parse(readFileSync(config, 'utf8')) as { devices: Record<string, Record<string, unknown>> };
    cfg.devices[FTD]!.trust_anchors = names.map((name) => ({ name, ca_file: `ca/${name}.pem` }));
    writeFileSync(config, stringify(cfg));
  };
  const removedOf = (r: RunReport) => r.devices.filter((d) => d.device === FTD).flatMap((d) => d.removed);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-fmc-ta-retired-'));
    lab = await startLab({ dir, fdm: 0, panos: 0, fmc: 1, fmcFtds: 1, knobs: { scm: { pendingPolls: 0 }, fmc: { taskDurationMs: 20, rateLimitPerMin: 100_000 } } });
    mkdirSync(join(dir, 'ca'));
    for (const name of ['Corp-Root', 'Partner-Root', 'Old-Root']) {
      writeFileSync(join(dir, 'ca', `${name}.pem`), (await createCa({ subject: { cn: `${name} CA`, o: 'Corp' }, days: 3650 })).certPem);
    }
    config = join(dir, 'fwcert-ta.yaml');
    writeFileSync(config, readFileSync(lab.configPath, 'utf8'));
    setAnchors(['Corp-Root', 'Partner-Root', 'Old-Root']);
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const n of ['Corp-Root', 'Partner-Root', 'Old-Root']) assert.deepEqual(has(n), { object: true, trustpoint: true });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a plain run leaves a trust anchor taken out of the list on the FMC and the FTD', async () => {
    setAnchors(['Corp-Root', 'Old-Root']);
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(has('Partner-Root'), { object: true, trustpoint: true });
  });

  it('run --remove-retired --dry-run names it and changes nothing', async () => {
    const before = { ...state().counters };
    const r = await cli('run', '--remove-retired', '--dry-run', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(json<RunReport>(r).devices.filter((d) => d.device === FTD).flatMap((d) => d.wouldRemove ?? []), ['Partner-Root_fmc1-ftd-1']);
    assert.deepEqual(has('Partner-Root'), { object: true, trustpoint: true });
    assert.equal(count('managecertificates'), before.managecertificates);
  });

  it('run --remove-retired deletes the trustpoint and the object fwcert created, and only that one', async () => {
    const before = { ...state().counters };
    const r = await cli('run', '--remove-retired', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(removedOf(json<RunReport>(r)), ['Partner-Root_fmc1-ftd-1']);
    assert.deepEqual(has('Partner-Root'), { object: false, trustpoint: false });
    assert.deepEqual(has('Corp-Root'), { object: true, trustpoint: true });
    assert.deepEqual(has('Old-Root'), { object: true, trustpoint: true });
    assert.equal(count('managecertificates_DELETE') - (before.managecertificates_DELETE ?? 0), 1);
    const again = await cli('run', '--remove-retired', '--json');
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.deepEqual(removedOf(json<RunReport>(again)), [], 'nothing left to remove');
  });

  it('FMC 7.4 (no API to delete a trustpoint): the UI step is reported (exit 1) until 7.7 removes it', async () => {
    setAnchors(['Corp-Root']);
    fmc().setKnobs({ version: '7.4' });
    try {
      const r = await cli('run', '--remove-retired', '--json');
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const error = json<RunReport>(r).devices.filter((d) => d.device === FTD).map((d) => d.error ?? '').join(' ');
      assert.match(error, /the trust anchor Old-Root_fmc1-ftd-1 is no longer configured, but FMC 7\.4[^:]* has no API to delete certificates from devices .*delete Old-Root_fmc1-ftd-1 from FTD fmc1-ftd-1/);
      assert.deepEqual(has('Old-Root'), { object: true, trustpoint: true });
    } finally {
      fmc().setKnobs({ version: '7.7' });
    }
    const r = await cli('run', '--remove-retired', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(removedOf(json<RunReport>(r)), ['Old-Root_fmc1-ftd-1']);
    assert.deepEqual(has('Old-Root'), { object: false, trustpoint: false });
    assert.deepEqual(has('Corp-Root'), { object: true, trustpoint: true });
  });

  it('an anchor the ledger does not know fwcert created (another ledger, a reinstall) is not removed', async () => {
    setAnchors(['Corp-Root', 'Partner-Root']);
    await cli('run', '--json'); // creates Partner-Root again: recorded
    setAnchors(['Corp-Root']);
    // Corp-Root was created by fwcert; forget that by using a fresh ledger, as after a reinstall.
    const cfg = parse(readFileSync(config, 'utf8')) as { ledger: { path: string } };
    cfg.ledger.path = 'state/other.db';
    const other = join(dir, 'fwcert-other-ledger.yaml');
    writeFileSync(other, stringify(cfg));
    const r = await runCli(['--config', other, 'run', '--remove-retired', '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(removedOf(json<RunReport>(r)), [], 'this ledger knows of no trust anchor fwcert created');
    assert.deepEqual(has('Partner-Root'), { object: true, trustpoint: true });
  });
});
