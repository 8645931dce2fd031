// One run at a time per config: a lock the kernel holds for us. The lock file is an (empty) SQLite
// database held in an exclusive transaction; SQLite takes POSIX record locks on it, which the OS
// drops the moment the holder exits, however it exits (kill -9, crash, reboot). Nothing in the
// file names an owner, so nothing can go stale: a leftover file is just an unlocked file.
import { closeSync, mkdirSync, openSync, truncateSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { RunLockedError } from '../core/errors.js';

export class RunLock {
  /** Strong references until release(): a RunLock nobody refers to could be garbage-collected,
   *  and collecting its database closes it, which drops the kernel lock while the run goes on. */
  private static readonly held = new Set<RunLock>();

  private constructor(private readonly db: Database.Database) {
    RunLock.held.add(this);
  }

  /** Takes the lock at once or throws RunLockedError (another run holds it); never waits. */
  static acquire(path: string): RunLock {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, 'a', 0o600)); // create it private before SQLite does (0644)
    for (let attempt = 0; ; attempt++) {
      const db = new Database(path, { timeout: 0 });
      try {
        db.exec('BEGIN EXCLUSIVE');
        return new RunLock(db);
      } catch (e) {
        db.close();
        const code = (e as { code?: string }).code;
        if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
          throw new RunLockedError(`another fwcert run is using this configuration (lock ${path} is held); try again when it has finished`);
        }
        // A pid file left by an older fwcert is not a database: empty it (nobody can hold it) and retry.
        if (code === 'SQLITE_NOTADB' && attempt === 0) {
          truncateSync(path);
          continue;
        }
        throw e;
      }
    }
  }

  release(): void {
    RunLock.held.delete(this);
    if (this.db.open) this.db.close();
  }
}
