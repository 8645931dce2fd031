// The sftunnel renewal job against the lab's FMC / FTD SSH servers and sftunnel port: probe
// without credentials, host key pinning, prerequisites, generate once, FAILED_PUSH, copy to the
// failed device only, resume, and HA order.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../../src/core/log.js';
import { startSftunnelLab, type SftunnelLab } from '../../src/lab/sftunnel/index.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { certFingerprintSha256 } from '../../src/pki/index.js';
import { ExpertShell } from '../../src/sftunnel/expert-shell.js';
import { probeSftunnel } from '../../src/sftunnel/probe.js';
import { ProgressStore } from '../../src/sftunnel/progress.js';
import { renewSftunnel } from '../../src/sftunnel/renew.js';
import type { SftunnelSite, SshEndpoint } from '../../src/sftunnel/site.js';

const DAY = 86_400_000;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function ledger(): Ledger {
  const d = mkdtempSync(join(tmpdir(), 'fwcert-sftunnel-'));
  dirs.push(d);
  return new Ledger(join(d, 'fwcert.db'));
}

function site(lab: SftunnelLab, pinOverride?: string): SftunnelSite {
  const ep = (e: SftunnelLab['ftds'][number]): SshEndpoint => ({ address: e.ssh.address, username: e.user.username, password: e.user.password, pin: { sha256: e.ssh.hostKeySha256 } });
  const [p, s] = lab.fmcs;
  return {
    manager: 'fmc-1',
    primary: { name: p!.name, role: 'primary', sftunnel: p!.sftunnel, ssh: { ...ep(p!), pin: { sha256: pinOverride ?? p!.ssh.hostKeySha256 } } },
    secondary: s ? { name: s.name, role: 'secondary', sftunnel: s.sftunnel, ssh: ep(s) } : undefined,
    devices: new Map(lab.ftds.map((d) => [d.name, ep(d)])),
  };
}

const opts = { dryRun: false, log: silentLogger(), verifyIntervalMs: 50, verifyTimeoutMs: 2_000 };

