// Issue 10 on an FMC without the certificate install API (FMC 7.4; devices/operational/managecertificates
// needs 7.7): fwcert orders ONE certificate per FTD, keeps it in the PKCS12 enrollment object, and reports
// the Devices > Certificates step the admin owes, run after run, without ordering again. Once the admin has
// done it (or the FMC is upgraded to 7.7), the next run binds and deploys that very certificate. Through the
// real CLI against the lab.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunReport } from '../../src/engine/report.js';
import type { StatusReport } from '../../src/engine/status.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { handshake } from '../../src/lab/handshake.js';
import { json, runCli } from '../support/cli.js';

interface FmcState {
  counters: Record<string, number>;
  certenrollments: { id: string; name: string; enrollmentType: string }[];
  devices: { id: string; name: string; trustpoints: { name: string; status: string }[] }[];
}
const DEVICES = ['fmc1-ftd-1', 'fmc1-ftd-2'];
const strip = (s: string) => s.toUpperCase().replace(/^0+/, '');
const owedText = (d: string) =>
  new RegExp(`^${d}: FMC 7\\.4\\S* .*has no API to install certificates on devices \\(devices/operational/managecertificates needs FMC 7\\.7\\)\\. ` +
    `The PKCS12 enrollment object fmc-vpn_${d} is up to date: in the FMC open Devices > Certificates, click Add, choose FTD ${d} and fmc-vpn_${d}`);

describe('FMC 7.4 (no install API): one certificate ordered, the admin\'s step reported until done', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const fmc = () => lab.managers[0]!.handle;
  const state = () => fmc().state() as FmcState;
  const scmOrders = () => {
    const c = (lab.scm.state() as { counters: Record<string, number> }).counters;
    return (c.enroll ?? 0) + (c.renew ?? 0);
  };
  const items = (r: RunReport) => r.devices.flatMap((d) => d.items);
  const first = new Map<string, { serial: string; error: string }>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-fmc74-'));
    // The lab FMC's 120 requests a minute hold across runs: back-to-back runs would mostly wait that out
    // (each run still paces itself at rate_limit_per_min; fmc.test.ts has the 429 storm).
    lab = await startLab({ dir, fdm: 0, panos: 0, fmc: 1, fmcFtds: 2, knobs: { scm: { pendingPolls: 0 }, fmc: { taskDurationMs: 20, version: '7.4', rateLimitPerMin: 100_000 } } });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the first run orders one certificate per FTD, stores it in the enrollment object and says what to do in the UI (exit 1)', async () => {
    const r = await cli('run', '--json');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(scmOrders(), DEVICES.length);
    for (const i of items(json<RunReport>(r))) {
      assert.equal(i.outcome, 'failed');
      assert.match(i.error ?? '', owedText(i.device));
      first.set(i.device, { serial: i.serial!, error: i.error! });
    }
    assert.deepEqual([...first.keys()].sort(), DEVICES);
    const objects = state().certenrollments.filter((e) => e.enrollmentType === 'PKCS12').map((e) => e.name).sort();
    assert.deepEqual(objects, DEVICES.map((d) => `fmc-vpn_${d}`));
    assert.equal(state().counters.deploymentrequests ?? 0, 0);
  });

  it('the second run orders nothing and reports the same step as still owed', async () => {
    const created = state().counters.certenrollments_created;
    const r = await cli('run', '--json');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(scmOrders(), DEVICES.length, 'no certificate ordered again at the CA');
    for (const i of items(json<RunReport>(r))) {
      assert.equal(i.outcome, 'failed');
      assert.equal(i.error, first.get(i.device)!.error, 'the same message as the first run');
      assert.equal(strip(i.serial!), strip(first.get(i.device)!.serial), 'the certificate of the first run');
    }
    assert.equal(state().counters.certenrollments_created, created);
    assert.equal(state().counters.certenrollments_updated ?? 0, 0, 'the objects are left as they are');
    const s = await cli('status', '--json');
    for (const d of DEVICES) {
      const row = json<StatusReport>(s).rows.find((x) => x.device === d && x.profile === 'fmc-vpn')!;
      assert.equal(strip(row.serial!), strip(first.get(d)!.serial));
      assert.match(row.note ?? '', owedText(d).source.startsWith('^') ? new RegExp(owedText(d).source.slice(1)) : owedText(d));
      assert.equal(row.level, 'error');
    }
  });

  const served = (d: string) => handshake(lab.devices.find((x) => x.name === d)!.services.ravpn!, { servername: 'vpn-fmc.lab.example', caPem: lab.ca.bundlePem });

  it('after the admin added the object in Devices > Certificates, the next run binds and deploys that certificate, still without ordering', async () => {
    // The lab has no UI: the admin's "Add" is the install call a 7.7 FMC offers, made between runs.
    await adminInstalls('fmc1-ftd-1');
    const r = await cli('run', '--json');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(scmOrders(), DEVICES.length);
    const byDevice = new Map(items(json<RunReport>(r)).map((i) => [i.device, i]));
    assert.equal(byDevice.get('fmc1-ftd-1')!.outcome, 'done', byDevice.get('fmc1-ftd-1')!.error);
    assert.equal(byDevice.get('fmc1-ftd-2')!.error, first.get('fmc1-ftd-2')!.error, 'the other FTD still owes the step');
    assert.equal(state().counters.deploymentrequests, 1);
    assert.equal(strip((await served('fmc1-ftd-1')).serial), strip(first.get('fmc1-ftd-1')!.serial), 'fmc1-ftd-1 serves the certificate ordered by the first run');
  });

  it('once the FMC is upgraded to 7.7, fwcert installs the stored object itself: still one certificate ordered', async () => {
    fmc().setKnobs({ version: '7.7' });
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(scmOrders(), DEVICES.length);
    assert.deepEqual(items(json<RunReport>(r)).map((i) => [i.device, i.outcome]).sort(), [['fmc1-ftd-1', 'ok'], ['fmc1-ftd-2', 'done']]);
    assert.equal(state().counters.deploymentrequests, 2);
    assert.equal(strip((await served('fmc1-ftd-2')).serial), strip(first.get('fmc1-ftd-2')!.serial));
  });

  async function adminInstalls(device: string): Promise<void> {
    const m = lab.managers[0]!;
    fmc().setKnobs({ version: '7.7' });
    try {
      const login = await call('POST', '/api/fmc_platform/v1/auth/generatetoken', { authorization: `Basic ${Buffer.from(`${m.user.username}:${m.user.password}`).toString('base64')}` });
      const token = login.headers['x-auth-access-token'] as string;
      const domain = login.headers.domain_uuid as string;
      const st = state();
      const body = {
        action: 'ENROLL',
        deviceCertificates: [{
          deviceId: st.devices.find((d) => d.name === device)!.id,
          certificates: [{ certificate: { id: st.certenrollments.find((e) => e.name === `fmc-vpn_${device}`)!.id } }],
        }],
      };
      const res = await call('POST', `/api/fmc_config/v1/domain/${domain}/devices/operational/managecertificates`, { 'X-auth-access-token': token, 'content-type': 'application/json' }, JSON.stringify(body));
      assert.equal(res.status, 202, res.body);
      for (let i = 0; i < 200 && state().devices.find((d) => d.name === device)!.trustpoints.find((t) => t.name === `fmc-vpn_${device}`)?.status !== 'AVAILABLE'; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      fmc().setKnobs({ version: '7.4' });
    }
  }

  function call(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    const m = lab.managers[0]!;
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, m.url), { method, headers, ca: m.handle.certPem }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
});
