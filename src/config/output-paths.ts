// Where fwcert writes (log file, ledger) must never be a file it reads (the config, a profile, a
// credentials or passphrase file, a trust file), a directory or a device file: appending JSON lines to
// fwcert.yaml breaks it, and a ledger at ":memory:" forgets every order (so it could order twice).
import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileKind } from '../core/files.js';

/** The canonical form of a path, following symlinks as far as the path exists. */
export function canonicalPath(p: string): string {
  const abs = resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(canonicalPath(parent), basename(abs));
  }
}

/** Files fwcert reads, by canonical path, with what they are (for messages). */
export class InputFiles {
  private readonly files = new Map<string, string>();

  add(path: string, what: string): void {
    const c = canonicalPath(path);
    if (!this.files.has(c)) this.files.set(c, what);
  }

  whatIs(path: string): string | undefined {
    return this.files.get(canonicalPath(path));
  }
}

/** Why `path` (the raw value `raw`) cannot be written as `key`, or undefined when it can. */
export function outputPathProblem(key: 'log.file' | 'ledger.path', raw: string, path: string, inputs: InputFiles): string | undefined {
  if (key === 'ledger.path' && (raw === ':memory:' || raw.startsWith('file:'))) {
    return `${key}: "${raw}" is not allowed: an in-memory or URI database forgets every order when the run ends, so a lost CA answer could be ordered twice; give a file path`;
  }
  const clash = inputs.whatIs(path);
  if (clash) return `${key}: ${path} is ${clash}, which fwcert reads; writing there would damage it (give a path of its own)`;
  if (existsSync(path)) {
    const st = statSync(path);
    if (!st.isFile()) return `${key}: ${path} is ${fileKind(st)}; it must be a regular file (or not exist yet)`;
  }
  return undefined;
}