describe('sftunnel renewal against the lab', { timeout: 240_000 }, () => {
  it('reads the InternalCA expiry from the sftunnel port with no credentials', async () => {
    const lab = await startSftunnelLab({ fmcName: 'fmc-1', ftdNames: ['ftd-1'], caDays: 20 });
    try {
      const chain = await probeSftunnel(lab.fmcs[0]!.sftunnel);
      assert.equal(chain.ca?.title, 'InternalCA');
      const days = (Date.parse(chain.ca!.notAfter) - Date.now()) / DAY;
      assert.ok(days > 19 && days <= 20, `InternalCA days left: ${days}`);
      assert.match(chain.leaf.issuer, /InternalCA/);
      assert.equal(Object.keys(lab.world.passwordsOffered).length, 0);
    } finally {
      await lab.close();
    }
  });

  it('1 of 3 FTDs unreachable: FAILED_PUSH lists it; the next run copies only to it and generates nothing', async () => {
    const lab = await startSftunnelLab({ fmcName: 'fmc-1', ftdNames: ['ftd-1', 'ftd-2', 'ftd-3'], caDays: 20, knobs: { unreachable: ['ftd-2'] } });
    const l = ledger();
    try {
      const first = await renewSftunnel(site(lab), l, opts);
      const n1 = first.nodes[0]!;
      assert.equal(n1.generation, 'generated-now');
      assert.equal(first.ok, false);
      assert.deepEqual(n1.devices.map((d) => [d.name, d.state]), [['ftd-2', 'failed']]);
      assert.equal(n1.devices[0]!.failedPush.length, 3);
      assert.deepEqual(n1.devices[0]!.failedPush.map((e) => e.destination.split('/').pop()), ['cacert.pem', 'sftunnel-key.pem', 'sftunnel-cert.pem']);
      assert.match(n1.failedPushFile ?? '', /^\/var\/tmp\/certs\/\d+\/FAILED_PUSH$/);
      assert.match(n1.transcript ?? '', /Failed to push to ftd-2 = /);
      assert.equal(n1.logFile, '/var/log/sf/sfca_generation.log');
      assert.match(n1.logTail ?? '', /Failed to push .* to ftd-2/);
      assert.ok(l.history().some((h) => h.action === 'sftunnel' && h.detail?.includes('generate_certs.pl output')), 'the transcript is in the ledger history');
      assert.ok(Date.parse(n1.caAfter!.notAfter) - Date.now() > 3000 * DAY);
      assert.equal(lab.world.generationLog.length, 1);
      // The sftunnel port serves the new chain.
      assert.equal((await probeSftunnel(lab.fmcs[0]!.sftunnel)).ca?.notAfter, n1.caAfter!.notAfter);

      lab.setKnobs({ unreachable: [] });
      const second = await renewSftunnel(site(lab), l, opts);
      const n2 = second.nodes[0]!;
      assert.equal(n2.generation, 'generated-earlier');
      assert.equal(second.ok, true, JSON.stringify(second, null, 1));
      assert.deepEqual(n2.devices.map((d) => [d.name, d.state]), [['ftd-2', 'reconnected']]);
      assert.deepEqual(n2.peers?.map((p) => p.connected), [true, true, true]);
      assert.equal(lab.world.generationLog.length, 1, 'the InternalCA was generated exactly once');
      const ftd = (n: string) => lab.world.ftds.find((d) => d.name === n)!;
      assert.equal(ftd('ftd-2').restarts, 1);
      assert.equal(ftd('ftd-1').restarts + ftd('ftd-3').restarts, 0);
      assert.equal(lab.world.passwordsOffered['ftd-1'], undefined, 'no SSH to devices that took the push');
      assert.ok(ftd('ftd-2').files.has(`${n2.devices[0]!.failedPush[0]!.destination}.backup`));
      assert.equal(ftd('ftd-2').commands[0], 'unset HISTFILE', 'history is off before any key byte is typed');

      const third = await renewSftunnel(site(lab), l, opts);
      assert.equal(third.nodes[0]!.generation, 'not-needed');
      assert.equal(lab.world.generationLog.length, 1);
    } finally {
      await lab.close();
      l.close();
    }
  });

  it('an answer lost after "yes" (crash mid-generation): the next run sees the new InternalCA, reads its FAILED_PUSH back, and does not generate again', async () => {
    const lab = await startSftunnelLab({ fmcName: 'fmc-1', ftdNames: ['ftd-1', 'ftd-2'], caDays: 20, knobs: { unreachable: ['ftd-2'] } });
    const l = ledger();
    try {
      const s = site(lab);
      const sh = await ExpertShell.open({ name: 'fmc-1', ...s.primary.ssh! });
      const before = certFingerprintSha256((await sh.run('cat /etc/sf/ca_root/cacert.pem')).output);
      // What fwcert records before it confirms the script; then the script runs and the session is lost.
      new ProgressStore(l, 'fmc-1').set('fmc-1', { phase: 'generating', caBefore: before, startedAt: new Date().toISOString(), failed: [], done: [] });
      await sh.run('generate_certs.pl', { answer: () => 'yes' });
      sh.close();
      lab.setKnobs({ unreachable: [] });
      const r = await renewSftunnel(s, l, opts);
      assert.equal(r.nodes[0]!.generation, 'generated-earlier');
      assert.match(r.nodes[0]!.steps.join('\n'), /an earlier generate_certs\.pl changed the InternalCA/);
      assert.deepEqual(r.nodes[0]!.devices.map((d) => [d.name, d.state]), [['ftd-2', 'reconnected']]);
      assert.equal(r.ok, true);
      assert.equal(lab.world.generationLog.length, 1, 'no second InternalCA');
    } finally {
      await lab.close();
      l.close();
    }
  });

  it('a device refusing SSH stays failed (nothing generated again) until it lets fwcert in', async () => {
    const lab = await startSftunnelLab({ fmcName: 'fmc-1', ftdNames: ['ftd-1', 'ftd-2'], caDays: 20, knobs: { unreachable: ['ftd-1'] } });
    const l = ledger();
    try {
      await renewSftunnel(site(lab), l, opts);
      lab.setKnobs({ unreachable: [], refuseSsh: ['ftd-1'] });
      const r = await renewSftunnel(site(lab), l, opts);
      assert.equal(r.ok, false);
      assert.equal(r.nodes[0]!.generation, 'generated-earlier');
      assert.deepEqual(r.nodes[0]!.devices.map((d) => [d.name, d.state]), [['ftd-1', 'failed']]);
      assert.match(r.nodes[0]!.devices[0]!.error ?? '', /SSH to ftd-1 .*authentication/i);
      lab.setKnobs({ refuseSsh: [] });
      const r2 = await renewSftunnel(site(lab), l, opts);
      assert.equal(r2.ok, true);
      assert.deepEqual(r2.nodes[0]!.peers?.map((p) => p.connected), [true, true]);
      assert.equal(lab.world.generationLog.length, 1);
    } finally {
      await lab.close();
      l.close();
    }
  });

  it('a wrong host key fingerprint stops before any credential is sent', async () => {
    const lab = await startSftunnelLab({ fmcName: 'fmc-1', ftdNames: ['ftd-1'], caDays: 20 });
    const l = ledger();
    try {
      const r = await renewSftunnel(site(lab, 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU'), l, opts);
      assert.equal(r.ok, false);
      assert.match(r.nodes[0]!.stopped ?? '', /not the pinned SHA256:47DEQ.*stopped before logging in/);
      assert.deepEqual(lab.world.passwordsOffered, {});
      assert.equal(lab.world.generationLog.length, 0);
    } finally {
      await lab.close();
      l.close();
    }
  });

  it('known_hosts pinning: a listed key is accepted, an unlisted host is refused before login', async () => {
    const lab = await startSftunnelLab({ fmcName: 'fmc-1', ftdNames: ['ftd-1'], caDays: 200 });
    const l = ledger();
    try {
      const f = lab.fmcs[0]!;
      const kh = join(dirs[dirs.length - 1]!, 'known_hosts');
      const s = site(lab);
      s.primary.ssh!.pin = { knownHostsFile: kh };
      writeFileSync(kh, `[127.0.0.1]:1 ${f.ssh.hostKeyPublic}\n`);
      assert.match((await renewSftunnel(s, l, { ...opts, dryRun: true })).nodes[0]!.stopped ?? '', /is not in .*known_hosts/);
      assert.deepEqual(lab.world.passwordsOffered, {});
      writeFileSync(kh, `[127.0.0.1]:${f.ssh.address.split(':')[1]} ${f.ssh.hostKeyPublic}\n`);
      const r = await renewSftunnel(s, l, { ...opts, dryRun: true });
      assert.equal(r.nodes[0]!.generation, 'would-generate');
    } finally {
      await lab.close();
      l.close();
    }
  });

  it('a missing hotfix, or a critical operation, stops before anything changes', async () => {
    const lab = await startSftunnelLab({ fmcName: 'fmc-1', ftdNames: ['ftd-1'], caDays: 20, knobs: { missingHotfix: ['fmc-1'] } });
    const l = ledger();
    try {
      const caBefore = lab.world.fmcs[0]!.ca.certPem;
      const r = await renewSftunnel(site(lab), l, opts);
      assert.match(r.nodes[0]!.stopped ?? '', /generate_certs\.pl is not on fmc-1: install the InternalCA renewal hotfix.*nothing was changed/);
      assert.equal(r.ok, false);
      assert.equal(lab.world.fmcs[0]!.ca.certPem, caBefore);
      assert.ok(!lab.world.fmcs[0]!.commands.includes('generate_certs.pl'));

      lab.setKnobs({ missingHotfix: [], criticalOperation: { 'fmc-1': 'Backup/Restore task in progress' } });
      const r2 = await renewSftunnel(site(lab), l, opts);
      assert.match(r2.nodes[0]!.stopped ?? '', /refused to start.*Backup\/Restore task in progress.*nothing was changed/);
      assert.equal(lab.world.fmcs[0]!.ca.certPem, caBefore);

      lab.setKnobs({ criticalOperation: {} });
      const r3 = await renewSftunnel(site(lab), l, opts);
      assert.equal(r3.nodes[0]!.generation, 'generated-now', 'a refused start is not mistaken for a generation');
      assert.equal(r3.ok, true);
    } finally {
      await lab.close();
      l.close();
    }
  });

  it('dry run shows the steps and changes nothing', async () => {
    const lab = await startSftunnelLab({ fmcName: 'fmc-1', ftdNames: ['ftd-1', 'ftd-2'], caDays: 20, knobs: { unreachable: ['ftd-1'] } });
    const l = ledger();
    try {
      const r = await renewSftunnel(site(lab), l, { ...opts, dryRun: true });
      const steps = r.nodes[0]!.steps.join('\n');
      assert.match(steps, /would run generate_certs\.pl on fmc-1/);
      assert.match(steps, /expected in FAILED_PUSH: 192\.0\.2\.101/);
      assert.equal(lab.world.generationLog.length, 0);
      assert.ok(!lab.world.fmcs[0]!.commands.includes('generate_certs.pl'));
    } finally {
      await lab.close();
      l.close();
    }
  });

  it('FMC HA: the primary first (it pushes to the secondary too), the secondary only after the primary is done', async () => {
    const lab = await startSftunnelLab({ fmcName: 'fmc-1', ftdNames: ['ftd-1', 'ftd-2'], caDays: 20, ha: true, knobs: { unreachable: ['fmc-1-secondary'] } });
    const l = ledger();
    try {
      const first = await renewSftunnel(site(lab), l, opts);
      assert.deepEqual(first.nodes.map((n) => [n.fmc, n.generation]), [['fmc-1', 'generated-now'], ['fmc-1-secondary', 'not-run']]);
      assert.deepEqual(first.nodes[0]!.devices.map((d) => [d.name, d.state]), [['fmc-1-secondary', 'failed']]);
      assert.match(first.nodes[1]!.stopped ?? '', /waits for the primary fmc-1/);
      assert.deepEqual(lab.world.generationLog, ['fmc-1']);

      lab.setKnobs({ unreachable: [] });
      const second = await renewSftunnel(site(lab), l, opts);
      assert.deepEqual(second.nodes.map((n) => [n.fmc, n.generation]), [['fmc-1', 'generated-earlier'], ['fmc-1-secondary', 'generated-now']]);
      assert.deepEqual(second.nodes[0]!.devices.map((d) => [d.name, d.state]), [['fmc-1-secondary', 'reconnected']]);
      assert.equal(second.ok, true, JSON.stringify(second.nodes.map((n) => n.stopped ?? n.devices)));
      assert.deepEqual(lab.world.generationLog, ['fmc-1', 'fmc-1-secondary'], 'primary first, then the secondary, each once');
      assert.deepEqual(second.nodes[1]!.peers?.map((p) => p.connected), [true, true]);
    } finally {
      await lab.close();
      l.close();
    }
  });
});
