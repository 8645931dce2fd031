// Commands a person types: encrypt/decrypt interop with gpg, check, usage errors, exit codes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { runCli } from '../support/cli.js';

const PASS = 'correct horse battery staple';

describe('fwcert CLI', () => {
  let lab: Lab;
  let dir: string;
  let gnupg: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-cli-'));
    gnupg = mkdtempSync(join(tmpdir(), 'fwcert-gnupg-'));
    lab = await startLab({ dir, fdm: 1, panos: 1 });
  });
  after(async () => {
    await lab.close();
    try {
      execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: gnupg } });
    } catch {
      /* no agent */
    }
    rmSync(dir, { recursive: true, force: true });
    rmSync(gnupg, { recursive: true, force: true });
  });

  const gpg = (args: string[], input?: string) =>
    execFileSync('gpg', ['--batch', '--yes', '--no-symkey-cache', '--pinentry-mode', 'loopback', '--passphrase', PASS, ...args], {
      env: { ...process.env, GNUPGHOME: gnupg }, input, stdio: ['pipe', 'pipe', 'pipe'],
    }).toString();

  it('encrypt writes a file gpg decrypts; decrypt reads what gpg --symmetric writes', async () => {
    const plain = join(dir, 'creds.yaml');
    writeFileSync(plain, 'username: admin\npassword: from-the-cli-1\n');
    const enc = await runCli(['encrypt', plain], { env: { FWCERT_PASSPHRASE: PASS } });
    assert.equal(enc.code, 0, enc.stderr);
    assert.match(readFileSync(`${plain}.asc`, 'utf8'), /^-----BEGIN PGP MESSAGE-----/);
    assert.equal(gpg(['--decrypt', `${plain}.asc`]), 'username: admin\npassword: from-the-cli-1\n');
    gpg(['--symmetric', '--output', join(dir, 'by-gpg.gpg'), plain]);
    const dec = await runCli(['decrypt', join(dir, 'by-gpg.gpg')], { env: { FWCERT_PASSPHRASE: PASS } });
    assert.equal(dec.code, 0, dec.stderr);
    assert.equal(dec.stdout, 'username: admin\npassword: from-the-cli-1\n');
    const wrong = await runCli(['decrypt', `${plain}.asc`], { env: { FWCERT_PASSPHRASE: 'not it' } });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /wrong passphrase or corrupt file/);
    assert.ok(!wrong.stderr.includes('not it'));
    const again = await runCli(['encrypt', plain], { env: { FWCERT_PASSPHRASE: PASS } });
    assert.equal(again.code, 2, 'an existing output is not overwritten without --force');
  });

  it('a run reads encrypted device credentials transparently', async () => {
    const credPath = join(dir, 'credentials', 'ftd-1.yaml');
    writeFileSync(`${credPath}.asc`, gpg(['--symmetric', '--armor', '--output', '-', credPath]));
    const cfg = join(dir, 'encrypted.yaml');
    writeFileSync(cfg, readFileSync(lab.configPath, 'utf8').replace('credentials/ftd-1.yaml', 'credentials/ftd-1.yaml.asc'));
    const ok = await runCli(['--config', cfg, 'check'], { env: { FWCERT_PASSPHRASE: PASS } });
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /ftd-1\s+cisco-fdm\s+ok/);
    const none = await runCli(['--config', cfg, 'check']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /encrypted\.yaml:\d+: credentials file .*ftd-1\.yaml\.asc is encrypted but no passphrase is set/);
  });

  it('check reaches every device and CA, and names what failed without the password', async () => {
    const ok = await runCli(['--config', lab.configPath, 'check']);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /pa-1\s+paloalto\s+ok/);
    assert.match(ok.stdout, /lab-sectigo\s+sectigo-scm\s+ok/);
    const badCreds = join(dir, 'credentials', 'pa-wrong.yaml');
    writeFileSync(badCreds, 'username: fwcert\npassword: definitely-wrong-pw\n');
    const cfg = join(dir, 'wrong-pw.yaml');
    writeFileSync(cfg, readFileSync(lab.configPath, 'utf8').replace('credentials/pa-1.yaml', 'credentials/pa-wrong.yaml'));
    const bad = await runCli(['--config', cfg, 'check']);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /pa-1\s+paloalto\s+FAILED/);
    assert.ok(!(bad.stdout + bad.stderr).includes('definitely-wrong-pw'));
  });

  it('usage errors exit 2', async () => {
    assert.equal((await runCli(['frobnicate'])).code, 2);
    assert.equal((await runCli(['--config', lab.configPath, 'run', '--concurrency', '0'])).code, 2);
    const typo = await runCli(['--config', lab.configPath, 'run', '--profile', 'vpn-portl']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /unknown profile vpn-portl \(defined: .*vpn-portal/);
    const missing = await runCli(['--config', join(dir, 'nope.yaml'), 'run']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml: file not found/);
  });
});
