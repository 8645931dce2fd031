import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decryptArmored, decryptIfEncrypted, encryptArmored, looksEncrypted } from '../../src/secrets/index.js';

// A private GNUPGHOME so the test neither reads nor changes the user's keyrings; its gpg-agent is
// stopped afterwards so nothing keeps running.
const home = mkdtempSync(join(tmpdir(), 'fwcert-gpg-'));
after(() => {
  spawnSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']);
  rmSync(home, { recursive: true, force: true });
});

const PASS = 'S3cret passphrase with spaces & "quotes"';
const CREDENTIALS = 'login: api-user\npassword: "pä$$wörd: with colon"\n# trailing comment\n';

/** gpg in batch mode, passphrase on fd 0, no passphrase cache (so a wrong one is really tried). */
function gpg(args: string[], passphrase: string): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(
    'gpg',
    ['--homedir', home, '--batch', '--yes', '--no-symkey-cache', '--pinentry-mode', 'loopback', '--passphrase-fd', '0', ...args],
    { input: `${passphrase}\n` },
  );
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

describe('OpenPGP interoperability with gpg', () => {
  it('gpg decrypts what encryptArmored writes', async () => {
    const armored = await encryptArmored(CREDENTIALS, PASS);
    assert.match(armored, /^-----BEGIN PGP MESSAGE-----/);
    assert.ok(!armored.includes('api-user'));
    const file = join(home, 'creds.yaml.asc');
    writeFileSync(file, armored);
    const r = gpg(['--decrypt', file], PASS);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString('utf8'), CREDENTIALS);
    assert.match(r.stderr, /AES256/);
  });

  it('gpg refuses our file with a wrong passphrase', async () => {
    const file = join(home, 'creds2.yaml.asc');
    writeFileSync(file, await encryptArmored(CREDENTIALS, PASS));
    const r = gpg(['--decrypt', file], 'not the passphrase');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Bad session key|decryption failed/);
  });

  it('decryptArmored reads `gpg --symmetric --armor` output', async () => {
    const plain = join(home, 'plain.yaml');
    writeFileSync(plain, CREDENTIALS);
    const out = join(home, 'gpg-armored.asc');
    const r = gpg(['--symmetric', '--armor', '--output', out, plain], PASS);
    assert.equal(r.status, 0, r.stderr);
    const armored = readFileSync(out, 'utf8');
    assert.equal(looksEncrypted(armored), true);
    assert.equal(await decryptArmored(armored, PASS), CREDENTIALS);
  });

  it('decryptArmored reads binary `gpg --symmetric` output (gpg defaults and AES-256)', async () => {
    const plain = join(home, 'plain2.yaml');
    writeFileSync(plain, CREDENTIALS);
    for (const extra of [[], ['--cipher-algo', 'AES256', '--compress-algo', 'none']]) {
      const out = join(home, `gpg-binary-${extra.length}.gpg`);
      const r = gpg(['--symmetric', ...extra, '--output', out, plain], PASS);
      assert.equal(r.status, 0, r.stderr);
      const binary = readFileSync(out);
      assert.equal(looksEncrypted(binary), true);
      assert.equal(await decryptArmored(binary, PASS), CREDENTIALS);
      assert.equal(await decryptArmored(binary.toString('base64'), PASS), CREDENTIALS, 'base64 of the binary file');
    }
  });

  it('a wrong passphrase gives "wrong passphrase or corrupt file", without any secret', async () => {
    const armored = await encryptArmored(CREDENTIALS, PASS);
    const wrong = 'S3cret passphrase with spaces & "quotez"';
    await assert.rejects(decryptArmored(armored, wrong), (e: Error) => {
      assert.equal(e.message, 'wrong passphrase or corrupt file');
      assert.ok(!String(e.stack).includes(wrong) && !String(e.stack).includes(PASS));
      return true;
    });
    await assert.rejects(decryptIfEncrypted(armored, wrong, 'credentials/scm.yaml.asc'), (e: Error) => {
      assert.equal(e.message, 'credentials/scm.yaml.asc: wrong passphrase or corrupt file');
      return true;
    });
  });

  it('a damaged file is reported, not decrypted', async () => {
    const armored = await encryptArmored(CREDENTIALS, PASS);
    const lines = armored.split('\n');
    const mid = Math.floor(lines.length / 2);
    lines[mid] = lines[mid]!.replace(/[A-Za-z]/, (c) => (c === 'A' ? 'B' : 'A'));
    await assert.rejects(decryptArmored(lines.join('\n'), PASS), /wrong passphrase or corrupt file|not an OpenPGP message/);
    await assert.rejects(decryptArmored('hello', PASS), /not an OpenPGP message/);
  });
});

describe('looksEncrypted and decryptIfEncrypted', () => {
  it('tells plain YAML from OpenPGP messages', async () => {
    assert.equal(looksEncrypted(CREDENTIALS), false);
    assert.equal(looksEncrypted(Buffer.from(CREDENTIALS)), false);
    assert.equal(looksEncrypted(Buffer.alloc(0)), false);
    const armored = await encryptArmored('x', PASS);
    assert.equal(looksEncrypted(armored), true);
    assert.equal(looksEncrypted(Buffer.from(armored)), true);
  });

  it('passes plain files through and insists on a passphrase for encrypted ones', async () => {
    assert.equal(await decryptIfEncrypted(Buffer.from(CREDENTIALS), undefined, 'creds.yaml'), CREDENTIALS);
    const armored = await encryptArmored(CREDENTIALS, PASS);
    await assert.rejects(decryptIfEncrypted(armored, undefined, 'creds.yaml.asc'), /creds.yaml.asc is encrypted: set \$FWCERT_PASSPHRASE or secrets.passphrase_file/);
    assert.equal(await decryptIfEncrypted(armored, PASS, 'creds.yaml.asc'), CREDENTIALS);
  });

  it('refuses an empty passphrase', async () => {
    await assert.rejects(encryptArmored('x', ''), /non-empty passphrase/);
  });
});
