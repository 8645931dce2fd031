// FDM deploys every pending change on the box. fwcert never deploys another administrator's
// half-done edit: it reports it, exits 1, keeps its certificate installed and the commit owed, and
// deploys on the next run once the edit is gone, or at once with deploy_foreign_changes: true.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { parse, stringify } from 'yaml';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab, type LabDevice } from '../../src/lab/fleet.js';
import { handshake } from '../../src/lab/handshake.js';
import { json, runCli } from '../support/cli.js';

/** The second administrator, through FDM's REST API like any other client. */
async function asOtherAdmin(d: LabDevice) {
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  const base = `${d.url}/api/fdm/v6`;
  const tok = await request(`${base}/fdm/token`, {
    method: 'POST', dispatcher, headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', ...d.otherAdmin }),
  });
  const { access_token } = (await tok.body.json()) as { access_token: string };
  const call = async (method: 'GET' | 'PUT', path: string, body?: unknown) => {
    const r = await request(`${base}${path}`, {
      method, dispatcher, headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.body.text();
    assert.ok(r.statusCode < 300, `${method} ${path}: ${r.statusCode} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  return { call };
}

type RaVpn = { id: string; vpnGatewaySettings: { outsideFqdn: string } } & Record<string, unknown>;

describe('FDM: changes that are not fwcert\'s are never deployed by fwcert', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const dev = () => lab.devices[0]!;
  const lab1 = () => dev().handle.state() as { pendingChanges: number; deployJobs: unknown[] };
  const served = () => handshake(dev().services.ravpn!, { servername: 'vpn.lab.example', caPem: lab.ca.bundlePem });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-foreign-'));
    lab = await startLab({ dir, fdm: 1, panos: 0, knobs: { fdm: { deployDurationMs: 20 } } });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('another admin\'s pending edit: no deploy, exit 1 with the reason; the next run deploys once it is gone', async () => {
    const first = await cli('run', '--json');
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const servedBefore = await served();

    // The other admin starts an edit on the RA VPN (the object fwcert rebinds) and leaves it undeployed.
    const other = await asOtherAdmin(dev());
    const list = (await other.call('GET', '/ravpns')) as { items: RaVpn[] };
    const ravpn = list.items[0]!;
    const original = ravpn.vpnGatewaySettings.outsideFqdn;
    const { links: _l, ...body } = ravpn;
    await other.call('PUT', `/ravpns/${ravpn.id}`, { ...body, vpnGatewaySettings: { ...ravpn.vpnGatewaySettings, outsideFqdn: 'half-done.lab.example' } });

    const jobsBefore = lab1().deployJobs.length;
    const r = await cli('renew', '--force', '--json');
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const d = json<RunReport>(r).devices[0]!;
    assert.equal(d.committed, false);
    assert.match(d.error!, /not fwcert's/);
    assert.match(d.error!, /ravpn "NGFW-Remote-Access-VPN" changed \(vpnGatewaySettings\.outsideFqdn\)/);
    assert.equal(d.items[0]!.outcome, 'failed');
    assert.equal(lab1().deployJobs.length, jobsBefore, 'no deployment was started: the half-done edit stays undeployed');
    assert.equal((await served()).serial, servedBefore.serial, 'the old certificate still serves');

    // The admin finishes by putting the value back (nothing of theirs pending): the next run deploys.
    const now = ((await other.call('GET', '/ravpns')) as { items: RaVpn[] }).items[0]!;
    const { links: _l2, ...body2 } = now;
    await other.call('PUT', `/ravpns/${now.id}`, { ...body2, vpnGatewaySettings: { ...now.vpnGatewaySettings, outsideFqdn: original } });
    const next = await cli('run', '--json');
    assert.equal(next.code, 0, next.stderr + next.stdout);
    const n = json<RunReport>(next).devices[0]!;
    assert.equal(n.committed, true, 'the owed deploy happened');
    const s = await served();
    assert.equal(s.trusted, true, s.verifyError);
    assert.notEqual(s.serial, servedBefore.serial, 'the renewed certificate serves now');
  });

  it('deploy_foreign_changes: true on the device deploys anyway', async () => {
    const other = await asOtherAdmin(dev());
    const ravpn = ((await other.call('GET', '/ravpns')) as { items: RaVpn[] }).items[0]!;
    const { links: _l, ...body } = ravpn;
    await other.call('PUT', `/ravpns/${ravpn.id}`, { ...body, vpnGatewaySettings: { ...ravpn.vpnGatewaySettings, outsideFqdn: 'agreed.lab.example' } });
    const cfg = parse(readFileSync(lab.configPath, 'utf8')) as { devices: Record<string, Record<string, unknown>> };
    cfg.devices['ftd-1']!.deploy_foreign_changes = true;
    const path = join(dir, 'fwcert-foreign-ok.yaml');
    writeFileSync(path, stringify(cfg));
    const r = await runCli(['--config', path, 'renew', '--force', '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(json<RunReport>(r).devices[0]!.committed, true);
    assert.equal(lab1().pendingChanges, 0, 'everything, the other admin\'s edit included, was deployed');
  });
});
