// Issue "core end to end": two emulated FTDs and the SCM emulator, driven by the real CLI over HTTPS.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { RunReport } from '../../src/engine/report.js';
import type { StatusReport } from '../../src/engine/status.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { handshake } from '../../src/lab/handshake.js';
import { json, runCli } from '../support/cli.js';

type Counters = { counters: Record<string, number> };
const strip = (s: string) => s.toUpperCase().replace(/^0+/, '');

describe('FTD + Sectigo SCM, end to end through the CLI', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const scmCount = (op: string) => (lab.scm.state() as Counters).counters[op] ?? 0;
  const deploys = (i: number) => (lab.devices[i]!.handle.state() as Counters).counters.deploy ?? 0;
  const served = (i: number) => handshake(lab.devices[i]!.services.ravpn!, { servername: 'vpn.lab.example', caPem: lab.ca.bundlePem });
  const items = (r: RunReport) => r.devices.flatMap((d) => d.items);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-it-'));
    lab = await startLab({ dir, fdm: 2, panos: 0, knobs: { scm: { pendingPolls: 1 }, fdm: { deployDurationMs: 100 } } });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let firstSerials: string[] = [];

  it('run enrolls every profile on every device, deploys once each, and the RA VPN port serves the new certificate', async () => {
    const before0 = await served(0);
    assert.equal(before0.trusted, false, 'before the run the device serves its default self-signed certificate');
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = json<RunReport>(r);
    assert.equal(items(report).length, 2);
    for (const i of items(report)) {
      assert.equal(i.action, 'enroll');
      assert.equal(i.outcome, 'done', i.error);
      assert.equal(i.objectName, 'vpn-portal');
    }
    assert.equal(deploys(0), 1);
    assert.equal(deploys(1), 1);
    assert.equal(scmCount('enroll'), 2);
    firstSerials = items(report).map((i) => i.serial!);
    for (const [idx, dev] of lab.devices.entries()) {
      const s = await served(idx);
      const mine = items(report).find((i) => i.device === dev.name)!;
      assert.equal(strip(s.serial), strip(mine.serial!), `${dev.name} serves what fwcert installed`);
      assert.equal(s.trusted, true, s.verifyError);
      assert.equal(s.issuerCn, 'fwcert Lab Issuing CA');
    }
  });

  it('a second run changes nothing: no SCM enrollment, no deploy', async () => {
    const enrolls = scmCount('enroll');
    const renews = scmCount('renewById');
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(items(json<RunReport>(r)).map((i) => i.outcome), ['ok', 'ok']);
    assert.equal(scmCount('enroll'), enrolls);
    assert.equal(scmCount('renewById'), renews);
    assert.equal(deploys(0), 1);
    assert.equal(deploys(1), 1);
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const r = await cli('renew', '--force', '--dry-run', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(items(json<RunReport>(r)).map((i) => `${i.action}/${i.outcome}`), ['renew/planned', 'renew/planned']);
    assert.equal(deploys(0), 1);
  });

  it('renew --force gives every certificate a new serial, served on the TLS port, and the old object is gone', async () => {
    const renewsBefore = scmCount('renewById');
    const r = await cli('renew', '--force', '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = json<RunReport>(r);
    assert.equal(scmCount('renewById'), renewsBefore + 2, 'renewals use SCM renewById with the kept sslId');
    for (const [idx, dev] of lab.devices.entries()) {
      const mine = items(report).find((i) => i.device === dev.name)!;
      assert.equal(mine.outcome, 'done', mine.error);
      assert.match(mine.objectName!, /^vpn-portal-\d{8}-\d{4}$/);
      assert.ok(!firstSerials.includes(mine.serial!), 'a new serial');
      assert.equal(strip((await served(idx)).serial), strip(mine.serial!));
      const d = report.devices.find((x) => x.device === dev.name)!;
      assert.deepEqual(d.removed, ['vpn-portal']);
      const names = JSON.stringify(dev.handle.state());
      assert.ok(!names.includes('"name":"vpn-portal"'), 'the old internal certificate is deleted');
    }
  });

  it('status --json lists every managed certificate with notAfter and days left', async () => {
    const r = await cli('status', '--json');
    assert.equal(r.code, 0, r.stderr);
    const st = json<StatusReport>(r);
    const managed = st.rows.filter((x) => x.kind === 'managed');
    assert.equal(managed.length, 2);
    for (const row of managed) {
      assert.equal(row.level, 'ok');
      assert.ok(row.notAfter && Date.parse(row.notAfter) > Date.now());
      assert.ok(row.daysLeft! >= 360 && row.daysLeft! <= 366, String(row.daysLeft));
      assert.ok(row.caId, 'the SCM sslId is joined from the ledger');
    }
    const warn = await cli('status', '--critical-days', '400', '--warn-days', '500');
    assert.equal(warn.code, 3, 'past the critical threshold exits 3');
    assert.match(warn.stdout, /CRITICAL/);
  });

  it('no password appears in logs, the ledger or JSON output', async () => {
    const secrets = readdirSync(join(dir, 'credentials')).map((f) => (parse(readFileSync(join(dir, 'credentials', f), 'utf8')) as { password: string }).password);
    const log = readFileSync(join(dir, 'logs', 'fwcert.log'), 'utf8');
    assert.ok(log.includes('installed vpn-portal'), 'the log records the main events');
    const db = readdirSync(join(dir, 'state')).map((f) => readFileSync(join(dir, 'state', f)).toString('latin1')).join('');
    const out = (await cli('status', '--json')).stdout + (await cli('run', '--json', '--dry-run')).stdout;
    for (const s of secrets) {
      assert.ok(!log.includes(s), 'log');
      assert.ok(!db.includes(s), 'ledger');
      assert.ok(!out.includes(s), 'json');
    }
    assert.ok(!log.includes('PRIVATE KEY') && !db.includes('PRIVATE KEY'));
  });

  it('bad input exits 2 with file:line and sends nothing', async () => {
    const calls = () => deploys(0) + scmCount('enroll') + ((lab.devices[0]!.handle.state() as Counters).counters.token ?? 0);
    const before1 = calls();
    const bad = join(dir, 'bad.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(bad, readFileSync(lab.configPath, 'utf8').replace('profiles_dir: profiles', 'profiles_dir: profiles\nprofiles:\n  - { name: x, ca: lab-sectigo, sectigo: { cert_type: 3001, term: 365 }, subject: { cn: x.example }, key: { type: rsa, size: 1024 }, targets: [{ device: ftd-1 }] }'));
    const r = await runCli(['--config', bad, 'run']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml:\d+: .*RSA 1024 is not allowed/);
    assert.equal(calls(), before1);
  });
});
