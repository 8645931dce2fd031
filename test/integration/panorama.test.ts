// Issue 13: firewalls managed by Panorama. `fwcert lab up --panorama 1 --panorama-fws 3` and the real
// CLI: one Panorama commit + one push per run, every firewall's gp-portal serves the new certificate,
// per-firewall push failures reported by name and pushed again by the next run without a new order.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { handshake } from '../../src/lab/handshake.js';
import { json, runCli } from '../support/cli.js';

type PanoramaState = {
  jobs: { type: string; user: string; result: string; admins: string[] | null }[];
  pushJobs: { kind: string; name: string; admins: string[] | null; result: string; devices: { hostname: string; result: string }[] }[];
  certificates: { name: string; location: string }[];
  pendingChanges: Record<string, string[]>;
  candidateXml: string;
  runningXml: string;
  internalErrors: string[];
};
type FwState = { runningXml: string };
type StatusRows = { rows: { device: string; profile: string; serial?: string; objectName?: string; note?: string; level: string }[] };
const strip = (s: string) => s.toUpperCase().replace(/^0+/, '');

describe('Panorama template stack end to end through the CLI', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const pano = () => lab.panoramas[0]!;
  const st = () => pano().handle.state() as PanoramaState;
  const commits = () => st().jobs.filter((j) => j.type === 'Commit');
  const served = (i: number) => handshake(pano().firewalls[i]!.services['gp-portal']!, { servername: 'gp.lab.example', caPem: lab.ca.bundlePem });
  const scmOrders = () => {
    const c = (lab.scm.state() as { counters: Record<string, number> }).counters;
    return (c.enroll ?? 0) + (c.renewById ?? 0);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-panorama-'));
    lab = await startLab({
      dir, fdm: 0, panos: 0, panorama: 1, panoramaFws: 3,
      knobs: { panorama: { commitDurationMs: 50, pushDurationMs: 50 }, panos: { commitDurationMs: 50 } },
    });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lab up writes Panorama under managers and its firewalls as managed devices with gp-portal', () => {
    const labJson = JSON.parse(readFileSync(lab.labJsonPath, 'utf8')) as {
      managers: { name: string; type: string; url: string }[];
      devices: { name: string; type: string; manager?: string; services: Record<string, string> }[];
    };
    assert.deepEqual(labJson.managers.map((m) => [m.name, m.type]), [['panorama-1', 'panorama']]);
    const fws = labJson.devices.filter((d) => d.manager === 'panorama-1');
    assert.deepEqual(fws.map((d) => d.name), ['fw-1', 'fw-2', 'fw-3']);
    for (const d of fws) {
      assert.match(d.type, /pan/);
      assert.match(d.services['gp-portal']!, /^127\.0\.0\.1:\d+$/);
    }
    assert.match(readFileSync(lab.configPath, 'utf8'), /template_stack: fw-stack/);
  });

  it('run: one Panorama commit (fwcert only) and one push; all three firewalls serve the new certificate', async () => {
    const before = await Promise.all([0, 1, 2].map(served));
    assert.ok(before.every((s) => s.subjectCn === 'fw-stack-gp-portal'));
    await otherAdminChange(lab, pano().otherAdmin);
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = json<RunReport>(r);
    const item = report.devices[0]!.items[0]!;
    assert.equal(item.outcome, 'done');
    assert.equal(report.devices[0]!.committed, true);

    assert.equal(commits().length, 1, 'one Panorama commit');
    assert.deepEqual(commits()[0]!.admins, ['fwcert'], 'scoped to fwcert');
    assert.ok(st().pendingChanges['other-admin']?.length, "the other admin's change stays uncommitted");
    assert.equal(st().pushJobs.length, 1, 'one push');
    assert.deepEqual(st().pushJobs[0]!.devices.map((d) => [d.hostname, d.result]), [['fw-1', 'OK'], ['fw-2', 'OK'], ['fw-3', 'OK']]);
    assert.equal(st().pushJobs[0]!.kind, 'template-stack');
    assert.deepEqual(st().pushJobs[0]!.admins, ['fwcert'], 'the push is scoped to fwcert (Panorama 10.2+)');
    for (let i = 0; i < 3; i++) {
      const s = await served(i);
      assert.equal(s.subjectCn, 'gp.lab.example');
      assert.equal(s.trusted, true, s.verifyError);
      assert.equal(strip(s.serial), strip(item.serial!));
    }
    assert.deepEqual(st().internalErrors, []);

    // status: the template's certificate, and what each firewall runs (read through Panorama).
    const status = await cli('status', '--json');
    assert.equal(status.code, 0, status.stderr + status.stdout);
    const rows = json<StatusRows>(status).rows;
    assert.equal(rows.find((x) => x.device === 'panorama-1-stack')?.serial, item.serial);
    for (const fw of ['fw-1', 'fw-2', 'fw-3']) {
      const row = rows.find((x) => x.device === fw);
      assert.equal(row?.serial, item.serial, `${fw} runs the new certificate`);
      assert.match(row?.note ?? '', /^via panorama-1-stack$/);
    }
  });

  it('a second run does nothing', async () => {
    const orders = scmOrders();
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(json<RunReport>(r).devices[0]!.items.map((i) => i.outcome), ['ok']);
    assert.equal(commits().length, 1);
    assert.equal(st().pushJobs.length, 1);
    assert.equal(scmOrders(), orders);
  });

  it('renew --force rotates all three with one commit and one push, and the old object leaves template and firewalls', async () => {
    const old = json<StatusRows>(await cli('status', '--json'));
    const oldName = old.rows.find((x) => x.device === 'panorama-1-stack')!.objectName!;
    const r = await cli('renew', '--force', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = json<RunReport>(r);
    const item = report.devices[0]!.items[0]!;
    assert.notEqual(item.objectName, oldName);
    assert.deepEqual(report.devices[0]!.removed, [oldName]);
    assert.equal(commits().length, 2, 'one more Panorama commit');
    assert.equal(st().pushJobs.length, 2, 'one more push');
    for (let i = 0; i < 3; i++) assert.equal(strip((await served(i)).serial), strip(item.serial!));
    assert.ok(!st().runningXml.includes(`name="${oldName}"`), 'old object gone from Panorama');
    for (const f of pano().firewalls) assert.ok(!(f.handle.state() as FwState).runningXml.includes(`name="${oldName}"`), `old object gone from ${f.name}`);
  });

  it('a failed push on one firewall: exit 1 naming it; the next run pushes again without a new order', async () => {
    pano().handle.setKnobs({ pushFailDevices: ['fw-2'] });
    const r = await cli('renew', '--force', '--json');
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const report = json<RunReport>(r);
    assert.match(report.devices[0]!.error ?? '', /failed on fw-2;/, 'names the firewall that failed, only that one');
    assert.equal(report.devices[0]!.items[0]!.outcome, 'failed');
    const serial = report.devices[0]!.items[0]!.serial!;
    assert.equal(strip((await served(0)).serial), strip(serial));
    assert.notEqual(strip((await served(1)).serial), strip(serial));
    assert.equal(strip((await served(2)).serial), strip(serial));
    const pushes = st().pushJobs.length;
    const panoCommits = commits().length;
    const lagging = json<StatusRows>(await cli('status', '--json')).rows;
    assert.notEqual(lagging.find((x) => x.device === 'fw-2')?.serial, serial, 'status shows what fw-2 really runs');
    assert.match(lagging.find((x) => x.device === 'fw-2')?.note ?? '', /older certificate/);
    assert.equal(lagging.find((x) => x.device === 'fw-1')?.serial, serial);

    pano().handle.setKnobs({ pushFailDevices: [] });
    const orders = scmOrders();
    const again = await cli('run', '--json');
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.equal(scmOrders(), orders, 'no new CA order');
    assert.equal(st().pushJobs.length, pushes + 1, 'pushed again');
    assert.equal(commits().length, panoCommits, 'nothing new to commit on Panorama');
    assert.equal(strip((await served(1)).serial), strip(serial));
  });

  it('refuses the passive Panorama of an HA pair, clearly', async () => {
    pano().handle.setKnobs({ haState: 'passive' });
    try {
      const r = await cli('renew', '--force', '--json');
      assert.equal(r.code, 1);
      assert.match(json<RunReport>(r).devices[0]!.error ?? '', /passive Panorama.*active Panorama/);
    } finally {
      pano().handle.setKnobs({ haState: 'standalone' });
    }
  });

  it('refuses at load, with file:line, a profile name over 31 characters and device keys for a template', async () => {
    const base = { ca: 'lab-sectigo', sectigo: { cert_type: 3001, term: 365 }, subject: { cn: 'x.lab.example' }, targets: [{ device: 'panorama-1-stack' }] };
    const long = join(dir, 'profiles', 'long.yaml');
    writeFileSync(long, stringify({ name: 'gp-portal-pushed-from-panorama-01', key: { type: 'ecdsa', curve: 'P-256' }, ...base }));
    try {
      const r = await cli('run', '--dry-run');
      assert.equal(r.code, 2, r.stderr + r.stdout);
      assert.match(r.stderr, /long\.yaml:1: profile name "gp-portal-pushed-from-panorama-01" has 33 characters.*at most 31/);
    } finally {
      unlinkSync(long);
    }
    const dev = join(dir, 'profiles', 'devkey.yaml');
    writeFileSync(dev, stringify({ name: 'gp-devkey', key: { type: 'ecdsa', curve: 'P-256', generate: 'device' }, ...base }));
    try {
      const r = await cli('run', '--dry-run');
      assert.equal(r.code, 2, r.stderr + r.stdout);
      assert.match(r.stderr, /devkey\.yaml:\d+: key\.generate: device is not possible for panorama-1-stack/);
    } finally {
      unlinkSync(dev);
    }
  });
});

/** Another Panorama administrator's change, not committed: fwcert's commit must leave it alone. */
async function otherAdminChange(lab: Lab, other: { username: string; password: string }): Promise<void> {
  const p = lab.panoramas[0]!;
  const agent = new Agent({ connect: { ca: p.handle.certPem } });
  const post = async (params: Record<string, string>) => {
    const res = await request(`${p.handle.url}/api/`, { method: 'POST', dispatcher: agent, body: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    return res.body.text();
  };
  const key = /<key>([^<]+)<\/key>/.exec(await post({ type: 'keygen', user: other.username, password: other.password }))![1]!;
  const r = await post({ type: 'config', action: 'set', key, xpath: "/config/shared/tag/entry[@name='other-admins-tag']", element: '<color>color1</color>' });
  assert.match(r, /status="success"/, r);
  await agent.close();
}
