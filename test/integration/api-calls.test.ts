// API calls per certificate, beyond the per-device login, inventory and commit: what each extra
// certificate costs on an FTD (FDM REST) and a PAN-OS firewall (XML API), counted by the emulators.
// Runs of 1 and of 3 certificates per device are compared, so fixed per-run costs cancel out; job
// polls are left out (their number follows the commit's duration, not the certificates).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLab, type Lab, type LabDevice } from '../../src/lab/fleet.js';
import { runCli } from '../support/cli.js';

/** Device API calls so far, without job polls (FDM counts every call in `calls`; PAN-OS per request type). */
function calls(d: LabDevice): number {
  const c = (d.handle.state() as { counters: Record<string, number> }).counters;
  if (d.type === 'cisco-fdm') return (c.calls ?? 0) - (c.deploy_get ?? 0);
  const all = Object.entries(c).filter(([k]) => !k.includes('.')).reduce((x, [, v]) => x + v, 0);
  return all - (c['op.show.jobs.id'] ?? 0);
}

describe('API calls per certificate (FDM and PAN-OS)', () => {
  let lab: Lab;
  let dir: string;
  const profiles = (n: number[]) => n.flatMap((i) => ['--profile', `vpn-portal-${i}`, '--profile', `gp-portal-${i}`]);
  /** Calls each device made during one CLI run. */
  const measure = async (...args: string[]): Promise<Record<string, number>> => {
    const before0 = lab.devices.map(calls);
    const r = await runCli(['--config', lab.configPath, ...args]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    return Object.fromEntries(lab.devices.map((d, i) => [d.name, calls(d) - before0[i]!]));
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-calls-'));
    lab = await startLab({ dir, fdm: 1, panos: 1, certsPerDevice: 5, knobs: { fdm: { deployDurationMs: 50 }, panos: { commitDurationMs: 50 } } });
    // The first profile binds more (RA VPN, GlobalProtect portal) and brings the CA chain objects: not measured.
    const r = await runCli(['--config', lab.configPath, 'run', '--profile', 'vpn-portal', '--profile', 'gp-portal']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // FDM: POST the internal certificate (the SSL policy that lists the run's certificates is PUT once per
  // run). PAN-OS: generate the key on the box, import the certificate (the CSRs of a run's keys come from
  // one read of the store).
  it('an enrollment costs 1 call per certificate on FDM and 2 on PAN-OS', async (t) => {
    const one = await measure('run', ...profiles([2]));
    const three = await measure('run', ...profiles([3, 4, 5]));
    for (const d of lab.devices) {
      const perCert = (three[d.name]! - one[d.name]!) / 2;
      const limit = d.type === 'cisco-fdm' ? 1 : 2;
      t.diagnostic(`${d.name}: ${perCert} calls per enrolled certificate`);
      assert.ok(perCert <= limit, `${d.name}: ${perCert} calls per enrolled certificate, more than ${limit} (1 cert: ${one[d.name]}, 3 certs: ${three[d.name]})`);
    }
  });

  // A renewal adds the deletion of the replaced object: on PAN-OS one multi-config request deletes all of
  // a run's replaced objects (a per-device cost); on FDM each is a DELETE, and the SSL policy is PUT once
  // per run for every certificate the run adds to it and drops from it (a per-device cost too).
  it('a renewal, removal of the replaced object included, costs 2 calls per certificate on FDM and PAN-OS', async (t) => {
    const one = await measure('renew', '--force', ...profiles([2]));
    const three = await measure('renew', '--force', ...profiles([3, 4, 5]));
    for (const d of lab.devices) {
      const perCert = (three[d.name]! - one[d.name]!) / 2;
      t.diagnostic(`${d.name}: ${perCert} calls per renewed certificate`);
      assert.ok(perCert <= 2, `${d.name}: ${perCert} calls per renewed certificate, more than 2 (1 cert: ${one[d.name]}, 3 certs: ${three[d.name]})`);
    }
  });
});
