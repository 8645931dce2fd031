// ACME through the whole product: Pebble (validating DNS-01 against a real BIND 9) issues for an
// emulated FTD and an emulated PAN-OS firewall; renew, revoke, and a switch of `ca:` replace it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab, type LabDevice } from '../../src/lab/fleet.js';
import { handshake } from '../../src/lab/handshake.js';
import { startBind, type BindHandle } from '../support/bind.js';
import { json, runCli } from '../support/cli.js';
import { startPebble, type PebbleHandle } from '../support/pebble.js';

const NAME = 'portal.fwcert.test';
const strip = (s: string) => s.toUpperCase().replace(/^0+/, '');
const SERVICE: Record<string, string> = { 'cisco-fdm': 'ravpn', paloalto: 'gp-portal' };

describe('ACME (Pebble + BIND) on FTD and PAN-OS through the CLI', () => {
  let lab: Lab;
  let bind: BindHandle;
  let pebble: PebbleHandle;
  let dir: string;
  let pebbleRoot: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const served = (d: LabDevice, caPem: string) => handshake(d.services[SERVICE[d.type]!]!, { servername: NAME, caPem });
  const profilePath = () => join(dir, 'profiles', 'acme-portal.yaml');
  const items = (r: RunReport) => r.devices.flatMap((d) => d.items);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-acme-it-'));
    bind = await startBind({ hosts: ['portal'] });
    pebble = await startPebble({ dnsServer: bind.address });
    pebbleRoot = await pebble.root(0);
    lab = await startLab({ dir, fdm: 1, panos: 1, knobs: { fdm: { deployDurationMs: 50 }, panos: { commitDurationMs: 100 } } });
    // Only the ACME profile: the lab's own profiles would compete for the same bindings.
    for (const p of ['vpn-portal.yaml', 'gp-portal.yaml']) unlinkSync(join(dir, 'profiles', p));
    const cfg = parse(readFileSync(lab.configPath, 'utf8')) as { cas: Record<string, unknown> };
    writeFileSync(join(dir, 'trust', 'pebble.pem'), pebble.caPem);
    writeFileSync(join(dir, 'credentials', 'acme.yaml'), stringify({ tsig_secret: bind.tsig.secret }), { mode: 0o600 });
    cfg.cas.pebble = {
      type: 'acme', directory: pebble.directory, email: 'pki@fwcert.test', agree_tos: true,
      credentials: 'credentials/acme.yaml', tls: { ca_file: 'trust/pebble.pem' },
      challenge: {
        type: 'dns-01', provider: 'rfc2136', server: bind.address, zone: bind.zone, tsig_key_name: bind.tsig.name,
        propagation: { nameservers: [bind.address], interval_s: 0.1, timeout_s: 20 },
      },
      poll: { interval_s: 0.2, max_wait_s: 30 },
    };
    writeFileSync(lab.configPath, stringify(cfg));
    writeProfile('pebble');
  });
  after(async () => {
    await lab?.close();
    await pebble?.close();
    await bind?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function writeProfile(ca: string): void {
    writeFileSync(
      profilePath(),
      stringify({
        name: 'acme-portal', ca, ...(ca === 'lab-sectigo' ? { sectigo: { cert_type: 3001, term: 365 } } : {}),
        subject: { cn: NAME }, key: { type: 'rsa', size: 2048 },
        targets: [
          { device: 'ftd-1', bind: { ravpn: true } },
          { device: 'pa-1', bind: { ssl_tls_service_profiles: ['gp-portal-profile'] } },
        ],
      }),
    );
  }

  let issued: string[] = [];

  it('enrolls the ACME profile on both devices and they serve it', async () => {
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const all = items(json<RunReport>(r));
    assert.deepEqual(all.map((i) => i.outcome), ['done', 'done'], JSON.stringify(all));
    issued = all.map((i) => i.serial!);
    for (const d of lab.devices) {
      const s = await served(d, pebbleRoot);
      assert.equal(s.trusted, true, `${d.name}: ${s.verifyError}`);
      assert.match(s.issuerCn, /Pebble Intermediate/);
      assert.ok(issued.map(strip).includes(strip(s.serial)));
    }
    assert.deepEqual(await bind.txt(`_acme-challenge.${NAME}`), [], 'challenge records removed');
  });

  it('renew --force gets new certificates from Pebble, served on both devices', async () => {
    const r = await cli('renew', '--force', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const all = items(json<RunReport>(r));
    for (const i of all) {
      assert.equal(i.outcome, 'done', i.error);
      assert.ok(!issued.includes(i.serial!));
    }
    for (const d of lab.devices) {
      const mine = all.find((i) => i.device === d.name)!;
      assert.equal(strip((await served(d, pebbleRoot)).serial), strip(mine.serial!));
    }
    issued = all.map((i) => i.serial!);
  });

  it('revoke revokes them at the ACME CA, and the next run replaces the revoked certificates', async () => {
    const r = await cli('revoke', '--profile', 'acme-portal', '--reason', 'superseded');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    for (const serial of issued) assert.equal((await pebble.certStatus(serial)).Status, 'Revoked');
    const again = await cli('run', '--json');
    assert.equal(again.code, 0, again.stderr + again.stdout);
    for (const i of items(json<RunReport>(again))) {
      assert.equal(i.action, 'replace');
      assert.match(i.reason, /revoked/);
      assert.equal(i.outcome, 'done', i.error);
    }
  });

  it("switching the profile's ca: to Sectigo replaces the certificates on the next run", async () => {
    writeProfile('lab-sectigo');
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    for (const i of items(json<RunReport>(r))) {
      assert.equal(i.action, 'replace');
      assert.match(i.reason, /CA changed: issued by pebble, profile wants lab-sectigo/);
      assert.equal(i.outcome, 'done', i.error);
    }
    for (const d of lab.devices) {
      const s = await served(d, lab.ca.bundlePem);
      assert.equal(s.trusted, true, s.verifyError);
      assert.equal(s.issuerCn, 'fwcert Lab Issuing CA');
    }
  });
});
