// Issue 10, EST enrollment: an FMC-managed FTD enrolls at the lab EST server itself (RFC 7030), so the
// certificate it serves on its RA VPN port has a key that fwcert never had.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { handshake } from '../../src/lab/handshake.js';
import { json, runCli } from '../support/cli.js';

const strip = (s: string) => s.toUpperCase().replace(/^0+/, '');
interface FmcState {
  certenrollments: { name: string; enrollmentType: string }[];
  devices: { name: string; trustpoints: { name: string; type: string; hasKey: boolean }[] }[];
}

describe('EST enrollment on an FMC-managed FTD, through the CLI', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const served = (name: string) => handshake(lab.devices.find((d) => d.name === name)!.services.ravpn!, { servername: 'vpn-fmc.lab.example', caPem: lab.ca.bundlePem });
  const est = () => (lab.managers[0]!.handle, (globalThis as { __est?: never }).__est);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-fmc-est-'));
    // The lab FMC's 120 requests a minute hold across runs: back-to-back runs would mostly wait that out
    // (each run still paces itself at rate_limit_per_min; fmc.test.ts has the 429 storm).
    lab = await startLab({ dir, fdm: 0, panos: 0, fmc: 1, fmcFtds: 2, fmcEst: true, knobs: { scm: { pendingPolls: 0 }, fmc: { taskDurationMs: 50, rateLimitPerMin: 100_000 } } });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the EST profile ends with the FTD serving a certificate the EST server issued to the device', async () => {
    void est;
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const items = json<RunReport>(r).devices.flatMap((d) => d.items);
    const item = items.find((i) => i.device === 'fmc1-ftd-2')!;
    assert.equal(item.profile, 'fmc-vpn-est');
    assert.equal(item.outcome, 'done', item.error);
    const s = await served('fmc1-ftd-2');
    assert.equal(strip(s.serial), strip(item.serial!));
    assert.equal(s.trusted, true, s.verifyError);
    assert.equal(s.issuerCn, 'fwcert Lab Issuing CA');
    const estState = lab.est!.state();
    assert.ok(estState.issued.some((x) => strip(x.serial) === strip(item.serial!) && x.op === 'simpleenroll'), JSON.stringify(estState));
    const fmc = lab.managers[0]!.handle.state() as FmcState;
    const obj = fmc.certenrollments.find((e) => e.name === 'fmc-vpn-est_fmc1-ftd-2')!;
    assert.equal(obj.enrollmentType, 'EST', 'an EST object: no key or PKCS#12 passed through the FMC');
    const tp = fmc.devices.find((d) => d.name === 'fmc1-ftd-2')!.trustpoints.find((t) => t.name === 'fmc-vpn-est_fmc1-ftd-2')!;
    assert.equal(tp.hasKey, true, 'the key lives on the FTD');
    assert.equal((lab.scm.state() as { counters: Record<string, number> }).counters.enroll, 1, 'the SCM issued only the PKCS12 FTD\'s certificate');
    const other = items.find((i) => i.device === 'fmc1-ftd-1')!;
    assert.equal(other.profile, 'fmc-vpn');
    assert.equal(strip((await served('fmc1-ftd-1')).serial), strip(other.serial!));
  });

  it('renew --force makes the FTD enroll again over EST (refreshing its status on the FMC) and serve the new certificate', async () => {
    const before = lab.est!.state().issued.length;
    const counters = () => (lab.managers[0]!.handle.state() as { counters: Record<string, number> }).counters;
    const refreshes = counters().managecertificates_REFRESH ?? 0;
    // The FMC shows the new identity certificate only after a status refresh (seed 003).
    lab.managers[0]!.handle.setKnobs({ identityNeedsRefresh: 1 });
    const r = await cli('renew', '--force', '--json', '--profile', 'fmc-vpn-est');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const item = json<RunReport>(r).devices.flatMap((d) => d.items)[0]!;
    assert.equal(item.outcome, 'done', item.error);
    assert.equal(lab.est!.state().issued.length, before + 1);
    assert.equal(counters().managecertificates_REFRESH, refreshes + 1, 'one REFRESH brought the identity certificate to the FMC');
    assert.equal(strip((await served('fmc1-ftd-2')).serial), strip(item.serial!));
  });

  it('check exits 2 and names the entry when an FTD name is unknown to the FMC', async () => {
    const cfg = parse(readFileSync(lab.configPath, 'utf8')) as { devices: Record<string, unknown> };
    cfg.devices.ghost = { type: 'cisco-fmc-ftd', manager: 'fmc-1', fmc_name: 'no-such-ftd' };
    const bad = join(dir, 'fwcert-ghost.yaml');
    writeFileSync(bad, stringify(cfg));
    const r = await runCli(['--config', bad, 'check']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /devices\.ghost\.fmc_name: fmc-1 manages no FTD, HA pair or cluster named "no-such-ftd"/);
    assert.match(r.stdout, /fmc1-ftd-1\s+cisco-fmc-ftd\s+ok/);
  });

  it('check exits 2 and names the RA VPN policy when a binding names one the FMC does not have, or one not assigned to the FTD', async () => {
    const cfg = parse(readFileSync(lab.configPath, 'utf8')) as { profiles_dir: string };
    const profiles = join(dir, 'profiles-check');
    mkdirSync(profiles, { recursive: true });
    const profile = (file: string) => parse(readFileSync(join(dir, cfg.profiles_dir, file), 'utf8')) as { name: string; targets: { device: string; bind: object }[] };
    const write = (p: ReturnType<typeof profile>) => writeFileSync(join(profiles, `${p.name}.yaml`), stringify(p));
    const p12 = profile('fmc-vpn.yaml');
    write({ ...p12, targets: [{ device: 'fmc1-ftd-1', bind: { ravpn: 'No-Such-Policy' } }] });
    write({ ...p12, name: 'fmc-vpn-named', targets: [{ device: 'fmc1-ftd-1', bind: { ravpn: 'RAVPN-fmc1-ftd-1' } }] });
    const est = profile('fmc-vpn-est.yaml');
    write({ ...est, targets: [{ device: 'fmc1-ftd-2', bind: { ravpn: 'RAVPN-fmc1-ftd-1' } }] });
    const bad = join(dir, 'fwcert-bindings.yaml');
    writeFileSync(bad, stringify({ ...cfg, profiles_dir: 'profiles-check' }));
    const r = await runCli(['--config', bad, 'check', '--json']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const rows = json<{ rows: { kind: string; name: string; result: string; detail: string }[] }>(r).rows.filter((x) => x.kind === 'pair');
    const row = (name: string) => rows.find((x) => x.name === name)!;
    assert.equal(row('fmc-vpn on fmc1-ftd-1').result, 'problem');
    assert.match(row('fmc-vpn on fmc1-ftd-1').detail, /fmc1-ftd-1: fmc-1 has no RA VPN policy named "No-Such-Policy" \(RA VPN policies: .*RAVPN-fmc1-ftd-1/);
    assert.equal(row('fmc-vpn-est on fmc1-ftd-2').result, 'problem');
    assert.match(row('fmc-vpn-est on fmc1-ftd-2').detail, /the RA VPN policy "RAVPN-fmc1-ftd-1" is not assigned to FTD fmc1-ftd-2 on fmc-1 \(its policy is RAVPN-fmc1-ftd-2\)/);
    assert.equal(row('fmc-vpn-named on fmc1-ftd-1').result, 'ok', row('fmc-vpn-named on fmc1-ftd-1').detail);
  });

  it('a self-signed profile (lab): the FTD signs its own certificate from the enrollment object, nothing is ordered, a second run changes nothing', async () => {
    const cfg = parse(readFileSync(lab.configPath, 'utf8')) as Record<string, unknown> & { cas: Record<string, unknown> };
    delete cfg.probes;
    const profiles = join(dir, 'profiles-self');
    mkdirSync(profiles, { recursive: true });
    writeFileSync(join(profiles, 'lab-self.yaml'), stringify({
      name: 'lab-self', ca: 'lab-self', subject: { cn: 'self.lab.example' }, sans: ['self.lab.example', 'self2.lab.example'],
      key: { type: 'ecdsa', curve: 'P-384' }, targets: [{ device: 'fmc1-ftd-1', bind: { ravpn: true } }],
    }));
    const file = join(dir, 'fwcert-self.yaml');
    writeFileSync(file, stringify({ ...cfg, cas: { ...cfg.cas, 'lab-self': { type: 'self-signed' } }, ledger: { path: 'state/self.db' }, profiles_dir: 'profiles-self' }));
    const scmOrders = () => (lab.scm.state() as { counters: Record<string, number> }).counters.enroll;
    const fmcState = () => lab.managers[0]!.handle.state() as FmcState & { counters: Record<string, number> };
    const orders = scmOrders();
    const r = await runCli(['--config', file, 'run', '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const item = json<RunReport>(r).devices.flatMap((d) => d.items)[0]!;
    assert.equal(item.outcome, 'done', item.error);
    const s = await served('fmc1-ftd-1');
    assert.equal(strip(s.serial), strip(item.serial!), 'the RA VPN port serves the self-signed certificate');
    assert.equal(s.issuerCn, 'self.lab.example', 'issued by itself');
    const obj = fmcState().certenrollments.find((e) => e.name === 'lab-self_fmc1-ftd-1')!;
    assert.equal(obj.enrollmentType, 'SELF_SIGNED_CERTFICATE');
    assert.equal(scmOrders(), orders, 'no CA was asked');
    const deploys = fmcState().counters.deploymentrequests;
    const r2 = await runCli(['--config', file, 'run', '--json']);
    assert.equal(r2.code, 0, r2.stdout + r2.stderr);
    assert.deepEqual(json<RunReport>(r2).devices.flatMap((d) => d.items).map((i) => i.outcome), ['ok'], 'names and key (P-384) as the profile asks');
    assert.equal(fmcState().counters.deploymentrequests, deploys);
  });
});
