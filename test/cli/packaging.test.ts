// What an admin installing fwcert relies on: the version, a tarball that holds the built CLI, JSON
// Schemas that accept what the lab writes and that the README documents in full, shell completion
// that completes, and systemd units that systemd accepts.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { runCli } from '../support/cli.js';
import { ROOT } from '../support/root.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** Every property name anywhere in a JSON Schema. */
function schemaKeys(s: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(s)) for (const x of s) schemaKeys(x, out);
  else if (s && typeof s === 'object') {
    const o = s as Record<string, unknown>;
    if (o.properties && typeof o.properties === 'object') for (const k of Object.keys(o.properties)) out.add(k);
    for (const v of Object.values(o)) schemaKeys(v, out);
  }
  return out;
}

describe('installing and operating fwcert', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'fwcert-pkg-'));
  let lab: Lab;
  let configSchema: Record<string, unknown>;
  let profileSchema: Record<string, unknown>;

  before(async () => {
    lab = await startLab({ dir: join(tmp, 'lab'), fdm: 1, panos: 1 });
    const c = await runCli(['schema']);
    assert.equal(c.code, 0, c.stderr);
    configSchema = JSON.parse(c.stdout) as Record<string, unknown>;
    const p = await runCli(['schema', 'profile']);
    assert.equal(p.code, 0, p.stderr);
    profileSchema = JSON.parse(p.stdout) as Record<string, unknown>;
  });
  after(async () => {
    await lab.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  it('encrypt/decrypt --json report what they wrote, never the secrets', async () => {
    const plain = join(tmp, 'creds.yaml');
    writeFileSync(plain, 'username: admin\npassword: json-report-secret\n');
    const env = { FWCERT_PASSPHRASE: 'pack test passphrase' };
    const enc = await runCli(['encrypt', '--json', plain], { env });
    assert.equal(enc.code, 0, enc.stderr);
    assert.deepEqual(JSON.parse(enc.stdout), { input: plain, output: `${plain}.asc`, encrypted: true });
    const dec = await runCli(['decrypt', '--json', '-o', join(tmp, 'back.yaml'), `${plain}.asc`], { env });
    assert.equal(dec.code, 0, dec.stderr);
    assert.deepEqual(JSON.parse(dec.stdout), { input: `${plain}.asc`, output: join(tmp, 'back.yaml'), decrypted: true });
    assert.equal(readFileSync(join(tmp, 'back.yaml'), 'utf8'), 'username: admin\npassword: json-report-secret\n');
    const toStdout = await runCli(['decrypt', '--json', `${plain}.asc`], { env });
    assert.equal(toStdout.code, 2);
    assert.match(toStdout.stderr, /usage: decrypt --json needs -o FILE/);
    assert.ok(!toStdout.stdout.includes('json-report-secret'));
  });

  it('--help lists every exit code, including the one for a held lock', async () => {
    const r = await runCli(['--help']);
    for (const code of ['0', '1', '2', '3', '4']) assert.match(r.stdout, new RegExp(`^  ${code}  \\S`, 'm'));
    assert.match(r.stdout, /4 {2}another fwcert run holds the lock/);
  });

  it('the JSON Schemas accept the lab\'s config and profiles, and reject an unknown key', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validConfig = ajv.compile(configSchema);
    const validProfile = ajv.compile(profileSchema);
    const config = parse(readFileSync(lab.configPath, 'utf8')) as Record<string, unknown>;
    assert.ok(validConfig(config), JSON.stringify(validConfig.errors));
    assert.match(readFileSync(lab.configPath, 'utf8'), /^# yaml-language-server: \$schema=fwcert\.schema\.json$/m);
    const files = readdirSync(join(lab.dir, 'profiles'));
    assert.ok(files.length >= 2);
    for (const f of files) {
      const text = readFileSync(join(lab.dir, 'profiles', f), 'utf8');
      assert.match(text, /^# yaml-language-server: \$schema=\.\.\/profile\.schema\.json$/m);
      assert.ok(validProfile(parse(text)), `${f}: ${JSON.stringify(validProfile.errors)}`);
    }
    assert.equal(validConfig({ ...config, colour: 'blue' }), false);
    const devices = config.devices as Record<string, Record<string, unknown>>;
    const [name, dev] = Object.entries(devices)[0]!;
    assert.equal(validConfig({ ...config, devices: { ...devices, [name]: { ...dev, deploy_timeout: 5 } } }), false, 'a misspelt device key');
  });

  it('the README documents every key the config and profiles accept', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const ref = readme.slice(readme.indexOf('## Configuration reference'), readme.indexOf('## Commands'));
    assert.ok(ref.length > 1000, 'the README has a configuration reference before its commands');
    const keys = [...new Set([...schemaKeys(configSchema), ...schemaKeys(profileSchema)])];
    assert.ok(keys.length > 40, `the schemas hold ${keys.length} keys`);
    const missing = keys.filter((k) => !new RegExp(`(^|[\\s{,])${k}:|\`${k}\``, 'm').test(ref));
    assert.deepEqual(missing, [], `keys missing from the README's configuration reference: ${missing.join(', ')}`);
  });

  it('bash completion completes commands and each command\'s options', async () => {
    const r = await runCli(['completion', 'bash']);
    assert.equal(r.code, 0, r.stderr);
    const script = join(tmp, 'fwcert.bash');
    writeFileSync(script, r.stdout);
    const complete = (...words: string[]) =>
      execFileSync('bash', ['-c', `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _fwcert; echo "\${COMPREPLY[*]}"`]).toString().trim();
    assert.equal(complete('fwcert', 'sta'), 'status');
    assert.deepEqual(complete('fwcert', '-c', 'x.yaml', 'run', '--d').split(' ').sort(), ['--device', '--dry-run']);
    assert.equal(complete('fwcert', 'lab', 'u'), 'up');
    assert.equal(complete('fwcert', 'completion', 'zsh', 'x'), '');
  });

  it('zsh completion is a valid zsh script naming every command', async () => {
    const r = await runCli(['completion', 'zsh']);
    assert.equal(r.code, 0, r.stderr);
    const script = join(tmp, '_fwcert');
    writeFileSync(script, r.stdout);
    const check = spawnSync('zsh', ['-n', script]);
    assert.equal(check.status, 0, check.stderr.toString());
    for (const c of ['run', 'enroll', 'renew', 'status', 'check', 'revoke', 'schema', 'completion']) assert.match(r.stdout, new RegExp(`\\(${c}\\) _arguments`));
    const bad = await runCli(['completion', 'fish']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /usage: fwcert completion bash\|zsh/);
  });

  it('systemd accepts the shipped service and timer units without a warning', () => {
    const dir = mkdtempSync(join(tmp, 'units-'));
    const bin = join(dir, 'fwcert');
    writeFileSync(bin, '#!/bin/sh\nexit 0\n');
    chmodSync(bin, 0o755);
    const unit = readFileSync(join(ROOT, 'examples/systemd/fwcert.service'), 'utf8');
    assert.match(unit, /^ExecStart=\/usr\/local\/bin\/fwcert --quiet run$/m);
    const verify = (service: string) => {
      writeFileSync(join(dir, 'fwcert.service'), service.replaceAll('/usr/local/bin/fwcert', bin));
      writeFileSync(join(dir, 'fwcert.timer'), readFileSync(join(ROOT, 'examples/systemd/fwcert.timer')));
      const r = spawnSync('systemd-analyze', ['verify', './fwcert.service', './fwcert.timer'], { cwd: dir });
      return { status: r.status, stderr: r.stderr.toString().trim() };
    };
    assert.deepEqual(verify(unit), { status: 0, stderr: '' });
    assert.match(verify(unit.replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes')).stderr, /Unknown key/, 'the check sees a misspelt directive');
    for (const d of ['DynamicUser=yes', 'StateDirectory=fwcert', 'ProtectSystem=strict', 'ReadWritePaths=', 'NoNewPrivileges=yes']) assert.ok(unit.includes(d), d);
    assert.match(readFileSync(join(ROOT, 'examples/systemd/fwcert.timer'), 'utf8'), /^RandomizedDelaySec=/m);
  });

  it('npm pack puts the built CLI, and no tests, in the tarball', () => {
    // --ignore-scripts: prepare would rewrite dist/ while the CLI tests running beside this one load it
    // (a half-written module). `npm test` built dist/ before any test; built here only when absent.
    if (!existsSync(join(ROOT, 'dist/src/cli/main.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'ignore' });
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, env: { ...process.env, npm_config_loglevel: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    assert.ok(files.includes('package.json'));
    assert.ok(files.includes('README.md'));
    assert.ok(files.includes('dist/src/cli/main.js'), 'the built CLI');
    assert.ok(files.some((f) => f.startsWith('examples/systemd/')));
    assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('src/') || f.startsWith('dist/test/')), files.join(' '));
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[]; scripts: Record<string, string> };
    assert.ok(manifest.files.some((f) => manifest.bin.fwcert!.startsWith(f)), 'the bin is inside what is packed');
    assert.match(manifest.scripts.prepare ?? '', /tsc -p tsconfig\.json/, 'pack and git installs build dist/ first');
  });
});
