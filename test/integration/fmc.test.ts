// Issue 10: FTDs managed by an FMC, end to end through the real CLI against the lab over HTTPS:
// one login and one deployment request per run for all FTDs, the RA VPN port serving what was deployed,
// and the FMC's faults (deploy failure, session killed, 429 storm, old version, foreign changes).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import type { RunReport } from '../../src/engine/report.js';
import type { StatusReport } from '../../src/engine/status.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { handshake } from '../../src/lab/handshake.js';
import { json, runCli } from '../support/cli.js';

interface FmcState {
  counters: Record<string, number>;
  certenrollments: { name: string; enrollmentType: string }[];
  devices: { name: string; pending: unknown[]; deployments: { status: string }[]; trustpoints: { name: string }[] }[];
}
const strip = (s: string) => s.toUpperCase().replace(/^0+/, '');
const DEVICES = ['fmc1-ftd-1', 'fmc1-ftd-2', 'fmc1-ftd-3', 'fmc1-ha-1'];

describe('FTDs managed by an FMC, end to end through the CLI', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const fmc = () => lab.managers[0]!.handle;
  const state = () => fmc().state() as FmcState;
  const count = (c: string) => state().counters[c] ?? 0;
  const deploymentsOf = (name: string) => state().devices.find((d) => d.name === name)!.deployments.length;
  const served = (name: string) => handshake(lab.devices.find((d) => d.name === name)!.services.ravpn!, { servername: 'vpn-fmc.lab.example', caPem: lab.ca.bundlePem });
  const items = (r: RunReport) => r.devices.flatMap((d) => d.items);
  const serials = new Map<string, string>();

  /** Every item done, and each FTD's RA VPN port serves the serial the report names. */
  async function assertServed(report: RunReport, devices = DEVICES): Promise<void> {
    for (const name of devices) {
      const i = items(report).find((x) => x.device === name)!;
      assert.equal(i.outcome, 'done', `${name}: ${i.error}`);
      const s = await served(name);
      assert.equal(strip(s.serial), strip(i.serial!), `${name} serves what fwcert installed`);
      assert.equal(s.trusted, true, s.verifyError);
      assert.notEqual(serials.get(name), i.serial, `${name} got a new certificate`);
      serials.set(name, i.serial!);
    }
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-fmc-'));
    // The FMC's 120 requests a minute hold across runs: runs back to back would mostly wait that out.
    // Each run still paces itself at 120 a minute (rate_limit_per_min); 429s have their own test below.
    lab = await startLab({
      dir, fdm: 0, panos: 0, fmc: 1, fmcFtds: 3, fmcHa: true,
      knobs: { scm: { pendingPolls: 0 }, fmc: { taskDurationMs: 20, rateLimitPerMin: 100_000 } },
    });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes lab.json with the FMC under managers and its FTDs under devices', () => {
    const labJson = JSON.parse(readFileSync(lab.labJsonPath, 'utf8'));
    assert.deepEqual(labJson.managers.map((m: { name: string; type: string }) => [m.name, m.type]), [['fmc-1', 'cisco-fmc']]);
    const devs = labJson.devices.filter((d: { type: string }) => d.type.includes('fmc'));
    assert.deepEqual(devs.map((d: { name: string }) => d.name), DEVICES);
    for (const d of devs) {
      assert.equal(d.manager, 'fmc-1');
      assert.match(d.services.ravpn, /^127\.0\.0\.1:\d+$/);
    }
  });

  it('run enrolls a PKCS12 profile on 3 FTDs and an HA pair with 1 login and 1 deployment request', async () => {
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = json<RunReport>(r);
    assert.deepEqual(items(report).map((i) => i.device).sort(), DEVICES);
    assert.equal(count('logins'), 1);
    assert.equal(count('deploymentrequests'), 1);
    assert.equal(count('devices_deployed'), 4);
    await assertServed(report);
    assert.ok(state().certenrollments.some((e) => e.name === 'fmc-vpn_fmc1-ftd-1' && e.enrollmentType === 'PKCS12'));
  });

  it('a second run changes nothing: no deployment request', async () => {
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(items(json<RunReport>(r)).map((i) => i.outcome), ['ok', 'ok', 'ok', 'ok']);
    assert.equal(count('deploymentrequests'), 1);
    assert.equal(count('logins'), 2, 'one login per run');
  });

  it('renew --force serves new serials with one deployment request and removes the replaced trustpoints', async () => {
    const r = await cli('renew', '--force', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = json<RunReport>(r);
    assert.equal(count('deploymentrequests'), 2);
    await assertServed(report);
    for (const d of report.devices) assert.deepEqual(d.removed, ['fmc-vpn'], JSON.stringify(d));
    for (const d of state().devices) assert.equal(d.trustpoints.filter((t) => t.name.startsWith('fmc-vpn')).length, 1, JSON.stringify(d.trustpoints));
  });

  it('status lists every trustpoint of every FTD with its expiry, also the ones fwcert does not manage', async () => {
    const r = await cli('status', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const rows = json<StatusReport>(r).rows;
    for (const name of DEVICES) {
      const mine = rows.filter((x) => x.device === name);
      const managed = mine.find((x) => x.profile === 'fmc-vpn')!;
      assert.equal(strip(managed.serial!), strip(serials.get(name)!));
      assert.equal(managed.level, 'ok');
      const other = mine.find((x) => x.objectName === 'Lab-SelfSigned');
      assert.ok(other, `${name}: the self-signed trustpoint is listed: ${JSON.stringify(mine)}`);
      assert.equal(other.kind, 'unmanaged');
      assert.ok(other.notAfter && other.daysLeft! > 300, JSON.stringify(other));
      assert.match(other.note ?? '', /SELF_SIGNED_CERTFICATE/);
    }
  });

  it('one FTD whose deployment fails is named, exit 1, the others are fine; the next run deploys only that one', async () => {
    fmc().setKnobs({ failDeployFor: { 'fmc1-ftd-2': 1 } });
    const before2 = deploymentsOf('fmc1-ftd-2');
    const before1 = deploymentsOf('fmc1-ftd-1');
    const r = await cli('renew', '--force', '--json');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const report = json<RunReport>(r);
    const bad = report.devices.find((d) => d.device === 'fmc1-ftd-2')!;
    assert.match(bad.error ?? '', /fmc1-ftd-2.*FAILED/);
    assert.equal(count('deploymentrequests'), 3);
    await assertServed(report, ['fmc1-ftd-1', 'fmc1-ftd-3', 'fmc1-ha-1']);
    const r2 = await cli('run', '--json');
    assert.equal(r2.code, 0, r2.stdout + r2.stderr);
    assert.equal(count('deploymentrequests'), 4);
    assert.equal(deploymentsOf('fmc1-ftd-2'), before2 + 2, 'failed once, then deployed');
    assert.equal(deploymentsOf('fmc1-ftd-1'), before1 + 1, 'not deployed again');
    const installed = items(report).find((i) => i.device === 'fmc1-ftd-2')!;
    assert.equal(strip((await served('fmc1-ftd-2')).serial), strip(installed.serial!));
    serials.set('fmc1-ftd-2', installed.serial!);
  });

  it('someone else logging in with the same user mid-run, then a 429 storm: fwcert logs in again, backs off and finishes with one deployment request', async () => {
    // Both faults in one run (they are independent and counted apart): one CLI run less for the suite.
    const logins = count('logins');
    const before429 = count('status_429');
    const deploys = count('deploymentrequests');
    fmc().setKnobs({ foreignLoginAfterCalls: 12 });
    fmc().setKnobs({ storm429: 6 });
    // The lab's first backoff (0.2 s, doubled per retry) would wait up to 12.6 s out when one request
    // takes all six 429s; a tenth of it keeps the same retries and doubling.
    const text = readFileSync(lab.configPath, 'utf8');
    const cfg = parse(text) as { managers: Record<string, Record<string, unknown>> };
    cfg.managers['fmc-1']!.retry_backoff_s = 0.02;
    writeFileSync(lab.configPath, stringify(cfg));
    const r = await cli('renew', '--force', '--json').finally(() => writeFileSync(lab.configPath, text));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(count('foreign_logins'), 1);
    assert.equal(count('logins'), logins + 2, 'the run login and one login after the session was taken');
    // Exactly the storm: the lab enforces no per-minute limit here, and every 429 was retried.
    assert.equal(count('status_429'), before429 + 6);
    assert.equal(count('deploymentrequests'), deploys + 1);
    await assertServed(json<RunReport>(r));
  });

  it('an FTD with pending changes that are not fwcert\'s is not deployed; the others are', async () => {
    fmc().setKnobs({ foreignChangeOn: ['fmc1-ftd-3'] });
    const r = await cli('renew', '--force', '--json');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const report = json<RunReport>(r);
    const held = report.devices.find((d) => d.device === 'fmc1-ftd-3')!;
    assert.match(held.error ?? '', /not fwcert's.*AccessPolicy Default-Access-Policy by other-admin/);
    await assertServed(report, ['fmc1-ftd-1', 'fmc1-ftd-2', 'fmc1-ha-1']);
    assert.equal(strip((await served('fmc1-ftd-3')).serial), strip(serials.get('fmc1-ftd-3')!), 'fmc1-ftd-3 still serves the deployed one');
  });

  it('renewal on FMC 7.4 (no install API): each pair reports what to do in the UI, exit 1, the new enrollment objects are stored, the old certificates stay in service', async () => {
    fmc().setKnobs({ version: '7.4' });
    try {
      const deploys = count('deploymentrequests');
      const objects = (dev: string) => state().certenrollments.filter((e) => e.enrollmentType === 'PKCS12' && e.name.endsWith(`_${dev}`)).length;
      const before = DEVICES.map(objects);
      const r = await cli('renew', '--force', '--json');
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.deepEqual(DEVICES.map(objects), before.map((n) => n + 1), 'each pair has its new PKCS12 enrollment object ready for the UI');
      for (const i of items(json<RunReport>(r))) {
        assert.equal(i.outcome, 'failed');
        assert.match(i.error ?? '', /FMC 7\.4.*managecertificates needs FMC 7\.7.*Devices > Certificates/);
      }
      assert.equal(count('deploymentrequests'), deploys);
      for (const name of DEVICES) assert.equal(strip((await served(name)).serial), strip(serials.get(name)!), 'nothing else changed');
    } finally {
      fmc().setKnobs({ version: '7.7' });
    }
  });
});
