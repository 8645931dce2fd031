// Hostile input: every case of the table is refused at load with exit 2 and file:line, no stack trace,
// before anything is sent. Most cases run the loader in-process (fast); a slice runs the real CLI
// against a started lab whose request counters must stay at zero.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { createSelfSigned } from '../../src/pki/index.js';
import { runCli } from '../support/cli.js';
import { baseFiles, HOSTILE_CASES, setFileMakers, type Files, type HostileCase } from './cases.js';

setFileMakers({
  mkfifo: (p) => {
    mkdirSync(dirname(p), { recursive: true });
    execFileSync('mkfifo', [p]);
  },
  mkdir: (p) => mkdirSync(p, { recursive: true }),
  symlink: (target, p) => {
    mkdirSync(dirname(p), { recursive: true });
    symlinkSync(target, p);
  },
  writeBig: (p) => {
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
  },
});

const root = mkdtempSync(join(tmpdir(), 'fwcert-hostile-'));
after(() => rmSync(root, { recursive: true, force: true }));
let caPem = '';
let n = 0;

function writeAll(dir: string, files: Files): void {
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), text, { mode: 0o600 });
  }
}

/** Writes the base setup with the case applied; returns the config path to load. */
function setup(c: HostileCase, base: Files = baseFiles(caPem)): string {
  const dir = join(root, String(++n));
  const files = { ...base };
  c.files?.(files);
  writeAll(dir, files);
  c.prepare?.(dir);
  return c.config ? (isAbsolute(c.config) ? c.config : join(dir, c.config)) : join(dir, 'fwcert.yaml');
}

