// Where the passphrase for encrypted credential files comes from: $FWCERT_PASSPHRASE (containers,
// CI) wins over the passphrase file named in fwcert.yaml (cron, services).
import { statSync } from 'node:fs';
import { readRegularFile } from '../core/files.js';
import { registerSecret } from '../core/redact.js';

export const PASSPHRASE_ENV = 'FWCERT_PASSPHRASE';

export interface ResolvedPassphrase {
  passphrase: string;
  source: 'env' | 'file';
  /** Set when the file is readable by group or others: usable, but the operator should fix it. */
  warning?: string;
}

/**
 * The passphrase, or undefined when neither source is configured. Errors name the file and the
 * problem, never its content. Every passphrase found is registered for redaction.
 */
export function resolvePassphrase(opts: { env?: NodeJS.ProcessEnv; file?: string } = {}): ResolvedPassphrase | undefined {
  const env = opts.env ?? process.env;
  const fromEnv = env[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const passphrase = fromEnv.trim();
    registerSecret(passphrase);
    return { passphrase, source: 'env' };
  }
  if (!opts.file) return undefined;

  let content: string;
  let mode: number;
  try {
    content = readRegularFile(opts.file, 64 * 1024).toString('utf8');
    mode = statSync(opts.file).mode;
  } catch (e) {
    throw new Error(`passphrase file ${opts.file} ${(e as Error).message}`);
  }
  const passphrase = (content.split(/\r?\n/)[0] ?? '').trim();
  if (!passphrase) throw new Error(`passphrase file ${opts.file} is empty (the passphrase is its first line)`);
  registerSecret(passphrase);

  const result: ResolvedPassphrase = { passphrase, source: 'file' };
  // POSIX permission bits mean nothing on Windows.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(3, '0');
    result.warning = `passphrase file ${opts.file} is accessible by group or others (mode ${octal}); run: chmod 600 ${opts.file}`;
  }
  return result;
}
