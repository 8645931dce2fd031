// Issue 10, Manual enrollment with "CA Only" (seed 003): a cisco-fmc-ftd entry's trust_anchors become
// MANUAL CA-only enrollment objects installed as trustpoints on each FTD, kept equal to the CA file, and
// shown by `status` with their expiry. Through the real CLI against the lab FMC (7.7).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import type { RunReport } from '../../src/engine/report.js';
import type { StatusReport } from '../../src/engine/status.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { createCa, createSelfSigned, parseCertificate } from '../../src/pki/index.js';
import { json, runCli } from '../support/cli.js';

interface FmcState {
  counters: Record<string, number>;
  certenrollments: { name: string; enrollmentType: string }[];
  devices: { name: string; trustpoints: { name: string; type: string; status: string; hasKey: boolean; caSerials: string[] }[] }[];
}
const DEVICES = ['fmc1-ftd-1', 'fmc1-ftd-2'];
const strip = (s: string) => s.toUpperCase().replace(/^0+/, '');

describe('FMC trust anchors (Manual enrollment, CA only), through the CLI', () => {
  let lab: Lab;
  let dir: string;
  let config: string;
  let rootA: string;
  let rootB: string;
  const cli = (...args: string[]) => runCli(['--config', config, ...args]);
  const state = () => lab.managers[0]!.handle.state() as FmcState;
  const count = (c: string) => state().counters[c] ?? 0;
  const anchorOf = (device: string) => state().devices.find((d) => d.name === device)!.trustpoints.find((t) => t.name === `Corp-Root_${device}`);
  const serialOf = (pem: string) => strip(parseCertificate(pem).serial);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-fmc-ta-'));
    lab = await startLab({ dir, fdm: 0, panos: 0, fmc: 1, fmcFtds: 2, knobs: { scm: { pendingPolls: 0 }, fmc: { taskDurationMs: 20, rateLimitPerMin: 100_000 } } });
    rootA = (await createCa({ subject: { cn: 'Corp Root CA A', o: 'Corp' }, days: 3650 })).certPem;
    rootB = (await createCa({ subject: { cn: 'Corp Root CA B', o: 'Corp' }, days: 1000 })).certPem;
    mkdirSync(join(dir, 'ca'));
    writeFileSync(join(dir, 'ca', 'corp-root.pem'), rootA);
    const cfg = parse(readFileSync(lab.configPath, 'utf8')) as { devices: Record<string, Record<string, unknown>> };
    for (const d of DEVICES) cfg.devices[d]!.trust_anchors = [{ name: 'Corp-Root', ca_file: 'ca/corp-root.pem' }];
    config = join(dir, 'fwcert-ta.yaml');
    writeFileSync(config, stringify(cfg));
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a run creates a CA-only trustpoint holding the CA on each FTD, in the run\'s one deployment', async () => {
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const d of json<RunReport>(r).devices) assert.equal(d.error, undefined, d.error);
    for (const d of DEVICES) {
      const obj = state().certenrollments.find((e) => e.name === `Corp-Root_${d}`);
      assert.equal(obj?.enrollmentType, 'MANUAL');
      const tp = anchorOf(d);
      assert.ok(tp, `${d} has the trust anchor's trustpoint`);
      assert.equal(tp.status, 'AVAILABLE');
      assert.equal(tp.hasKey, false, 'a CA-only trustpoint has no key');
      assert.deepEqual(tp.caSerials.map(strip), [serialOf(rootA)]);
    }
    assert.equal(count('managecertificates_ENROLL'), 4, 'two leaf certificates and two trust anchors enrolled');
    assert.equal(count('deploymentrequests'), 1, 'one deployment for the run');
    assert.equal(count('logins'), 1);
  });

  it('a second run changes nothing: no object written, nothing enrolled, no deployment', async () => {
    const before = { ...state().counters };
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const c of ['deploymentrequests', 'certenrollments_created', 'certenrollments_updated', 'managecertificates']) {
      assert.equal(count(c), before[c] ?? 0, `${c} unchanged`);
    }
  });

  it('status shows each CA-only trustpoint with its expiry', async () => {
    const r = await cli('status', '--json');
    const rows = json<StatusReport>(r).rows.filter((x) => x.objectName === 'Corp-Root');
    assert.deepEqual(rows.map((x) => x.device).sort(), DEVICES);
    for (const row of rows) {
      assert.equal(row.kind, 'ca');
      assert.equal(row.notAfter, parseCertificate(rootA).notAfter.toISOString());
      assert.match(row.note ?? '', /enrollment MANUAL/);
    }
  });

  it('a changed CA file updates the object and re-enrolls the trustpoint on each FTD, once', async () => {
    writeFileSync(join(dir, 'ca', 'corp-root.pem'), rootB);
    const before = { ...state().counters };
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const d of DEVICES) assert.deepEqual(anchorOf(d)!.caSerials.map(strip), [serialOf(rootB)]);
    assert.equal(count('certenrollments_updated') - (before.certenrollments_updated ?? 0), 2);
    assert.equal(count('managecertificates_REENROLL') - (before.managecertificates_REENROLL ?? 0), 2);
    const again = { ...state().counters };
    assert.equal((await cli('run', '--json')).code, 0);
    assert.equal(count('managecertificates'), again.managecertificates, 'the next run changes nothing');
    const s = json<StatusReport>(await cli('status', '--json')).rows.find((x) => x.objectName === 'Corp-Root')!;
    assert.equal(s.notAfter, parseCertificate(rootB).notAfter.toISOString());
  });

  it('FMC 7.4 (no install API): the object is kept current and the Devices > Certificates step is reported (exit 1) until 7.7 installs it', async () => {
    const fmc = lab.managers[0]!.handle;
    writeFileSync(join(dir, 'ca', 'partner.pem'), rootA);
    const cfg = parse(readFileSync(config, 'utf8')) as { devices: Record<string, Record<string, unknown>> };
    (cfg.devices['fmc1-ftd-1']!.trust_anchors as object[]).push({ name: 'Partner-Root', ca_file: 'ca/partner.pem' });
    writeFileSync(config, stringify(cfg));
    fmc.setKnobs({ version: '7.4' });
    try {
      const before = { ...state().counters };
      for (let i = 0; i < 2; i++) {
        const r = await cli('run', '--json');
        assert.equal(r.code, 1, r.stdout + r.stderr);
        const dev = json<RunReport>(r).devices.find((d) => d.device === 'fmc1-ftd-1')!;
        assert.match(dev.error ?? '', /^fmc1-ftd-1: FMC 7\.4[^:]* has no API to install certificates on devices .*The Manual \(CA only\) enrollment object Partner-Root_fmc1-ftd-1 is up to date: in the FMC open Devices > Certificates, click Add, choose FTD fmc1-ftd-1 and Partner-Root_fmc1-ftd-1/);
        assert.equal(json<RunReport>(r).devices.find((d) => d.device === 'fmc1-ftd-2')!.error, undefined);
      }
      assert.equal(state().certenrollments.find((e) => e.name === 'Partner-Root_fmc1-ftd-1')?.enrollmentType, 'MANUAL');
      assert.equal(count('certenrollments_created') - (before.certenrollments_created ?? 0), 1, 'created once, not again on the second run');
      assert.equal(count('managecertificates'), before.managecertificates, 'nothing installed over the API');
      assert.equal(anchorOf('fmc1-ftd-1')?.name, 'Corp-Root_fmc1-ftd-1');
    } finally {
      fmc.setKnobs({ version: '7.7' });
    }
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const tp = state().devices.find((d) => d.name === 'fmc1-ftd-1')!.trustpoints.find((t) => t.name === 'Partner-Root_fmc1-ftd-1');
    assert.deepEqual(tp?.caSerials.map(strip), [serialOf(rootA)], 'on 7.7 fwcert installs it itself');
  });

  it('a ca_file that is not a CA certificate, or holds two, exits 2 at load with file:line', async () => {
    const leaf = await createSelfSigned({ cn: 'not-a-ca.lab.example', sans: ['not-a-ca.lab.example'], days: 30 });
    writeFileSync(join(dir, 'ca', 'leaf.pem'), leaf.certPem);
    writeFileSync(join(dir, 'ca', 'two.pem'), rootA + rootB);
    const cfg = parse(readFileSync(config, 'utf8')) as { devices: Record<string, Record<string, unknown>> };
    cfg.devices['fmc1-ftd-1']!.trust_anchors = [{ name: 'Corp-Root', ca_file: 'ca/leaf.pem' }, { name: 'Two', ca_file: 'ca/two.pem' }];
    const bad = join(dir, 'fwcert-ta-bad.yaml');
    writeFileSync(bad, stringify(cfg));
    const lines = readFileSync(bad, 'utf8').split('\n');
    const lineOf = (text: string) => lines.findIndex((l) => l.includes(text)) + 1;
    for (const cmd of ['check', 'run']) {
      const r = await runCli(['--config', bad, cmd]);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      const out = r.stdout + r.stderr;
      assert.ok(out.includes(`fwcert-ta-bad.yaml:${lineOf('ca/leaf.pem')}: devices.fmc1-ftd-1.trust_anchors.0.ca_file: ca/leaf.pem holds `), out);
      assert.match(out, /which is not a CA certificate \(basicConstraints CA:true\)/);
      assert.ok(out.includes(`fwcert-ta-bad.yaml:${lineOf('ca/two.pem')}: devices.fmc1-ftd-1.trust_anchors.1.ca_file: ca/two.pem holds 2 PEM certificates`), out);
    }
  });

  it('a trust anchor named like a profile that targets the same FTD (one FMC object name for both) exits 2 at load with file:line', async () => {
    const cfg = parse(readFileSync(config, 'utf8')) as { devices: Record<string, Record<string, unknown>> };
    cfg.devices['fmc1-ftd-1']!.trust_anchors = [{ name: 'Corp-Root', ca_file: 'ca/corp-root.pem' }, { name: 'fmc-vpn', ca_file: 'ca/corp-root.pem' }];
    const bad = join(dir, 'fwcert-ta-clash.yaml');
    writeFileSync(bad, stringify(cfg));
    const profileLines = readFileSync(join(dir, 'profiles', 'fmc-vpn.yaml'), 'utf8').split('\n');
    const nameLine = profileLines.findIndex((l) => l.startsWith('name: fmc-vpn')) + 1;
    const before = { ...state().counters };
    for (const cmd of ['check', 'run']) {
      const r = await runCli(['--config', bad, cmd]);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      const out = r.stdout + r.stderr;
      assert.ok(
        out.includes(`fmc-vpn.yaml:${nameLine}: profile name "fmc-vpn" cannot target fmc1-ftd-1: devices.fmc1-ftd-1.trust_anchors.1.name is also "fmc-vpn", and both would be the FMC enrollment object "fmc-vpn_fmc1-ftd-1"`),
        out,
      );
      assert.ok(!out.includes('cannot target fmc1-ftd-2'), 'the other FTD has no such trust anchor');
    }
    assert.equal(count('logins'), before.logins ?? 0, 'refused before any request to the FMC');
  });
});
