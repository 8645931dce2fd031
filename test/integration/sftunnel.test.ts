// Issue 11: the FMC internal CA (sftunnel) through the real CLI against `fwcert lab` (FMC emulator
// + sftunnel port + SSH servers): detection without credentials in `fwcert status`, and
// `fwcert sftunnel renew` with a device down during generation, resumed after it is back.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import type { StatusReport } from '../../src/engine/status.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import type { RenewReport } from '../../src/sftunnel/renew.js';
import { json, runCli } from '../support/cli.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function lab(caDays: number, extra: Partial<Parameters<typeof startLab>[0]> = {}): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), 'fwcert-sftunnel-'));
  dirs.push(dir);
  return startLab({ dir, fdm: 0, panos: 0, fmc: 1, fmcFtds: 3, sftunnelCaDays: caDays, ...extra });
}

/** Rewrites the FMC entry of the lab's fwcert.yaml. */
function editFmc(l: Lab, edit: (entry: Record<string, any>) => void): void {
  const cfg = parse(readFileSync(l.configPath, 'utf8'));
  edit(cfg.managers['fmc-1']);
  writeFileSync(l.configPath, stringify(cfg));
}

const sftRows = (r: StatusReport) => r.rows.filter((x) => x.profile?.startsWith('sftunnel:'));

