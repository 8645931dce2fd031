// The run lock is held by the kernel: a leftover lock file never blocks, a live run does (exit 4),
// and a run killed with SIGKILL leaves nothing behind.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { RunLockedError } from '../../src/core/errors.js';
import { RunLock } from '../../src/engine/lock.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { runCli } from '../support/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Starts a process that takes the lock at `path`; resolves once it holds it. */
function holder(path: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/hold-lock.ts', path], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve(child));
    child.on('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
  });
}

describe('run lock', () => {
  let lab: Lab;
  let dir: string;
  let lockPath: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-lock-'));
    lab = await startLab({ dir, fdm: 1, panos: 0 });
    lockPath = join(dir, 'state', 'fwcert.db.lock');
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a lock file naming a live, unrelated pid does not block a run', async () => {
    mkdirSync(join(dir, 'state'), { recursive: true });
    writeFileSync(lockPath, `${process.pid}\n`); // this test process: alive, and not a run
    const r = await cli('run');
    assert.equal(r.code, 0, r.stderr + r.stdout);
  });

  it('a live holder blocks a run with exit 4 and a clear message; SIGKILL on the holder frees it', async () => {
    const child = await holder(lockPath);
    try {
      const blocked = await cli('run');
      assert.equal(blocked.code, 4, blocked.stderr);
      assert.match(blocked.stderr, /another fwcert run is using this configuration \(lock .*fwcert\.db\.lock is held\)/);
      assert.doesNotMatch(blocked.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    const free = await cli('run');
    assert.equal(free.code, 0, free.stderr + free.stdout);
  });

  it('in one process: a second acquire is refused until the first is released', () => {
    const path = join(dir, 'unit.lock');
    const a = RunLock.acquire(path);
    assert.throws(() => RunLock.acquire(path), RunLockedError);
    a.release();
    RunLock.acquire(path).release();
  });
});
