// Faults on one device never stop the others; the report says why; the next run completes exactly
// that without a second CA order for the same need.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { parse, stringify } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { handshake } from '../../src/lab/handshake.js';
import { json, runCli } from '../support/cli.js';
import { holdLock, killHard } from '../support/lock-holder.js';

type ScmState = { counters: Record<string, number>; certificates: unknown[] };

describe('faults: SCM 500 on enroll, a failed FDM deploy, a token that expires mid-run', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const scm = () => lab.scm.state() as ScmState;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-faults-'));
    lab = await startLab({ dir, fdm: 3, panos: 0, knobs: { fdm: { deployDurationMs: 50 } } });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the run finishes the healthy devices, reports each failure with its reason, exits 1', async () => {
    lab.scm.setKnobs({ failNext: { enroll: { status: 500, code: -2, description: 'Internal error, contact Support', count: 1 } } });
    lab.devices[1]!.handle.setKnobs({ failNextDeploy: true });
    lab.devices[2]!.handle.setKnobs({ expireAfterCalls: 4 });
    const r = await cli('run', '--json', '--concurrency', '1');
    assert.equal(r.code, 1, r.stderr);
    const rep = json<RunReport>(r);
    const by = (n: string) => rep.devices.find((d) => d.device === n)!;
    // ftd-1 went first: SCM answered 500 on its enrollment.
    const f1 = by('ftd-1').items[0]!;
    assert.equal(f1.outcome, 'failed');
    assert.match(f1.error!, /-2 Internal error, contact Support/);
    // ftd-2: enrolled and installed, but the deploy failed.
    assert.match(by('ftd-2').error!, /commit failed: .*DEPLOY_FAILED|commit failed/);
    assert.equal(by('ftd-2').items[0]!.outcome, 'failed');
    // ftd-3: its token expired mid-run; fwcert logged in again and finished.
    assert.equal(by('ftd-3').items[0]!.outcome, 'done', by('ftd-3').items[0]!.error);
    assert.equal(by('ftd-3').committed, true);
  });

  it('the next run completes them without a second SCM enrollment for the same need', async () => {
    const issuedBefore = scm().certificates.length;
    assert.equal(issuedBefore, 2, 'ftd-2 and ftd-3 have their certificates; the 500 created none');
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const rep = json<RunReport>(r);
    const outcome = (n: string) => rep.devices.find((d) => d.device === n)!.items[0]!;
    // A 500 may hide an order SCM did make: the next run looks it up first, then sends the same CSR again.
    assert.equal(outcome('ftd-1').action, 'collect');
    assert.equal(outcome('ftd-1').outcome, 'done');
    assert.equal(outcome('ftd-2').outcome, 'ok', 'its certificate was already installed: only the deploy was owed');
    assert.equal(rep.devices.find((d) => d.device === 'ftd-2')!.committed, true);
    assert.equal(outcome('ftd-3').outcome, 'ok');
    assert.equal(scm().certificates.length, 3, 'exactly one new order: ftd-1');
    for (const d of lab.devices) {
      const s = await handshake(d.services.ravpn!, { servername: 'vpn.lab.example', caPem: lab.ca.bundlePem });
      assert.equal(s.trusted, true, `${d.name}: ${s.verifyError}`);
    }
  });

  it('an order still pending at the CA is kept and collected by the next run, never ordered twice', async () => {
    // A CA that waits for an administrator's approval, and a run that waits at most one second.
    const short = join(dir, 'fwcert-short.yaml');
    writeFileSync(short, readFileSync(lab.configPath, 'utf8').replace('max_wait_s: 20', 'max_wait_s: 1'));
    lab.scm.setKnobs({ requireApproval: true });
    const before1 = scm().certificates.length;
    const r = await runCli(['--config', short, 'renew', '--force', '--device', 'ftd-1', '--json']);
    assert.equal(r.code, 0, 'pending is not a failure');
    const pending = json<RunReport>(r).devices[0]!.items[0]!;
    assert.equal(pending.outcome, 'pending');
    assert.equal(scm().certificates.length, before1 + 1);
    const again = await runCli(['--config', short, 'run', '--device', 'ftd-1', '--json']);
    assert.equal(json<RunReport>(again).devices[0]!.items[0]!.action, 'collect', 'still waiting: collect, not a new order');
    assert.equal(scm().certificates.length, before1 + 1);
    lab.scm.setKnobs({ requireApproval: false });
    const { login, password } = parse(readFileSync(join(dir, 'credentials', 'scm.yaml'), 'utf8')) as { login: string; password: string };
    const res = await request(`${lab.scm.baseUrl}/approve/${pending.caId}`, {
      method: 'POST', dispatcher: new Agent({ connect: { ca: lab.scm.certPem } }),
      headers: { login, password, customerUri: 'lab', 'content-type': 'application/json' }, body: JSON.stringify({ message: 'approved by the test' }),
    });
    assert.equal(res.statusCode, 204, await res.body.text());
    const r2 = await cli('run', '--device', 'ftd-1', '--json');
    assert.equal(r2.code, 0, r2.stderr);
    const it2 = json<RunReport>(r2).devices[0]!.items[0]!;
    assert.equal(it2.action, 'collect');
    assert.equal(it2.outcome, 'done');
    assert.equal(it2.caId, pending.caId);
    assert.equal(scm().certificates.length, before1 + 1, 'collected, not re-ordered');
  });

  /** A profile of its own for ftd-3, so the request below is a first enrollment. */
  const addProfile = (name: string) =>
    writeFileSync(join(dir, 'profiles', `${name}.yaml`), stringify({
      name, ca: 'lab-sectigo', sectigo: { cert_type: 3001, term: 365 }, subject: { cn: `${name}.lab.example` },
      key: { type: 'rsa', size: 2048 }, targets: [{ device: 'ftd-3', bind: { ssl_decryption: true } }],
    }));
  const orders = () => scm().certificates.length;

  it('an enrollment whose answer was lost is found at the CA by the next run, not ordered again', async () => {
    addProfile('lost-answer');
    // SCM carries the enrollment out, then the connection drops before the answer arrives.
    lab.scm.setKnobs({ failNext: { enroll: { dropAnswer: true, count: 1 } } });
    const before1 = orders();
    const lost = await cli('run', '--profile', 'lost-answer', '--json');
    assert.equal(lost.code, 1, lost.stderr);
    assert.equal(orders(), before1 + 1, 'the CA did make the order');
    const next = await cli('run', '--profile', 'lost-answer', '--json');
    assert.equal(next.code, 0, next.stderr + next.stdout);
    const item = json<RunReport>(next).devices[0]!.items[0]!;
    assert.equal(item.action, 'collect');
    assert.equal(item.outcome, 'done', item.error);
    assert.equal(orders(), before1 + 1, 'found, not ordered a second time');
  });

  it('a request that never reached the CA is sent again with the same CSR', async () => {
    addProfile('never-arrived');
    lab.scm.setKnobs({ failNext: { enroll: { reset: true, count: 1 } } });
    const before1 = orders();
    const lost = await cli('run', '--profile', 'never-arrived', '--json');
    assert.equal(lost.code, 1);
    assert.equal(orders(), before1);
    const next = await cli('run', '--profile', 'never-arrived', '--json');
    assert.equal(next.code, 0, next.stderr + next.stdout);
    assert.equal(json<RunReport>(next).devices[0]!.items[0]!.outcome, 'done');
    assert.equal(orders(), before1 + 1);
  });

  it('a second run at the same time is refused with a clear message', async () => {
    const holder = await holdLock(join(dir, 'state', 'fwcert.db.lock')); // a run in progress, without timing games
    try {
      const b = await cli('run');
      assert.equal(b.code, 4, 'refused by the lock: its own exit code, not "a certificate failed"');
      assert.match(b.stderr, /another fwcert run is using this configuration/);
    } finally {
      await killHard(holder);
    }
  });

  it('an HA standby unit is refused with a clear message and counted as failed, not silently skipped', async () => {
    const d = lab.devices[0]!;
    d.handle.setKnobs({ haMode: 'standby' });
    const r = await cli('run', '--device', d.name, '--json');
    d.handle.setKnobs({ haMode: 'standalone' });
    assert.equal(r.code, 1);
    const dev = json<RunReport>(r).devices[0]!;
    assert.equal(dev.reachable, false);
    assert.match(dev.error!, /standby/i);
    assert.deepEqual(dev.items.map((i) => `${i.profile}:${i.outcome}`), ['vpn-portal:failed']);
  });
});
