// No configured value may carry control characters (NUL, CR, LF ...): they end up in HTTP headers,
// XML, XPath, CSRs and log lines, where they split, truncate or forge what fwcert sends. PEM blocks
// (client_cert_pem, client_key_pem) are the one place where line breaks belong. A `__proto__` key is
// refused too: plain objects would silently drop it (a device or CA that is configured but never used).
import type { PathKey } from './yaml-source.js';

const CONTROL = /[\x00-\x1f\x7f]/;
const MULTILINE_FIELD = /_pem$/;

export interface ValueProblem {
  path: PathKey[];
  /** The key itself is the problem (report at the key's line). */
  key?: string;
  why: string;
}

const CONTROL_WHY = 'control characters (NUL, CR, LF, tab ...) are not allowed in values';

/** Strings or keys with control characters, and `__proto__` keys, in `value`. Linear in its size. */
export function valueProblems(value: unknown, path: PathKey[] = [], out: ValueProblem[] = []): ValueProblem[] {
  if (typeof value === 'string') {
    const field = String(path[path.length - 1] ?? '');
    if (CONTROL.test(MULTILINE_FIELD.test(field) ? value.replace(/\r?\n/g, '') : value)) out.push({ path, why: CONTROL_WHY });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => valueProblems(v, [...path, i], out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (CONTROL.test(k)) out.push({ path, why: CONTROL_WHY });
      else if (k === '__proto__') out.push({ path, key: k, why: 'the name "__proto__" is reserved; choose another' });
      else valueProblems(v, [...path, k], out);
    }
  }
  return out;
}
