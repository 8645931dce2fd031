// Bad input stops before anything is contacted, with file:line, what is wrong and what is allowed.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { encryptArmored } from '../../src/secrets/pgp.js';

const root = mkdtempSync(join(tmpdir(), 'fwcert-config-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const CONFIG = `log: { level: info }
cas:
  sectigo:
    type: sectigo-scm
    url: https://scm.example.com/api/ssl/v1
    customer_uri: example
    org_id: 12345
    credentials: credentials/scm.yaml
devices:
  ftd-1:
    type: cisco-fdm
    url: https://192.0.2.1
    credentials: credentials/ftd.yaml
    tls: { sha256: "${'AB:'.repeat(31)}AB" }
profiles_dir: profiles
`;

const PROFILE = `name: vpn-portal
ca: sectigo
sectigo: { cert_type: 1234, term: 365 }
subject: { cn: vpn.example.com, o: Example Inc, c: US }
sans: [vpn2.example.com]
key: { type: rsa, size: 3072 }
targets:
  - device: ftd-1
    bind: { ravpn: true, ssl_decryption: true }
`;

function setup(files: Record<string, string>): string {
  const dir = join(root, String(++n));
  const all: Record<string, string> = {
    'fwcert.yaml': CONFIG,
    'profiles/vpn-portal.yaml': PROFILE,
    'credentials/scm.yaml': 'login: api-user\npassword: scm-secret-1\n',
    'credentials/ftd.yaml': 'username: admin\npassword: ftd-secret-1\n',
    ...files,
  };
  for (const [f, text] of Object.entries(all)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return join(dir, 'fwcert.yaml');
}

async function configError(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const path = setup(files);
  await assert.rejects(loadConfig({ configPath: path, env }), ConfigError);
  try {
    await loadConfig({ configPath: path, env });
  } catch (e) {
    return (e as Error).message.replaceAll(`${join(path, '..')}/`, '');
  }
  throw new Error('unreachable');
}

describe('config loading', () => {
  it('loads a valid config: profile from profiles_dir, CN first in the names, bindings, default renewal', async () => {
    const cfg = await loadConfig({ configPath: setup({}), env: {} });
    assert.equal(cfg.profiles.length, 1);
    const p = cfg.profiles[0]!;
    assert.deepEqual(p.names, ['vpn.example.com', 'vpn2.example.com']);
    assert.deepEqual(p.key, { type: 'rsa', size: 3072 });
    assert.deepEqual(p.targets[0]!.bindings.map((b) => b.kind).sort(), ['ravpn', 'ssl_decryption']);
    assert.deepEqual(p.renewal, { beforeDays: 30, beforeFraction: 1 / 3 });
    assert.match(cfg.ledgerPath, /state\/fwcert\.db$/);
  });

  it('malformed YAML names the line', async () => {
    const msg = await configError({ 'fwcert.yaml': CONFIG.replace('log: { level: info }', 'log: { level: info') });
    assert.match(msg, /^fwcert\.yaml:\d+: malformed YAML/);
  });

  it('an unknown key names the line and the allowed keys', async () => {
    const msg = await configError({ 'fwcert.yaml': `${CONFIG}colour: blue\n` });
    assert.match(msg, /fwcert\.yaml:16: unknown key "colour".*allowed: log, ledger, secrets, renewal/);
  });

  it('RSA 1024 is refused with the sizes allowed', async () => {
    const msg = await configError({ 'profiles/vpn-portal.yaml': PROFILE.replace('size: 3072', 'size: 1024') });
    assert.match(msg, /profiles\/vpn-portal\.yaml:6: .*RSA 1024 is not allowed \(allowed: 2048, 3072, 4096\)/);
  });

  it('an unknown curve is refused with the curves allowed', async () => {
    const msg = await configError({ 'profiles/vpn-portal.yaml': PROFILE.replace('{ type: rsa, size: 3072 }', '{ type: ecdsa, curve: P-192 }') });
    assert.match(msg, /profiles\/vpn-portal\.yaml:6: .*unknown curve "P-192" \(allowed: P-256, P-384, P-521\)/);
  });

  it('a profile with no CN and no SAN is refused', async () => {
    const msg = await configError({
      'profiles/vpn-portal.yaml': PROFILE.replace('subject: { cn: vpn.example.com, o: Example Inc, c: US }', 'subject: { o: Example Inc }').replace('sans: [vpn2.example.com]\n', ''),
    });
    assert.match(msg, /profiles\/vpn-portal\.yaml:4: .*needs a subject\.cn or at least one entry in sans/);
  });

  it('a target device that is not defined is refused, naming the defined ones', async () => {
    const msg = await configError({ 'profiles/vpn-portal.yaml': PROFILE.replace('device: ftd-1', 'device: ftd-9') });
    assert.match(msg, /profiles\/vpn-portal\.yaml:8: target device "ftd-9" is not defined .*\(defined: ftd-1\)/);
  });

  it('a binding the device type does not know is refused', async () => {
    const msg = await configError({ 'profiles/vpn-portal.yaml': PROFILE.replace('ravpn: true', 'globalprotect: true') });
    assert.match(msg, /profiles\/vpn-portal\.yaml:9: .*globalprotect/);
  });

  it('a missing credentials file names the config line', async () => {
    const msg = await configError({ 'fwcert.yaml': CONFIG.replace('credentials/ftd.yaml', 'credentials/nope.yaml') });
    assert.match(msg, /fwcert\.yaml:13: credentials file .*nope\.yaml does not exist/);
  });

  it('an encrypted credentials file needs the right passphrase, and the message holds no secret', async () => {
    const enc = await encryptArmored('username: admin\npassword: ftd-secret-1\n', 'right passphrase');
    const files = { 'credentials/ftd.yaml': enc };
    const msg = await configError(files, { FWCERT_PASSPHRASE: 'wrong passphrase' });
    assert.match(msg, /fwcert\.yaml:13: cannot decrypt credentials file .*ftd\.yaml: wrong passphrase or corrupt file/);
    assert.ok(!msg.includes('wrong passphrase\n') && !msg.includes('ftd-secret-1'));
    const noPass = await configError(files, {});
    assert.match(noPass, /encrypted but no passphrase is set/);
    const cfg = await loadConfig({ configPath: setup(files), env: { FWCERT_PASSPHRASE: 'right passphrase' } });
    assert.deepEqual(cfg.devices.get('ftd-1')!.credentials, { username: 'admin', password: 'ftd-secret-1' });
  });

  it('credentials_env fills a field from the environment, and a missing variable is an error', async () => {
    const cfgText = CONFIG.replace('credentials: credentials/ftd.yaml', 'credentials: credentials/ftd.yaml\n    credentials_env: { password: FTD1_PASSWORD }');
    const cfg = await loadConfig({ configPath: setup({ 'fwcert.yaml': cfgText }), env: { FWCERT_PASSPHRASE: '', FTD1_PASSWORD: 'from-env-123' } });
    assert.equal((cfg.devices.get('ftd-1')!.credentials as { password: string }).password, 'from-env-123');
    const msg = await configError({ 'fwcert.yaml': cfgText });
    assert.match(msg, /environment variable FTD1_PASSWORD is not set/);
  });

  it('an unknown device type lists the known ones', async () => {
    const msg = await configError({ 'fwcert.yaml': CONFIG.replace('type: cisco-fdm', 'type: fortigate') });
    assert.match(msg, /fwcert\.yaml:11: .*unknown device type "fortigate" \(allowed: cisco-fdm, paloalto[^)]*\)/);
  });

  it('reports every problem at once, not one per run', async () => {
    const msg = await configError({
      'profiles/vpn-portal.yaml': PROFILE.replace('size: 3072', 'size: 1024'),
      'profiles/other.yaml': PROFILE.replace('name: vpn-portal', 'name: other').replace('device: ftd-1', 'device: ftd-9'),
    });
    assert.equal(msg.split('\n').length, 2, msg);
    assert.match(msg, /other\.yaml:8: target device "ftd-9"/);
    assert.match(msg, /vpn-portal\.yaml:6: .*RSA 1024/);
  });
});

describe('managers and managed devices', () => {
  it('a managers: entry of an unknown type lists the known ones', async () => {
    const msg = await configError({ 'fwcert.yaml': `${CONFIG}managers:\n  fmc-1:\n    type: checkpoint\n    url: https://192.0.2.9\n` });
    assert.match(msg, /fwcert\.yaml:18: managers\.fmc-1\.type: unknown manager type "checkpoint"/);
  });

  it('two FTDs of one FMC whose names give the same object-name tag (fw_east, fw-east) are refused', async () => {
    const fmc = `managers:\n  fmc-1:\n    type: cisco-fmc\n    url: https://192.0.2.9\n    credentials: credentials/ftd.yaml\n    tls: { sha256: "${'AB:'.repeat(31)}AB" }\n`;
    const ftds = (a: string, b: string) => CONFIG.replace('devices:\n', `devices:\n  ${a}:\n    type: cisco-fmc-ftd\n    manager: fmc-1\n  ${b}:\n    type: cisco-fmc-ftd\n    manager: fmc-1\n`) + fmc;
    const msg = await configError({ 'fwcert.yaml': ftds('fw_east', 'fw-east') });
    assert.match(msg, /fwcert\.yaml:\d+: devices\.fw-east: its objects on fmc-1 would be named like those of fw_east \(both end in "_fw-east"\): rename one of them/);
    const cfg = await loadConfig({ configPath: setup({ 'fwcert.yaml': ftds('ftd-a', 'ftd-b') }), env: {} });
    assert.deepEqual([...cfg.devices.keys()].sort(), ['ftd-1', 'ftd-a', 'ftd-b']);
  });

  it('a device reached directly refuses a manager: key, and needs its url', async () => {
    const withManager = await configError({ 'fwcert.yaml': CONFIG.replace('type: cisco-fdm', 'type: cisco-fdm\n    manager: fmc-1') });
    assert.match(withManager, /fwcert\.yaml:12: devices\.ftd-1\.manager: a cisco-fdm device is reached directly, not through a manager: remove manager/);
    const noUrl = await configError({ 'fwcert.yaml': CONFIG.replace('    url: https://192.0.2.1\n', '') });
    assert.match(noUrl, /fwcert\.yaml:\d+: devices\.ftd-1\.url: missing/);
  });
});
