// ACME problem documents (RFC 8555 section 6.7, RFC 7807) -> CaError messages an operator can act
// on: the type, the CA's detail, and every subproblem with the identifier it concerns.
import { CaError } from '../../core/errors.js';

const ACME_ERR = 'urn:ietf:params:acme:error:';

export interface AcmeIdentifier {
  type: string;
  value: string;
}

export interface AcmeProblem {
  type?: string;
  detail?: string;
  status?: number;
  subproblems?: Array<{ type?: string; detail?: string; identifier?: AcmeIdentifier }>;
}

/** A CaError that carries the CA's problem document and, when the CA said so, how long to wait. */
export class AcmeCaError extends CaError {
  constructor(
    message: string,
    code: string | number | undefined,
    retryable: boolean,
    readonly retryAfterMs?: number,
    readonly problem?: AcmeProblem,
  ) {
    super(message, code, retryable);
  }
}

export function isProblem(data: unknown): data is AcmeProblem {
  return !!data && typeof data === 'object' && (typeof (data as AcmeProblem).type === 'string' || typeof (data as AcmeProblem).detail === 'string');
}

export function problemType(p: AcmeProblem | undefined): string | undefined {
  return p?.type?.startsWith(ACME_ERR) ? p.type.slice(ACME_ERR.length) : p?.type;
}

export function describeProblem(p: AcmeProblem): string {
  const head = `${p.detail ?? 'no detail'} [${p.type ?? 'no type'}]`;
  const subs = (p.subproblems ?? []).map((s) => {
    const who = s.identifier ? `${s.identifier.type}:${s.identifier.value}` : 'unknown identifier';
    return `${who}: ${s.detail ?? 'no detail'} [${s.type ?? 'no type'}]`;
  });
  return subs.length ? `${head}; ${subs.join('; ')}` : head;
}

/** Retry-After as seconds or an HTTP date -> ms (undefined when absent or unreadable). */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const secs = Number(value.trim());
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

const RETRYABLE_TYPES = new Set(['rateLimited', 'serverInternal', 'badNonce']);

export function problemError(context: string, status: number, problem: AcmeProblem, retryAfter?: string): AcmeCaError {
  const type = problemType(problem);
  const waitMs = parseRetryAfter(retryAfter);
  const retryable = RETRYABLE_TYPES.has(type ?? '') || status === 429 || status >= 500;
  const wait = waitMs !== undefined && retryable ? ` — retry after ${Math.ceil(waitMs / 1000)} s` : '';
  return new AcmeCaError(`${context}: HTTP ${status}: ${describeProblem(problem)}${wait}`, type ?? status, retryable, waitMs, problem);
}
