// Issue 10: FTDs managed by an FMC, end to end through the real CLI against the lab over HTTPS:
// one login and one deployment request per run for all FTDs, the RA VPN port serving what was deployed.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { handshake } from '../../src/lab/handshake.js';
import { json, runCli } from '../support/cli.js';

type FmcState = { counters: Record<string, number>; devices: { name: string; pending: unknown[]; trustpoints: { name: string }[] }[] };
const strip = (s: string) => s.toUpperCase().replace(/^0+/, '');

describe('FTDs managed by an FMC, end to end through the CLI', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const fmc = () => lab.managers[0]!.handle;
  const state = () => fmc().state() as FmcState;
  const count = (c: string) => state().counters[c] ?? 0;
  const ftds = () => lab.devices.filter((d) => d.type === 'cisco-fmc-ftd');
  const served = (name: string) => handshake(lab.devices.find((d) => d.name === name)!.services.ravpn!, { servername: 'vpn-fmc.lab.example', caPem: lab.ca.bundlePem });
  const items = (r: RunReport) => r.devices.flatMap((d) => d.items);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-fmc-'));
    lab = await startLab({ dir, fdm: 0, panos: 0, fmc: 1, fmcFtds: 3, knobs: { scm: { pendingPolls: 0 }, fmc: { taskDurationMs: 50 } } });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes lab.json with the FMC under managers and its FTDs under devices', () => {
    const labJson = JSON.parse(readFileSync(lab.labJsonPath, 'utf8'));
    assert.deepEqual(labJson.managers.map((m: { name: string; type: string }) => [m.name, m.type]), [['fmc-1', 'cisco-fmc']]);
    const devs = labJson.devices.filter((d: { type: string }) => d.type.includes('fmc'));
    assert.equal(devs.length, 3);
    for (const d of devs) {
      assert.equal(d.manager, 'fmc-1');
      assert.match(d.services.ravpn, /^127\.0\.0\.1:\d+$/);
    }
  });

  let firstSerials = new Map<string, string>();

  it('run enrolls a PKCS12 profile on 3 FTDs with 1 login and 1 deployment request; each RA VPN port serves it', async () => {
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = json<RunReport>(r);
    assert.equal(items(report).length, 3);
    for (const i of items(report)) assert.equal(i.outcome, 'done', i.error);
    assert.equal(count('logins'), 1);
    assert.equal(count('deploymentrequests'), 1);
    assert.equal(count('devices_deployed'), 3);
    for (const i of items(report)) {
      const s = await served(i.device);
      assert.equal(strip(s.serial), strip(i.serial!), `${i.device} serves what fwcert installed`);
      assert.equal(s.trusted, true, s.verifyError);
      firstSerials.set(i.device, i.serial!);
    }
  });

  it('a second run changes nothing: no deployment request', async () => {
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(items(json<RunReport>(r)).map((i) => i.outcome), ['ok', 'ok', 'ok']);
    assert.equal(count('deploymentrequests'), 1);
    assert.equal(count('logins'), 2, 'one login per run');
  });

  it('renew --force serves new serials with one deployment request and removes the replaced trustpoints', async () => {
    const r = await cli('renew', '--force', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = json<RunReport>(r);
    assert.equal(count('deploymentrequests'), 2);
    for (const i of items(report)) {
      assert.equal(i.outcome, 'done', i.error);
      assert.notEqual(strip(i.serial!), strip(firstSerials.get(i.device)!));
      assert.equal(strip((await served(i.device)).serial), strip(i.serial!));
    }
    for (const d of report.devices) assert.deepEqual(d.removed, ['fmc-vpn'], JSON.stringify(d));
    for (const d of state().devices) assert.equal(d.trustpoints.length, 1, JSON.stringify(d.trustpoints));
  });
});
