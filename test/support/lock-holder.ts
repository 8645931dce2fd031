// Starts another process that takes fwcert's run lock and holds it until killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT } from './root.js';

/** Resolves once the child holds the lock at `path`. */
export function holdLock(path: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/hold-lock.ts', path], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve(child));
    child.on('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
  });
}

/** SIGKILL: the way a crashed run ends. */
export async function killHard(child: ChildProcess): Promise<void> {
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}
