// Commands the operator configures (ACME hooks, post-commit hooks): where they are and whether they can run.
// A command with a slash is a path, relative ones resolve against the config folder; a bare name is looked up on PATH.
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export function resolveCommand(command: string, baseDir: string | undefined): string {
  if (!command.includes('/') || isAbsolute(command) || !baseDir) return command;
  return join(baseDir, command);
}

function executableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Why `command` cannot be run, or undefined when it can. */
export function commandProblem(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (command.includes('/')) {
    try {
      const st = statSync(command);
      if (!st.isFile()) return `${command} is not a file`;
    } catch {
      return `${command} does not exist`;
    }
    return executableFile(command) ? undefined : `${command} is not executable (chmod +x)`;
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  return dirs.some((d) => executableFile(join(d, command))) ? undefined : `${command} is not found on PATH (${dirs.join(delimiter)})`;
}

export interface CommandResult {
  exitCode: number | null;
  signal?: string;
  timedOut: boolean;
  /** stdout and stderr interleaved as they came, the last 4000 characters. */
  output: string;
  error?: string;
}

const KEEP = 4000;

/** Runs a command without a shell, with extra environment, bounded time and captured output; never throws. */
export function runCommand(command: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const take = (d: Buffer) => {
      output = (output + d.toString('utf8')).slice(-KEEP);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ exitCode: null, timedOut: false, output, error: `could not be started: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        exitCode: code, timedOut, output: output.trim(), ...(signal ? { signal } : {}),
        ...(timedOut ? { error: `did not finish within ${timeoutMs / 1000} s` } : code !== 0 ? { error: code !== null ? `exited with status ${code}` : `was killed by ${signal}` } : {}),
      });
    });
  });
}
