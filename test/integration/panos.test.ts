// Issue "PAN-OS on the same core": two emulated PAN-OS firewalls and one FTD, driven by the real CLI.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab, type LabDevice } from '../../src/lab/fleet.js';
import { handshake } from '../../src/lab/handshake.js';
import { json, runCli } from '../support/cli.js';

type PanState = {
  counters: Record<string, number>;
  pendingChanges: Record<string, string[]>;
  runningCertificates: { name: string; serial: string | null; cn: string | null }[];
  certificates: { name: string; serial: string | null }[];
  runningXml: string;
  candidateXml: string;
  internalErrors: string[];
  jobs: { type: string; result: string; admins: string[] | null; description: string }[];
};
const strip = (s: string) => s.toUpperCase().replace(/^0+/, '');

/** What another administrator does in the web UI: a change of their own, not committed. */
async function otherAdminChange(dev: LabDevice): Promise<void> {
  const agent = new Agent({ connect: { ca: dev.handle.certPem } });
  const post = async (params: Record<string, string>) => {
    const res = await request(`${dev.url}/api/`, { method: 'POST', dispatcher: agent, body: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    return res.body.text();
  };
  const keyXml = await post({ type: 'keygen', user: dev.otherAdmin!.username, password: dev.otherAdmin!.password });
  const key = /<key>([^<]+)<\/key>/.exec(keyXml)![1]!;
  const r = await post({ type: 'config', action: 'set', key, xpath: "/config/shared/tag/entry[@name='other-admins-tag']", element: '<color>color1</color>' });
  assert.match(r, /status="success"/, r);
  await agent.close();
}

describe('PAN-OS (+ FTD) end to end through the CLI', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const pan = () => lab.devices.filter((d) => d.type === 'paloalto');
  const st = (d: LabDevice) => d.handle.state() as PanState;
  const served = (d: LabDevice) => handshake(d.services['gp-portal']!, { servername: 'gp.lab.example', caPem: lab.ca.bundlePem });
  const scm = (op: string) => ((lab.scm.state() as { counters: Record<string, number> }).counters[op] ?? 0);
  const items = (r: RunReport) => r.devices.flatMap((d) => d.items);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-pan-'));
    lab = await startLab({ dir, fdm: 1, panos: 2, knobs: { fdm: { deployDurationMs: 50 }, panos: { commitDurationMs: 100 } } });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('one run enrolls every profile on both kinds of device with exactly one commit job per PAN-OS device', async () => {
    await otherAdminChange(pan()[0]!);
    for (const d of pan()) assert.equal((await served(d)).trusted, false);
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = json<RunReport>(r);
    assert.equal(items(report).length, 3);
    for (const i of items(report)) assert.equal(i.outcome, 'done', `${i.device}: ${i.error}`);
    for (const d of pan()) {
      const s = st(d);
      assert.equal(s.counters.commit, 1, `${d.name}: one commit`);
      const commits = s.jobs.filter((j) => /commit/i.test(j.type));
      assert.equal(commits.length, 1);
      assert.deepEqual(commits[0]!.admins, ['fwcert'], 'scoped to the connector admin');
      const mine = items(report).find((i) => i.device === d.name)!;
      const got = await served(d);
      assert.equal(strip(got.serial), strip(mine.serial!));
      assert.equal(got.trusted, true, got.verifyError);
      // The key was generated on the firewall: the running config holds a certificate with a key.
      assert.ok(s.runningCertificates.some((c) => c.name === 'gp-portal' && strip(c.serial ?? '') === strip(mine.serial!)));
    }
  });

  it("another admin's pending change is still uncommitted afterwards", () => {
    const s = st(pan()[0]!);
    assert.ok((s.pendingChanges['other-admin'] ?? []).length > 0, JSON.stringify(s.pendingChanges));
    assert.ok(!s.runningXml.includes('other-admins-tag'));
  });

  it('a second run changes nothing', async () => {
    const enrolls = scm('enroll');
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(items(json<RunReport>(r)).every((i) => i.outcome === 'ok'));
    assert.equal(scm('enroll'), enrolls);
    for (const d of pan()) assert.equal(st(d).counters.commit, 1);
  });

  it('renew --force serves a new serial and the old object is gone from the running config', async () => {
    const r = await cli('renew', '--force', '--device', 'pa-1', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const it0 = items(json<RunReport>(r))[0]!;
    assert.match(it0.objectName!, /^gp-portal-\d{8}-\d{4}$/);
    const d = pan()[0]!;
    assert.equal(strip((await served(d)).serial), strip(it0.serial!));
    const names = st(d).runningCertificates.map((c) => c.name);
    assert.ok(!names.includes('gp-portal'), names.join(','));
    assert.ok(names.includes(it0.objectName!));
  });

  it('a failing commit job reports the device as failed with the job lines, and the next run commits it without a new order', async () => {
    const d = pan()[1]!;
    d.handle.setKnobs({ failNextCommit: ['Validation Error: ssl-tls-service-profile is invalid (lab-injected)'] });
    const r = await cli('renew', '--force', '--device', 'pa-2', '--json');
    assert.equal(r.code, 1);
    const dev = json<RunReport>(r).devices[0]!;
    assert.match(dev.error!, /commit failed/);
    assert.ok(JSON.stringify(dev.detail).includes('lab-injected'), JSON.stringify(dev));
    const renewed = items(json<RunReport>(r))[0]!;
    const orders = scm('enroll') + scm('renewById');
    const again = await cli('run', '--device', 'pa-2', '--json');
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.equal(json<RunReport>(again).devices[0]!.committed, true);
    assert.equal(scm('enroll') + scm('renewById'), orders, 'no second order for the same need');
    assert.equal(strip((await served(d)).serial), strip(renewed.serial!));
  });

  it('XML/xpath injection strings only ever land as values', async () => {
    // Subject fields may not carry < > ' " & (refused at load, below); xpath syntax they may carry
    // must reach the firewall as a value, never as part of an xpath or an element.
    const xpathish = 'a]/x | //entry[@name=1] (y)';
    const evil = "a']/x | <y>&";
    const profile = (o: string) => stringify({
      name: 'inject', ca: 'lab-sectigo', sectigo: { cert_type: 3001, term: 365, comments: evil },
      subject: { cn: 'inject.lab.example', o, ou: `${o} ou` }, key: { type: 'rsa', size: 2048 },
      targets: [{ device: 'pa-2', bind: {} }],
    });
    const commitsBefore = st(pan()[1]!).counters.commit;
    writeFileSync(join(dir, 'profiles', 'inject.yaml'), profile(evil));
    const refused = await cli('run', '--device', 'pa-2', '--json');
    assert.equal(refused.code, 2, refused.stderr + refused.stdout);
    assert.match(refused.stderr, /inject\.yaml:\d+: subject\.o: no control characters .* none of < > ' " &/);
    assert.equal(st(pan()[1]!).counters.commit, commitsBefore, 'refused before any call');
    writeFileSync(join(dir, 'profiles', 'inject.yaml'), profile(xpathish));
    const r = await cli('run', '--device', 'pa-2', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const s = st(pan()[1]!);
    assert.deepEqual(s.internalErrors, []);
    assert.ok(s.runningCertificates.some((c) => c.name === 'inject'));
    assert.ok(!/<y>|<x>|<x\/>/.test(s.runningXml), 'no element was injected');
    assert.ok(s.runningXml.includes(xpathish), 'the string is kept as a value');
    const badName = join(dir, 'profiles', 'zz-bad.yaml');
    writeFileSync(badName, stringify({ name: evil, ca: 'lab-sectigo', sectigo: { cert_type: 3001, term: 365 }, subject: { cn: 'x.lab.example' }, key: { type: 'rsa', size: 2048 }, targets: [{ device: 'pa-2' }] }));
    const commits = s.counters.commit;
    const bad = await cli('run');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /zz-bad\.yaml:1: name: a profile name/);
    assert.equal(st(pan()[1]!).counters.commit, commits);
    rmSync(badName);
  });
});
