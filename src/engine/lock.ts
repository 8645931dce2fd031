// One run at a time per config: an exclusive lock file holding the owner's pid.
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RunLock {
  private constructor(private readonly path: string) {}

  /** Takes the lock or throws an Error that says who holds it. A lock left by a dead process is taken over. */
  static acquire(path: string): RunLock {
    mkdirSync(dirname(path), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        return new RunLock(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const pid = Number(readFileSync(path, 'utf8').trim());
        if (pid && alive(pid) && pid !== process.pid) {
          throw new Error(`another fwcert run (pid ${pid}) is using this configuration (lock ${path}); try again when it has finished`);
        }
        unlinkSync(path); // stale: its owner is gone
      }
    }
    throw new Error(`cannot take the run lock ${path}`);
  }

  release(): void {
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}
