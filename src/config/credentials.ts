// Credential files: YAML, optionally OpenPGP-encrypted (gpg-compatible), plus env-var overrides.
import { ConfigError } from '../core/errors.js';
import { readRegularFile } from '../core/files.js';
import { registerSecret } from '../core/redact.js';
import { decryptArmored, looksEncrypted } from '../secrets/pgp.js';
import { YamlSource } from './yaml-source.js';

export interface LoadedCredentials {
  values: Record<string, unknown>;
  source?: YamlSource;
}

/** Reads a credentials file (decrypting it when it is OpenPGP) and registers every string in it as a secret. */
export async function readCredentialsFile(path: string, where: string, passphrase: string | undefined): Promise<LoadedCredentials> {
  let raw: Buffer;
  try {
    raw = readRegularFile(path);
  } catch (e) {
    throw new ConfigError(`credentials file ${path} ${(e as Error).message}`, where);
  }
  let text: string;
  let label = path;
  if (looksEncrypted(raw)) {
    if (!passphrase) {
      throw new ConfigError(
        `credentials file ${path} is encrypted but no passphrase is set (set $FWCERT_PASSPHRASE or secrets.passphrase_file)`,
        where,
      );
    }
    try {
      text = await decryptArmored(raw, passphrase);
    } catch {
      throw new ConfigError(`cannot decrypt credentials file ${path}: wrong passphrase or corrupt file`, where);
    }
    label = `${path} (decrypted)`;
  } else text = raw.toString('utf8');
  const source = YamlSource.parse(label, text);
  const values = source.toJS();
  if (!values || typeof values !== 'object' || Array.isArray(values)) {
    throw new ConfigError('credentials must be a YAML mapping of key: value', `${label}:1`);
  }
  registerAll(values);
  return { values: values as Record<string, unknown>, source };
}

/** Values from environment variables named in `credentials_env` win over the file's. */
export function applyCredentialsEnv(
  values: Record<string, unknown>,
  mapping: Record<string, string> | undefined,
  env: NodeJS.ProcessEnv,
  where: string,
): Record<string, unknown> {
  const out = { ...values };
  for (const [field, variable] of Object.entries(mapping ?? {})) {
    const v = env[variable];
    if (v === undefined || v === '') throw new ConfigError(`credentials_env.${field}: environment variable ${variable} is not set`, where);
    if (SECRET_FIELD.test(field)) registerSecret(v);
    out[field] = v;
  }
  return out;
}

// Fields whose values are secrets. Logins and usernames are not: redacting them would mangle every
// log line that happens to contain the same word (an admin called "fwcert", say).
const SECRET_FIELD = /pass|secret|key|token|hmac|pem/i;

function registerAll(v: unknown, field = ''): void {
  if (typeof v === 'string') {
    if (SECRET_FIELD.test(field)) registerSecret(v);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) registerAll(x, Array.isArray(v) ? field : k);
  }
}
