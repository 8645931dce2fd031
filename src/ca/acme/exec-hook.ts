// Runs a user-supplied hook program (dns-01 / http-01 "exec" providers): no shell, bounded time,
// and on failure the last lines of its stderr so the operator sees why.
import { spawn } from 'node:child_process';

export interface HookRun {
  command: string;
  args: string[];
  env: Record<string, string>;
  timeoutMs: number;
}

const TAIL_CHARS = 800;

function tail(text: string): string {
  const t = text.trim();
  return t.length > TAIL_CHARS ? `...${t.slice(-TAIL_CHARS)}` : t;
}

export function runHook(run: HookRun): Promise<void> {
  return new Promise((resolve, reject) => {
    const what = `${run.command} ${run.args.join(' ')}`;
    let stderr = '';
    let timedOut = false;
    const child = spawn(run.command, run.args, { env: { ...process.env, ...run.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-4 * TAIL_CHARS);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    }, run.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`hook "${run.command}" could not be started: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return reject(new Error(`hook "${what}" did not finish within ${run.timeoutMs / 1000} s${stderr ? `; stderr: ${tail(stderr)}` : ''}`));
      if (code === 0) return resolve();
      const how = code !== null ? `exited with status ${code}` : `was killed by ${signal}`;
      reject(new Error(`hook "${what}" ${how}${stderr.trim() ? `; stderr: ${tail(stderr)}` : ''}`));
    });
  });
}
