// Issue 10: an FTD cluster managed by an FMC is one fwcert device, addressed by its cluster name; the
// certificate is enrolled on the cluster (its control unit) and deployed once, and the cluster's data
// plane serves it. Through the real CLI against the lab FMC.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { handshake } from '../../src/lab/handshake.js';
import { json, runCli } from '../support/cli.js';

interface FmcState {
  counters: Record<string, number>;
  devices: { name: string; type: string; units?: string[]; deployments: { status: string }[]; trustpoints: { name: string; status: string }[] }[];
}
const CLUSTER = 'fmc1-cluster-1';
const strip = (s: string) => s.toUpperCase().replace(/^0+/, '');

describe('an FTD cluster managed by an FMC, by its cluster name, through the CLI', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const state = () => lab.managers[0]!.handle.state() as FmcState;
  const count = (c: string) => state().counters[c] ?? 0;
  const cluster = () => state().devices.find((d) => d.name === CLUSTER)!;
  const served = () => handshake(lab.devices.find((d) => d.name === CLUSTER)!.services.ravpn!, { servername: 'vpn-fmc.lab.example', caPem: lab.ca.bundlePem });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-fmc-cluster-'));
    lab = await startLab({ dir, fdm: 0, panos: 0, fmc: 1, fmcFtds: 1, fmcCluster: true, knobs: { scm: { pendingPolls: 0 }, fmc: { taskDurationMs: 20, rateLimitPerMin: 100_000 } } });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the lab lists the cluster as one device with its three units, and a ravpn port', () => {
    assert.deepEqual(cluster().units, ['fmc1-cluster-1a', 'fmc1-cluster-1b', 'fmc1-cluster-1c']);
    const labJson = JSON.parse(readFileSync(lab.labJsonPath, 'utf8'));
    const d = labJson.devices.find((x: { name: string }) => x.name === CLUSTER);
    assert.equal(d.manager, 'fmc-1');
    assert.match(d.services.ravpn, /^127\.0\.0\.1:\d+$/);
  });

  let serial = '';
  it('a PKCS12 profile targeting the cluster by name ends with its data plane serving the new certificate', async () => {
    const before = await served();
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const item = json<RunReport>(r).devices.flatMap((d) => d.items).find((i) => i.device === CLUSTER)!;
    assert.equal(item.outcome, 'done', item.error);
    const s = await served();
    assert.equal(strip(s.serial), strip(item.serial!), 'the cluster serves what fwcert installed');
    assert.notEqual(strip(s.serial), strip(before.serial));
    assert.equal(s.trusted, true, s.verifyError);
    serial = s.serial;
    assert.ok(cluster().trustpoints.some((t) => t.name === `fmc-vpn_${CLUSTER}` && t.status === 'AVAILABLE'), 'enrolled on the cluster');
    assert.deepEqual(cluster().deployments.map((d) => d.status), ['SUCCEEDED']);
    assert.equal(count('deploymentrequests'), 1, 'the cluster and the FTD in one deployment');
    assert.equal(count('logins'), 1);
  });

  it('a second run changes nothing', async () => {
    const before = { ...state().counters };
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const c of ['deploymentrequests', 'managecertificates', 'certenrollments_created', 'certenrollments_updated']) assert.equal(count(c), before[c] ?? 0, `${c} unchanged`);
    assert.equal(strip((await served()).serial), strip(serial));
  });

  it('a unit of the cluster, or an unknown name, exits 2 at check naming the cluster / listing what exists', async () => {
    const cfg = parse(readFileSync(lab.configPath, 'utf8')) as { devices: Record<string, unknown> };
    cfg.devices.unit = { type: 'cisco-fmc-ftd', manager: 'fmc-1', fmc_name: 'fmc1-cluster-1b' };
    cfg.devices.ghost = { type: 'cisco-fmc-ftd', manager: 'fmc-1', fmc_name: 'no-such-cluster' };
    const bad = join(dir, 'fwcert-cluster-bad.yaml');
    writeFileSync(bad, stringify(cfg));
    const r = await runCli(['--config', bad, 'check']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /devices\.unit: fmc1-cluster-1b is a unit of the cluster fmc1-cluster-1 on fmc-1; certificates are enrolled on the cluster: set fmc_name: fmc1-cluster-1/);
    assert.match(r.stdout, /devices\.ghost\.fmc_name: fmc-1 manages no FTD, HA pair or cluster named "no-such-cluster" in domain Global \(known: fmc1-cluster-1, fmc1-ftd-1\)/);
    assert.match(r.stdout, /fmc1-cluster-1\s+cisco-fmc-ftd\s+ok/);
  });
});
