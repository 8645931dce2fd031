// The run lock stays held for as long as the process runs, whatever the caller keeps a reference to.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/root.js';

describe('run lock', () => {
  it('a lock whose RunLock is not referenced is still held after garbage collection', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fwcert-lock-'));
    try {
      // The first acquire drops its result on the floor; a forced collection must not release it.
      const script = `
        import { RunLock } from './src/engine/lock.ts';
        const path = ${JSON.stringify(join(dir, 'fwcert.db.lock'))};
        RunLock.acquire(path);
        for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
        try { RunLock.acquire(path); console.log('acquired twice'); } catch (e) { console.log(e.constructor.name + ': ' + e.message); }
      `;
      const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^RunLockedError: another fwcert run is using this configuration/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
