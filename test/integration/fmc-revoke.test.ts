// Issue 10: `revoke` works for FTDs behind an FMC as for the other targets. The CA revokes what the
// ledger recorded for the FMC pair, `status` calls it critical, and the next run replaces it: one order,
// one deployment request, and the RA VPN port serves the new certificate. Through the real CLI against the lab.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunReport } from '../../src/engine/report.js';
import type { StatusReport } from '../../src/engine/status.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { handshake } from '../../src/lab/handshake.js';
import { json, runCli } from '../support/cli.js';

const DEVICE = 'fmc1-ftd-1';
const strip = (s: string) => s.toUpperCase().replace(/^0+/, '');

describe('revoke on an FMC-managed FTD', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const fmcCount = (c: string) => (lab.managers[0]!.handle.state() as { counters: Record<string, number> }).counters[c] ?? 0;
  const scm = () => lab.scm.state() as { counters: Record<string, number>; certificates: { sslId: number; status: string }[] };
  const orders = () => (scm().counters.enroll ?? 0) + (scm().counters.renew ?? 0);
  const served = () => handshake(lab.devices.find((d) => d.name === DEVICE)!.services.ravpn!, { servername: 'vpn-fmc.lab.example', caPem: lab.ca.bundlePem });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-fmc-revoke-'));
    lab = await startLab({ dir, fdm: 0, panos: 0, fmc: 1, fmcFtds: 1, knobs: { scm: { pendingPolls: 0 }, fmc: { taskDurationMs: 20, rateLimitPerMin: 100_000 } } });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('revokes the FMC pair\'s certificate at the CA; status is critical; the next run replaces it with one deployment', async () => {
    const first = await cli('run', '--json');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const item = json<RunReport>(first).devices.flatMap((d) => d.items).find((i) => i.device === DEVICE)!;
    assert.equal(strip((await served()).serial), strip(item.serial!));

    const dry = await cli('revoke', '--profile', item.profile, '--reason', 'superseded', '--dry-run', '--json');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /would revoke/);
    assert.ok(scm().certificates.every((c) => c.status !== 'Revoked'), 'the dry run revoked nothing');

    const revoked = await cli('revoke', '--profile', item.profile, '--reason', 'superseded', '--yes', '--json');
    assert.equal(revoked.code, 0, revoked.stdout + revoked.stderr);
    const atCa = scm().certificates.find((c) => String(c.sslId) === item.caId);
    assert.equal(atCa?.status, 'Revoked', `SCM certificate ${item.caId} is revoked`);

    const status = await cli('status', '--json');
    assert.equal(status.code, 3, 'a revoked certificate in service is critical');
    const row = json<StatusReport>(status).rows.find((r) => r.device === DEVICE && r.profile === item.profile)!;
    assert.equal(row.state, 'revoked');

    const ordersBefore = orders();
    const deploysBefore = fmcCount('deploymentrequests');
    const next = await cli('run', '--json');
    assert.equal(next.code, 0, next.stdout + next.stderr);
    const replaced = json<RunReport>(next).devices.flatMap((d) => d.items).find((i) => i.device === DEVICE)!;
    assert.equal(replaced.action, 'replace');
    assert.equal(replaced.outcome, 'done', replaced.error);
    assert.equal(orders() - ordersBefore, 1, 'one new order at the CA');
    assert.equal(fmcCount('deploymentrequests') - deploysBefore, 1, 'one deployment request');
    assert.notEqual(strip(replaced.serial!), strip(item.serial!));
    assert.equal(strip((await served()).serial), strip(replaced.serial!), 'the RA VPN port serves the new certificate');
    assert.equal((await cli('status', '--json')).code, 0);
  });
});
