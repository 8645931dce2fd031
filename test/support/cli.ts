// Runs the real fwcert CLI as a child process, asynchronously so that in-process lab emulators keep
// answering while it runs. It runs the built CLI (dist/, what `npm install` ships) when that build is
// at least as new as every source file, else the sources through tsx: `npm test` builds first, and a
// test file run on its own after an edit still tests the edit.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './root.js';

/** Every `.ts` under src/ has its `.js` in dist/src/, written after the `.ts` was last changed. */
function builtCliIsFresh(): boolean {
  if (process.env.FWCERT_TEST_CLI === 'tsx') return false;
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
  try {
    return walk(join(ROOT, 'src')).every((ts) => {
      const js = join(ROOT, 'dist', ts.slice(ROOT.length).replace(/\.ts$/, '.js'));
      return existsSync(js) && statSync(js).mtimeMs >= statSync(ts).mtimeMs;
    });
  } catch {
    return false;
  }
}

let cliArgs: string[] | undefined;

/** The node arguments that start the CLI: the fresh build, or the sources through tsx. */
export function cliEntry(): string[] {
  cliArgs ??= builtCliIsFresh() ? ['dist/src/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts'];
  return cliArgs;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliEntry(), ...args], {
      cwd: ROOT,
      env: { ...process.env, FWCERT_CONFIG: '', FWCERT_PASSPHRASE: '', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

export function json<T = unknown>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
}
