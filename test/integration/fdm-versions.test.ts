// An FTD 6.3 (FDM API v2) beside a current one: the profile asks for the RA VPN binding, which 6.3
// does not have. That pair fails with "needs FTD 6.4 or later" before anything is ordered; the other
// device is served as usual; the run exits 1.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { json, runCli } from '../support/cli.js';

describe('FDM versions, end to end through the CLI', () => {
  let lab: Lab;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-fdmver-'));
    lab = await startLab({ dir, fdm: 2, panos: 0, knobs: { fdm: { deployDurationMs: 50 } } });
    lab.devices[0]!.handle.setKnobs({ apiVersion: 'v2' });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the RA VPN binding on FTD 6.3 only, orders nothing for it, and exits 1', async () => {
    const r = await runCli(['--config', lab.configPath, 'run', '--json']);
    assert.equal(r.code, 1, r.stderr);
    const report = json<RunReport>(r);
    const item = (device: string) => report.devices.find((d) => d.device === device)!.items[0]!;
    assert.equal(item('ftd-1').outcome, 'failed');
    assert.match(item('ftd-1').error ?? '', /ftd-1: the RA VPN binding needs FTD 6\.4 or later/);
    assert.equal(item('ftd-2').outcome, 'done', item('ftd-2').error);
    const scm = lab.scm.state() as { counters: Record<string, number> };
    assert.equal(scm.counters.enroll, 1, 'no certificate ordered for the pair that cannot work');
  });
});
