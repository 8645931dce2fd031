// Bounded run time: a device or CA that drips its answer, or sends an endless body, costs a run at
// most its timeout_s; max_run_s bounds the whole run. Each ends with a clear per-device error,
// exit 1, and the run lock released.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { RunLock } from '../../src/engine/lock.js';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { json, runCli } from '../support/cli.js';
import { startHostileServer, type HostileServer } from '../support/hostile-server.js';

type Cfg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('bounded run time', { timeout: 300_000 }, () => {
  let lab: Lab;
  let dir: string;
  let drip: HostileServer;
  let endless: HostileServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-deadline-'));
    lab = await startLab({ dir, fdm: 1, panos: 0 });
    drip = await startHostileServer('drip');
    endless = await startHostileServer('endless');
    writeFileSync(join(dir, 'credentials', 'pa-x.yaml'), 'username: fwcert\npassword: not-used-1\n', { mode: 0o600 });
  });
  after(async () => {
    await drip.close();
    await endless.close();
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const profile = (name: string, device: string, ca = 'lab-sectigo', bind: Record<string, unknown> = { ssl_decryption: true }) => ({
    name, ca, sectigo: { cert_type: 3001, term: 365 }, subject: { cn: `${name}.lab.example` },
    key: { type: 'rsa', size: 2048 }, targets: [{ device, bind }],
  });

  /** The lab's config plus `edit`, written as its own file with its own ledger. */
  function config(name: string, edit: (c: Cfg) => void): string {
    const c = parse(readFileSync(lab.configPath, 'utf8')) as Cfg;
    delete c.profiles_dir;
    c.ledger = { path: `state/${name}.db` };
    edit(c);
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, stringify(c));
    return path;
  }
  const lockFree = (name: string) => RunLock.acquire(join(dir, 'state', `${name}.db.lock`)).release();

  it('a dripping device and an endless PAN-OS answer fail alone, with their reason; the healthy device is done', async () => {
    const path = config('slow-devices', (c) => {
      c.devices['drip-1'] = { type: 'cisco-fdm', url: drip.url, credentials: 'credentials/ftd-1.yaml', tls: { sha256: drip.sha256 }, timeout_s: 1 };
      c.devices['flood-1'] = { type: 'paloalto', url: endless.url, credentials: 'credentials/pa-x.yaml', tls: { sha256: endless.sha256 }, timeout_s: 120 };
      c.profiles = [profile('on-drip', 'drip-1'), profile('on-flood', 'flood-1', 'lab-sectigo', {}), profile('healthy', 'ftd-1')];
    });
    const started = Date.now();
    const r = await runCli(['--config', path, 'run', '--json']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(Date.now() - started < 120_000, 'far below the endless body at loopback speed or the drip forever');
    const rep = json<RunReport>(r);
    const by = (n: string) => rep.devices.find((d) => d.device === n)!;
    assert.match(by('drip-1').error!, /drip-1: .* got no complete answer within 1 s \(timeout_s\)/);
    assert.equal(by('drip-1').items[0]!.outcome, 'failed');
    assert.match(by('flood-1').error!, /flood-1: .* answered with a body larger than \d+ bytes; refused/);
    assert.equal(by('ftd-1').items[0]!.outcome, 'done', by('ftd-1').items[0]!.error);
    lockFree('slow-devices');
  });

  it('a CA that drips its answer fails the certificate after the CA timeout_s', async () => {
    const path = config('slow-ca', (c) => {
      c.cas['drip-ca'] = { type: 'sectigo-scm', url: `${drip.url}/api/ssl/v1`, customer_uri: 'lab', org_id: 1, credentials: 'credentials/scm.yaml', tls: { sha256: drip.sha256 }, timeout_s: 1 };
      c.profiles = [profile('from-slow-ca', 'ftd-1', 'drip-ca')];
      c.profiles[0].sectigo = { cert_type: 3001, term: 365 };
    });
    const r = await runCli(['--config', path, 'run', '--json']);
    assert.equal(r.code, 1, r.stderr);
    const item = json<RunReport>(r).devices[0]!.items[0]!;
    assert.equal(item.outcome, 'failed');
    assert.match(item.error!, /no complete answer within 1 s \(timeout_s\)/);
    lockFree('slow-ca');
  });

  it('max_run_s ends a run whose device would hold it for ten minutes: per-device error, exit 1, lock released', async () => {
    const path = config('max-run', (c) => {
      c.max_run_s = 1;
      c.devices['drip-1'] = { type: 'cisco-fdm', url: drip.url, credentials: 'credentials/ftd-1.yaml', tls: { sha256: drip.sha256 }, timeout_s: 600 };
      c.profiles = [profile('on-drip', 'drip-1')];
    });
    const started = Date.now();
    const r = await runCli(['--config', path, 'run', '--json']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(Date.now() - started < 120_000, 'ended by max_run_s, long before the 600 s request deadline');
    const d = json<RunReport>(r).devices[0]!;
    assert.equal(d.device, 'drip-1');
    assert.match(d.error!, /run time limit reached \(max_run_s: 1 s\)/);
    assert.deepEqual(d.items.map((i) => `${i.profile}:${i.outcome}`), ['on-drip:failed']);
    lockFree('max-run');
  });
});
