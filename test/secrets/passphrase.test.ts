import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { clearSecrets, redact } from '../../src/core/redact.js';
import { resolvePassphrase } from '../../src/secrets/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fwcert-pass-'));
after(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => clearSecrets());

function passFile(name: string, content: string, mode = 0o600): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  chmodSync(p, mode);
  return p;
}

describe('resolvePassphrase', () => {
  it('$FWCERT_PASSPHRASE wins over the file', () => {
    const file = passFile('pf1', 'from-file\n');
    const r = resolvePassphrase({ env: { FWCERT_PASSPHRASE: 'from-env-value' }, file });
    assert.deepEqual(r, { passphrase: 'from-env-value', source: 'env' });
  });

  it('reads the first line of the file, trimmed', () => {
    const file = passFile('pf2', '  correct horse battery  \r\nsecond line ignored\n');
    assert.deepEqual(resolvePassphrase({ env: {}, file }), { passphrase: 'correct horse battery', source: 'file' });
  });

  it('an empty $FWCERT_PASSPHRASE counts as unset', () => {
    const file = passFile('pf3', 'from-file\n');
    assert.equal(resolvePassphrase({ env: { FWCERT_PASSPHRASE: '' }, file })?.passphrase, 'from-file');
  });

  it('returns undefined when nothing is configured', () => {
    assert.equal(resolvePassphrase({ env: {} }), undefined);
  });

  it('warns (and still works) when the file is readable by group or others', () => {
    const file = passFile('pf4', 'shared-secret\n', 0o644);
    const r = resolvePassphrase({ env: {}, file });
    assert.equal(r?.passphrase, 'shared-secret');
    assert.equal(r?.warning, `passphrase file ${file} is accessible by group or others (mode 644); run: chmod 600 ${file}`);
    assert.equal(resolvePassphrase({ env: {}, file: passFile('pf5', 'private\n', 0o600) })?.warning, undefined);
  });

  it('errors name the file, never the content', () => {
    assert.throws(() => resolvePassphrase({ env: {}, file: join(dir, 'missing') }), /passphrase file .*missing does not exist/);
    assert.throws(() => resolvePassphrase({ env: {}, file: passFile('pf6', '\nsecond-line-secret\n') }), (e: Error) => {
      assert.match(e.message, /is empty \(the passphrase is its first line\)/);
      assert.ok(!e.message.includes('second-line-secret'));
      return true;
    });
  });

  it('registers the passphrase so logs and errors redact it', () => {
    resolvePassphrase({ env: { FWCERT_PASSPHRASE: 'env-passphrase-123' } });
    resolvePassphrase({ env: {}, file: passFile('pf7', 'file-passphrase-456\n') });
    assert.equal(redact('a env-passphrase-123 b file-passphrase-456'), 'a *** b ***');
  });
});
