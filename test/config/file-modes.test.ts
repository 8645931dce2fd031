// Files fwcert creates are private (ledger 0600, state/ and logs/ 0700, log 0640), and credentials
// files others can read are named in a warning, as the passphrase file already is.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/log.js';
import { RunLock } from '../../src/engine/lock.js';
import { Ledger } from '../../src/ledger/ledger.js';

const root = mkdtempSync(join(tmpdir(), 'fwcert-modes-'));
after(() => rmSync(root, { recursive: true, force: true }));
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe('file modes', () => {
  it('the ledger is 0600 in a 0700 folder, and so is the run lock', () => {
    const l = new Ledger(join(root, 'state', 'fwcert.db'));
    l.close();
    assert.equal(mode(join(root, 'state')), '700');
    assert.equal(mode(join(root, 'state', 'fwcert.db')), '600');
    RunLock.acquire(join(root, 'state', 'fwcert.db.lock')).release();
    assert.equal(mode(join(root, 'state', 'fwcert.db.lock')), '600');
  });

  it('an existing world-readable ledger is made 0600', () => {
    const path = join(root, 'old.db');
    new Ledger(path).close();
    chmodSync(path, 0o644);
    new Ledger(path).close();
    assert.equal(mode(path), '600');
  });

  it('the log folder is 0700 and the log 0640', () => {
    const file = join(root, 'logs', 'fwcert.log');
    createLogger({ level: 'info', file, terminal: false }).info('hello');
    assert.equal(mode(join(root, 'logs')), '700');
    assert.equal(mode(file), '640');
  });

  it('a credentials file readable by group or others gets a warning naming it; a 0600 one does not', async () => {
    const dir = join(root, 'cfg');
    mkdirSync(join(dir, 'credentials'), { recursive: true });
    writeFileSync(join(dir, 'credentials', 'ftd.yaml'), 'username: admin\npassword: secret-1\n', { mode: 0o644 });
    chmodSync(join(dir, 'credentials', 'ftd.yaml'), 0o644);
    writeFileSync(join(dir, 'fwcert.yaml'), [
      'devices:',
      '  ftd-1:',
      '    type: cisco-fdm',
      '    url: https://192.0.2.1',
      '    credentials: credentials/ftd.yaml',
      `    tls: { sha256: "${'AB:'.repeat(31)}AB" }`,
      '',
    ].join('\n'));
    const loose = await loadConfig({ configPath: join(dir, 'fwcert.yaml'), env: {} });
    assert.equal(loose.warnings.length, 1, loose.warnings.join('\n'));
    assert.match(loose.warnings[0]!, /fwcert\.yaml:5: credentials file .*ftd\.yaml is accessible by group or others \(mode 644\); run: chmod 600/);
    chmodSync(join(dir, 'credentials', 'ftd.yaml'), 0o600);
    const tight = await loadConfig({ configPath: join(dir, 'fwcert.yaml'), env: {} });
    assert.deepEqual(tight.warnings, []);
  });
});