describe('FMC internal CA (sftunnel) through the CLI', { timeout: 600_000 }, () => {
  it('status: InternalCA 20 days from now is CRITICAL (exit 3) with no SSH credentials; 60 days is WARN', async () => {
    const l = await lab(20);
    try {
      const labJson = JSON.parse(readFileSync(l.labJsonPath, 'utf8'));
      assert.match(labJson.managers[0].services.sftunnel, /^127\.0\.0\.1:\d+$/);
      assert.match(labJson.managers[0].services.ssh, /^127\.0\.0\.1:\d+$/);
      editFmc(l, (e) => {
        delete e.ssh;
      });
      const prom = join(l.dir, 'fwcert.prom');
      const r = await runCli(['--config', l.configPath, 'status', '--json', '--prometheus', prom]);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      // The node_exporter textfile carries the InternalCA like every other certificate (3 = critical).
      const metrics = readFileSync(prom, 'utf8');
      assert.match(metrics, /^fwcert_certificate_state\{kind="probe",device="fmc-1",profile="sftunnel:InternalCA",object="\/etc\/sf\/ca_root\/cacert\.pem"[^}]*state="expiring"\} 3$/m);
      assert.match(metrics, /^fwcert_certificate_not_after_seconds\{[^}]*profile="sftunnel:InternalCA"[^}]*\} \d+$/m);
      const rows = sftRows(json<StatusReport>(r));
      const ca = rows.find((x) => x.profile === 'sftunnel:InternalCA')!;
      assert.equal(ca.device, 'fmc-1');
      assert.equal(ca.level, 'critical');
      assert.ok(ca.daysLeft! >= 19 && ca.daysLeft! <= 20, String(ca.daysLeft));
      assert.deepEqual(l.sftunnel.labs.get('fmc-1')!.world.passwordsOffered, {}, 'no SSH login was tried');
      const text = await runCli(['--config', l.configPath, 'status']);
      assert.match(text.stdout, /CRITICAL\s+fmc-1\s+sftunnel:InternalCA/);
    } finally {
      await l.close();
    }
    const w = await lab(60);
    try {
      const r = await runCli(['--config', w.configPath, 'status', '--json']);
      const ca = sftRows(json<StatusReport>(r)).find((x) => x.profile === 'sftunnel:InternalCA')!;
      assert.equal(ca.level, 'warn');
      // A configured target without a certificate is critical too (the lab's FTDs are not enrolled yet):
      // only those may be critical here, the InternalCA at 60 days is not.
      const critical = json<StatusReport>(r).rows.filter((x) => x.level === 'critical');
      assert.ok(critical.every((x) => x.kind === 'managed' && x.state === 'missing'), JSON.stringify(critical));
    } finally {
      await w.close();
    }
  });

  it('renew: 1 of 3 FTDs down during generation is listed with its FAILED_PUSH entries; the next renew copies only to it, all 3 connect, one CA generated', async () => {
    const l = await lab(20, { knobs: { sftunnel: { unreachable: ['fmc1-ftd-2'] } } });
    const cli = (...a: string[]) => runCli(['--config', l.configPath, ...a]);
    const world = l.sftunnel.labs.get('fmc-1')!.world;
    try {
      const refused = await cli('sftunnel', 'renew', '--fmc', 'fmc-1');
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /add --yes/);

      const dry = await cli('sftunnel', 'renew', '--fmc', 'fmc-1', '--dry-run');
      assert.equal(dry.code, 0, dry.stdout + dry.stderr);
      assert.match(dry.stdout, /would run generate_certs\.pl on fmc-1/);
      assert.equal(world.generationLog.length, 0);

      const first = await cli('sftunnel', 'renew', '--fmc', 'fmc-1', '--yes', '--json');
      assert.equal(first.code, 1, first.stdout + first.stderr);
      const r1 = json<RenewReport>(first);
      assert.equal(r1.nodes[0]!.generation, 'generated-now');
      assert.deepEqual(r1.nodes[0]!.devices.map((d) => [d.name, d.state]), [['fmc1-ftd-2', 'failed']]);
      assert.equal(r1.nodes[0]!.devices[0]!.failedPush.length, 3);
      assert.match(r1.nodes[0]!.devices[0]!.error ?? '', /fmc1-ftd-2/);

      const st = await cli('sftunnel', 'status', '--json');
      assert.equal(st.code, 1, 'a peer is not connected');
      const node = json<{ nodes: { fmc: string; level: string; ssh: { peers: { connected: boolean }[] }; progress: { phase: string } }[] }>(st).nodes[0]!;
      assert.equal(node.level, 'ok');
      assert.deepEqual(node.ssh.peers.map((p) => p.connected), [true, false, true]);
      assert.equal(node.progress.phase, 'generated');

      l.sftunnel.labs.get('fmc-1')!.setKnobs({ unreachable: [] });
      const second = await cli('sftunnel', 'renew', '--fmc', 'fmc-1', '--yes');
      assert.equal(second.code, 0, second.stdout + second.stderr);
      assert.match(second.stdout, /fmc1-ftd-2\s+192\.0\.2\.\d+\s+RECONNECTED/);
      assert.match(second.stdout, /3\/3 peers connected/);
      assert.equal(world.generationLog.length, 1, 'the InternalCA was generated exactly once');
      assert.deepEqual(world.ftds.map((d) => [d.name, d.restarts]), [['fmc1-ftd-1', 0], ['fmc1-ftd-2', 1], ['fmc1-ftd-3', 0]]);

      const status = await cli('status', '--json');
      const ca = sftRows(json<StatusReport>(status)).find((x) => x.profile === 'sftunnel:InternalCA')!;
      assert.equal(ca.level, 'ok');
      assert.ok(ca.daysLeft! > 3000);
    } finally {
      await l.close();
    }
  });

  it('FMC HA in the lab (--fmc-secondary): both nodes watched; a wrong SSH host key fingerprint stops renew before any credential is sent', async () => {
    const l = await lab(20, { fmcSecondary: true });
    try {
      const st = await runCli(['--config', l.configPath, 'sftunnel', 'status', '--json']);
      assert.equal(st.code, 3, st.stdout + st.stderr);
      const nodes = json<{ nodes: { fmc: string; role: string; level: string; ssh: { peers: unknown[]; hotfix: boolean } }[] }>(st).nodes;
      assert.deepEqual(nodes.map((n) => [n.fmc, n.role, n.level]), [['fmc-1', 'primary', 'critical'], ['fmc-1-secondary', 'secondary', 'ok']]);
      assert.equal(nodes[0]!.ssh.peers.length, 4, 'the primary manages 3 FTDs and the secondary');
      assert.equal(nodes[1]!.ssh.hotfix, true);
      const world = l.sftunnel.labs.get('fmc-1')!.world;
      const offered = { ...world.passwordsOffered };
      editFmc(l, (e) => {
        e.ssh.host_key_sha256 = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';
      });
      const r = await runCli(['--config', l.configPath, 'sftunnel', 'renew', '--fmc', 'fmc-1', '--yes']);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /STOPPED: SSH host key of 127\.0\.0\.1:\d+ is SHA256:\S+, not the pinned SHA256:47DEQ.*stopped before logging in/);
      assert.match(r.stdout, /fmc-1-secondary \(secondary\): not-run\n\s+STOPPED: waits for the primary fmc-1/);
      assert.deepEqual(world.passwordsOffered, offered, 'no password offered to the primary, nor to the secondary');
      assert.equal(world.generationLog.length, 0);
    } finally {
      await l.close();
    }
  });
});
