// Secrets at rest: credentials files readable by group or others get the same warning as the
// passphrase file (usable, but the operator should fix it).
import { statSync } from 'node:fs';

export function credentialsModeWarning(path: string): string | undefined {
  if (process.platform === 'win32') return undefined; // POSIX permission bits mean nothing there
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return undefined;
  }
  if ((mode & 0o077) === 0) return undefined;
  const octal = (mode & 0o777).toString(8).padStart(3, '0');
  return `credentials file ${path} is accessible by group or others (mode ${octal}); run: chmod 600 ${path}`;
}
