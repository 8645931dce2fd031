// What a configured https:// URL may not carry. The WHATWG parser behind z.url() silently drops
// CR/LF/tab and accepts user:password@, ?query and #fragment; each of these either smuggles a
// secret into the config (and into logs) or changes where fwcert's requests really go.
import type { z } from 'zod';

/** Why `raw` is not an acceptable base URL, or undefined when it is. */
export function urlProblem(raw: string): string | undefined {
  if (/[\x00-\x20\x7f]/.test(raw)) return 'must not contain spaces or control characters (CR, LF, NUL, tab ...)';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return undefined; // the URL schema says what is wrong with it
  }
  if (u.username || u.password || /^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(raw)) {
    return 'must not carry user:password@ (credentials belong in the credentials file, never in a URL)';
  }
  if (raw.includes('?')) return 'must not have a query (?...)';
  if (raw.includes('#')) return 'must not have a fragment (#...)';
  return undefined;
}

/** For `.superRefine(refineUrl)` on a zod URL schema. */
export function refineUrl(raw: string, ctx: z.core.$RefinementCtx<string>): void {
  const problem = urlProblem(raw);
  if (problem) ctx.addIssue({ code: 'custom', message: `${raw.replace(/[\x00-\x1f\x7f]/g, '?').replace(/\/\/[^/@]*@/, '//***@')}: ${problem}` });
}
