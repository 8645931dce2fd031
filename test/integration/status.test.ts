// `fwcert status` tells the truth (issue 8): a certificate installed but not committed is "pending commit"
// while the data-plane port still serves the old one; revoked and missing are critical (exit 3); --all
// lists what fwcert does not manage; a removed profile's certificates stay visible; a closed port is an
// error row, not a crash. Everything through the real CLI against the lab.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { parse, stringify } from 'yaml';
import type { RunReport } from '../../src/engine/report.js';
import type { StatusReport, StatusRow } from '../../src/engine/status.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { handshake } from '../../src/lab/handshake.js';
import { json, runCli } from '../support/cli.js';

describe('status: truthful per (profile, device), inventory, probes', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const status = async (...args: string[]) => {
    const r = await cli('status', '--json', ...args);
    return { code: r.code, rep: json<StatusReport>(r), stderr: r.stderr };
  };
  const managed = (rep: StatusReport, device: string, profile: string) =>
    rep.rows.find((r) => r.kind === 'managed' && r.device === device && r.profile === profile)!;
  const probeOf = (rep: StatusReport, label: string) => rep.rows.find((r) => r.kind === 'probe' && r.device === label)!;
  const strip = (s: string) => s.replace(/^0+/, '').toUpperCase();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-status-'));
    lab = await startLab({ dir, fdm: 2, panos: 1, knobs: { fdm: { deployDurationMs: 20 }, panos: { commitDurationMs: 20 } } });
    const r = await cli('run');
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('after a clean run everything is OK, and each probe serves the expected certificate', async () => {
    const { code, rep } = await status();
    assert.equal(code, 0, JSON.stringify(rep.rows, null, 1));
    for (const d of ['ftd-1', 'ftd-2']) assert.equal(managed(rep, d, 'vpn-portal').level, 'ok');
    assert.equal(managed(rep, 'pa-1', 'gp-portal').level, 'ok');
    const p = probeOf(rep, 'ftd-1 ravpn');
    assert.equal(p.level, 'ok', p.note);
    assert.equal(p.serial, managed(rep, 'ftd-1', 'vpn-portal').serial);
    assert.match(p.note!, /serves ftd-1's vpn-portal certificate/);
  });

  it('a failed commit shows "pending commit" (warning, exit 0 or 5 with --warn-exit) and the probe the old serial', async () => {
    const old = managed((await status()).rep, 'ftd-1', 'vpn-portal');
    lab.devices[0]!.handle.setKnobs({ failNextDeploy: true });
    const r = await cli('renew', '--force', '--device', 'ftd-1');
    assert.equal(r.code, 1, 'the deploy failed');
    const { code, rep } = await status();
    const row = managed(rep, 'ftd-1', 'vpn-portal');
    assert.equal(row.state, 'pending-commit');
    assert.equal(row.level, 'warn');
    assert.notEqual(row.serial, old.serial, 'the candidate is the new certificate');
    assert.equal(row.running?.serial, old.serial, 'the running configuration still uses the old one');
    const p = probeOf(rep, 'ftd-1 ravpn');
    assert.equal(p.serial, old.serial, 'the data plane still serves the old serial');
    assert.equal(p.state, 'pending-commit');
    const served = await handshake(lab.devices[0]!.services.ravpn!, { servername: 'vpn.lab.example', caPem: lab.ca.bundlePem });
    assert.equal(strip(served.serial), strip(old.serial!));
    assert.equal(code, 0, 'a warning alone exits 0 by default');
    // The text table, from the same call that checks --warn-exit (it changes only the exit code).
    const text = await cli('status', '--warn-exit');
    assert.equal(text.code, 5, '--warn-exit makes a warning page');
    assert.match(text.stdout, /WARN\s+ftd-1\s+vpn-portal\s+pending-commit\s+managed/);
    // The next run commits it; status is OK again and the probe serves the new serial.
    assert.equal((await cli('run')).code, 0);
    const after1 = await status();
    assert.equal(managed(after1.rep, 'ftd-1', 'vpn-portal').state, 'ok');
    assert.equal(probeOf(after1.rep, 'ftd-1 ravpn').serial, row.serial);
  });

  it('a certificate revoked at the CA is critical (exit 3), live and with --ledger-only', async () => {
    const row = managed((await status()).rep, 'ftd-2', 'vpn-portal');
    assert.ok(row.caId);
    const { login, password } = parse(readFileSync(join(dir, 'credentials', 'scm.yaml'), 'utf8')) as { login: string; password: string };
    const res = await request(`${lab.scm.baseUrl}/revoke/${row.caId}`, {
      method: 'POST', dispatcher: new Agent({ connect: { ca: lab.scm.certPem } }),
      headers: { login, password, customerUri: 'lab', 'content-type': 'application/json' }, body: JSON.stringify({ reasonCode: 4, reason: 'superseded (test)' }),
    });
    assert.equal(res.statusCode, 204, await res.body.text());
    for (const args of [[], ['--ledger-only']]) {
      const { code, rep } = await status(...args);
      const r = managed(rep, 'ftd-2', 'vpn-portal');
      assert.equal(r.state, 'revoked', args.join(' '));
      assert.equal(r.level, 'critical');
      assert.equal(code, 3, args.join(' '));
    }
    assert.equal((await cli('run')).code, 0, 'the run replaces it');
    assert.equal(managed((await status()).rep, 'ftd-2', 'vpn-portal').state, 'ok');
  });

  it('a configured target without a certificate is critical (exit 3)', async () => {
    const file = join(dir, 'profiles', 'extra.yaml');
    writeFileSync(file, stringify({
      name: 'extra', ca: 'lab-sectigo', sectigo: { cert_type: 3001, term: 365 }, subject: { cn: 'extra.lab.example' },
      key: { type: 'rsa', size: 2048 }, targets: [{ device: 'ftd-2', bind: { ssl_decryption: true } }],
    }));
    try {
      const { code, rep } = await status();
      const r = managed(rep, 'ftd-2', 'extra');
      assert.equal(r.state, 'missing');
      assert.equal(r.level, 'critical');
      assert.equal(code, 3);
    } finally {
      rmSync(file);
    }
  });

  it('--all lists unmanaged and CA certificates with expiry and where they are used', async () => {
    const { rep } = await status('--all');
    const fdmDefault = rep.rows.find((r) => r.device === 'ftd-1' && r.objectName === 'DefaultInternalCertificate')!;
    assert.equal(fdmDefault.kind, 'unmanaged');
    assert.ok(fdmDefault.notAfter && fdmDefault.daysLeft! > 3000);
    const fdmCa = rep.rows.find((r) => r.device === 'ftd-1' && r.objectName === 'NGFW-Default-InternalCA')!;
    assert.equal(fdmCa.kind, 'ca');
    assert.ok(fdmCa.notAfter);
    const pan = rep.rows.filter((r) => r.device === 'pa-1' && r.kind !== 'managed');
    assert.ok(pan.some((r) => r.kind === 'ca' && r.notAfter), JSON.stringify(pan));
    assert.ok(pan.some((r) => r.kind === 'unmanaged' && r.notAfter && r.bindings?.length), JSON.stringify(pan));
    // Managed certificates are not listed twice.
    assert.equal(rep.rows.filter((r) => r.device === 'ftd-1' && r.objectName === managed(rep, 'ftd-1', 'vpn-portal').objectName).length, 1);
  });

  it('removing a profile shows its certificates as "no longer managed", not nothing', async () => {
    const file = join(dir, 'profiles', 'gp-portal.yaml');
    renameSync(file, `${file}.off`);
    try {
      const { rep } = await status();
      const r = rep.rows.find((x) => x.device === 'pa-1' && x.profile === 'gp-portal')!;
      assert.ok(r, JSON.stringify(rep.rows));
      assert.equal(r.kind, 'retired');
      assert.equal(r.state, 'no-longer-managed');
      assert.ok(r.serial && r.notAfter);
      const text = await cli('status');
      assert.match(text.stdout, /WARN\s+pa-1\s+gp-portal\s+no-longer-managed\s+retired/);
    } finally {
      renameSync(`${file}.off`, file);
    }
  });

  it('run removes no-longer-managed certificates only with --remove-retired, and never one still in use', async () => {
    const file = join(dir, 'profiles', 'spare.yaml');
    writeFileSync(file, stringify({
      name: 'spare', ca: 'lab-sectigo', sectigo: { cert_type: 3001, term: 365 }, subject: { cn: 'spare.lab.example' },
      key: { type: 'rsa', size: 2048 }, targets: [{ device: 'ftd-2' }],
    }));
    assert.equal((await cli('run', '--profile', 'spare')).code, 0);
    const object = managed((await status()).rep, 'ftd-2', 'spare').objectName!;
    rmSync(file);
    const gp = join(dir, 'profiles', 'gp-portal.yaml');
    renameSync(gp, `${gp}.off`);
    try {
      assert.equal((await cli('run')).code, 0);
      const kept = (await status()).rep.rows.filter((r) => r.kind === 'retired').map((r) => `${r.device}/${r.objectName}`).sort();
      assert.deepEqual(kept, [`ftd-2/${object}`, 'pa-1/gp-portal'], 'a plain run removes nothing');
      const r = await cli('run', '--remove-retired', '--json');
      assert.equal(r.code, 0, r.stderr);
      const rep = json<RunReport>(r);
      assert.ok(rep.devices.some((d) => d.device === 'ftd-2' && d.removed.includes(object) && d.committed));
      assert.ok(rep.devices.some((d) => d.device === 'pa-1' && d.warnings.some((w) => /gp-portal .*still used by ssl_tls_service_profile gp-portal-profile/.test(w))));
      const left = (await status()).rep.rows.filter((r) => r.kind === 'retired').map((r) => `${r.device}/${r.objectName}`);
      assert.deepEqual(left, ['pa-1/gp-portal']);
      assert.ok(!JSON.stringify(lab.devices[1]!.handle.state()).includes(`"name":"${object}"`), 'deleted on the device');
    } finally {
      renameSync(`${gp}.off`, gp);
    }
  });

  it('a probe of a closed port is an error row in the report, not a crash', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const cfg = parse(readFileSync(lab.configPath, 'utf8')) as { probes: unknown[] };
    cfg.probes.push({ name: 'closed', address: `127.0.0.1:${port}` });
    const file = join(dir, 'fwcert-closed.yaml');
    writeFileSync(file, stringify(cfg));
    const r = await runCli(['--config', file, 'status', '--json']);
    assert.equal(r.code, 1, r.stderr);
    const row = json<StatusReport>(r).rows.find((x: StatusRow) => x.device === 'closed')!;
    assert.equal(row.level, 'error');
    assert.equal(row.state, 'probe-failed');
    assert.match(row.note!, /ECONNREFUSED/);
    assert.equal((await runCli(['--config', file, 'status', '--no-probe'])).code, 0);
  });
});
