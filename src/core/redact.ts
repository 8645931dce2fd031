// Process-wide list of secret values (passwords, API keys, tokens, passphrases) that must never
// be printed. Everything that loads or receives a secret registers it; logs and errors pass
// through redact() before they leave the process.

const secrets = new Set<string>();
const MIN_LEN = 4; // shorter values would mangle ordinary text

export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== 'string') return;
  const v = value.trim();
  if (v.length >= MIN_LEN) {
    secrets.add(v);
    // Also catch the URL-encoded form (query strings, form bodies).
    const enc = encodeURIComponent(v);
    if (enc !== v) secrets.add(enc);
  }
}

const PEM_KEY = /-----BEGIN ([A-Z ]*PRIVATE KEY)-----[\s\S]*?-----END \1-----/g;

export function redact(text: string): string {
  let out = text.replace(PEM_KEY, '[private key redacted]');
  if (secrets.size === 0) return out;
  // Longest first, so a secret that contains another is replaced whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join('***');
  }
  return out;
}

/** Deep-redacts strings inside a JSON-able value (for --json output and log objects). */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (value instanceof Error) {
    // message/name are not enumerable: copy them explicitly so they survive.
    const e = value as Error & Record<string, unknown>;
    return redactValue({ ...e, name: e.name, message: e.message }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(v);
    return out as T;
  }
  return value;
}

/** Test hook: forget registered secrets. */
export function clearSecrets(): void {
  secrets.clear();
}
