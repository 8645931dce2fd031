// The run lock is held by the kernel: a leftover lock file never blocks, a live run does (exit 4),
// and a run killed with SIGKILL leaves nothing behind.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunLockedError } from '../../src/core/errors.js';
import { RunLock } from '../../src/engine/lock.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { runCli } from '../support/cli.js';
import { holdLock, killHard } from '../support/lock-holder.js';

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
    const child = await holdLock(lockPath);
    try {
      const blocked = await cli('run');
      assert.equal(blocked.code, 4, blocked.stderr);
      assert.match(blocked.stderr, /another fwcert run is using this configuration \(lock .*fwcert\.db\.lock is held\)/);
      assert.doesNotMatch(blocked.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      await killHard(child);
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
