// A device's CA orders are in flight together (PAN-OS keys made on the device one after another,
// their orders still overlapping), and never more than cas.<name>.max_in_flight at once.
// The SCM emulator reports the peak of orders requested and not yet collected.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { json, runCli } from '../support/cli.js';

describe('CA orders in flight together, bounded per CA', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const peak = () => (lab.scm.state() as { counters: Record<string, number> }).counters.ordersInFlightMax ?? 0;
  const setMaxInFlight = (n: number | undefined) => {
    const cfg = parse(readFileSync(lab.configPath, 'utf8')) as { cas: Record<string, Record<string, unknown>> };
    if (n === undefined) delete cfg.cas['lab-sectigo']!.max_in_flight;
    else cfg.cas['lab-sectigo']!.max_in_flight = n;
    writeFileSync(lab.configPath, stringify(cfg));
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-inflight-'));
    // Every order answers "pending" five times (1 s at the lab's 0.2 s collect interval): orders overlap
    // only when they are sent before the earlier ones are issued.
    lab = await startLab({ dir, fdm: 1, panos: 1, certsPerDevice: 3, knobs: { scm: { pendingPolls: 5 }, fdm: { deployDurationMs: 50 }, panos: { commitDurationMs: 50 } } });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('max_in_flight: 2 keeps two of the FTD\'s three orders open at once, never three', async () => {
    setMaxInFlight(2);
    const r = await cli('run', '--device', 'ftd-1', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(json<RunReport>(r).devices[0]!.items.map((i) => i.outcome), ['done', 'done', 'done']);
    assert.equal(peak(), 2);
  });

  it('by default all three orders of the PAN-OS firewall (keys made on the device) are open at once', async () => {
    setMaxInFlight(undefined);
    const r = await cli('run', '--device', 'pa-1', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(json<RunReport>(r).devices[0]!.items.map((i) => i.outcome), ['done', 'done', 'done']);
    assert.equal(peak(), 3);
  });

  it('a bad max_in_flight is a config error (exit 2)', async () => {
    setMaxInFlight(0);
    const r = await cli('run', '--dry-run');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /max_in_flight/);
    setMaxInFlight(undefined);
  });
});