/** Every line of a config error names file:line (the last may count the problems not shown). */
function assertFileLine(msg: string): void {
  for (const line of msg.split('\n')) {
    assert.match(line, /^\S+:\d+: \S|^\.\.\. and \d+ more problem\(s\) not shown/, `a line without file:line: ${JSON.stringify(line.slice(0, 200))}`);
  }
  assert.doesNotMatch(msg, /\n\s+at \S+ \(/, 'no stack trace');
}

before(async () => {
  caPem = (await createSelfSigned({ cn: 'trust', sans: ['scm.example.com'], days: 30 })).certPem;
});

describe('hostile input, in-process: refused at load with file:line', () => {
  it(`has at least 150 cases (${HOSTILE_CASES.length})`, () => assert.ok(HOSTILE_CASES.length >= 150));

  it('the base setup itself loads (each case fails only because of its own change)', async () => {
    const cfg = await loadConfig({ configPath: setup({ name: 'base', expect: /x/ }), env: {} });
    assert.deepEqual(cfg.profiles.map((p) => p.name).sort(), ['gp-portal', 'vpn-portal']);
  });

  for (const c of HOSTILE_CASES) {
    it(c.name, async () => {
      const path = setup(c);
      let err: unknown;
      try {
        await loadConfig({ configPath: path, env: {} });
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err instanceof Error ? `${err.name}: ${err.message}` : 'success'}`);
      assertFileLine(err.message);
      assert.match(err.message, c.expect);
    });
  }
});

describe('hostile input through the real CLI: exit 2, file:line, nothing sent to the lab', () => {
  let lab: Lab;
  let labDir: string;
  const requests = () => {
    let total = 0;
    const add = (s: unknown) => {
      for (const v of Object.values((s as { counters?: Record<string, number> }).counters ?? {})) total += v;
    };
    add(lab.scm.state());
    for (const d of lab.devices) add(d.handle.state());
    return total;
  };

  before(async () => {
    labDir = mkdtempSync(join(tmpdir(), 'fwcert-hostile-lab-'));
    lab = await startLab({ dir: labDir, fdm: 1, panos: 1 });
  });
  after(async () => {
    await lab.close();
    rmSync(labDir, { recursive: true, force: true });
  });

  // One hostile value per place, in a copy of the lab's own working setup: without it the run would talk to the lab.
  const bomb = 'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';
  const LAB_CASES: { name: string; cfg?: (text: string) => string; profiles?: (p: Files) => void; args?: string[]; expect: RegExp }[] = [
    { name: 'a device URL with user:password@', cfg: (c) => c.replace(/url: https:\/\/(127\.0\.0\.1:\d+)\n(\s+credentials: credentials\/ftd-1)/, 'url: https://admin:secret@$1\n$2'), expect: /hostile\.yaml:\d+: devices\.ftd-1\.url: .*must not carry user:password@/ },
    { name: 'a SAN that is an out-of-range IP', profiles: (p) => (p['vpn-portal.yaml'] = p['vpn-portal.yaml']!.replace('- vpn-alt.lab.example', '- 192.168.1.300')), expect: /vpn-portal\.yaml:\d+: sans\.1: a DNS name/ },
    { name: 'a PAN-OS bind name with an XPath quote', profiles: (p) => (p['gp-portal.yaml'] = p['gp-portal.yaml']!.replace('- gp-portal-profile', `- "gp' or '1'='1"`)), expect: /gp-portal\.yaml:\d+: .*ssl_tls_service_profiles\.0: object name/ },
    { name: 'an alias bomb', cfg: (c) => `${bomb}${c}`, expect: /hostile\.yaml:2: YAML aliases expand too much/ },
    { name: 'log.file pointing at the config', cfg: (c) => c.replace('file: logs/fwcert.log', 'file: hostile.yaml'), expect: /hostile\.yaml:\d+: log\.file: .* is the configuration file/ },
    { name: 'ledger.path :memory:', cfg: (c) => c.replace('path: state/fwcert.db', 'path: ":memory:"'), expect: /hostile\.yaml:\d+: ledger\.path: ":memory:" is not allowed/ },
    { name: 'the same device twice in one profile', profiles: (p) => (p['vpn-portal.yaml'] = p['vpn-portal.yaml']!.replace(/(targets:\n)((?:\s+- device: ftd-1\n)(?:\s{4,}.*\n)*)/, '$1$2$2')), expect: /vpn-portal\.yaml:\d+: targets\.1\.device: device "ftd-1" is already a target/ },
    { name: 'a subject field with a NUL', profiles: (p) => (p['vpn-portal.yaml'] = p['vpn-portal.yaml']!.replace(/ o: .*\n/, ' o: "fwcert\\0Lab"\n')), expect: /vpn-portal\.yaml:\d+: subject\.o: control characters/ },
    { name: 'credentials that are /dev/zero', cfg: (c) => c.replace('credentials/ftd-1.yaml', '/dev/zero'), expect: /hostile\.yaml:\d+: credentials file \/dev\/zero is a character device/ },
    { name: 'a config with no profiles (run)', cfg: (c) => c.replace(/profiles_dir: .*\n/, ''), expect: /hostile\.yaml: this configuration manages nothing: it defines no certificate profile/ },
    { name: 'an empty config file (renew)', cfg: () => '', args: ['renew'], expect: /hostile\.yaml: this configuration manages nothing/ },
    { name: 'a config of comments only (enroll)', cfg: () => '# nothing here\n', args: ['enroll'], expect: /hostile\.yaml: this configuration manages nothing/ },
    { name: 'an unknown flag', args: ['run', '--frobnicate'], expect: /unknown option '--frobnicate'/ },
  ];

  for (const c of LAB_CASES) {
    it(c.name, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fwcert-hostile-case-'));
      try {
        cpSync(labDir, dir, { recursive: true });
        const profiles: Files = Object.fromEntries(readdirSync(join(dir, 'profiles')).map((f) => [f, readFileSync(join(dir, 'profiles', f), 'utf8')]));
        const original = { ...profiles };
        c.profiles?.(profiles);
        if (c.profiles && JSON.stringify(profiles) === JSON.stringify(original)) throw new Error('case setup changed nothing');
        for (const [f, text] of Object.entries(profiles)) writeFileSync(join(dir, 'profiles', f), text);
        const cfgText = readFileSync(join(dir, 'fwcert.yaml'), 'utf8');
        const hostile = c.cfg ? c.cfg(cfgText) : cfgText;
        if (c.cfg && hostile === cfgText) throw new Error('case setup changed nothing');
        const path = join(dir, 'hostile.yaml');
        writeFileSync(path, hostile);
        const r = await runCli(['--config', path, ...(c.args ?? ['run'])]);
        assert.equal(r.code, 2, r.stderr + r.stdout);
        assert.match(r.stderr, c.expect);
        assert.doesNotMatch(r.stderr, /\n\s+at \S+ \(/, 'no stack trace');
        assert.equal(requests(), 0, 'nothing was sent to the lab');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('the counters do count: a real check against the lab moves them', async () => {
    const r = await runCli(['--config', lab.configPath, 'check']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(requests() > 0);
  });
});
