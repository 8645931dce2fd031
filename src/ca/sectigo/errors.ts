// SCM error bodies ({code, description} on every status ≥400, reference §4) turned into CaErrors
// that read "Sectigo SCM: <operation> failed: <code> <description>".
import { CaError, errorMessage } from '../../core/errors.js';
import { redact } from '../../core/redact.js';
import type { HttpResponse } from '../../http/client.js';

export const PREFIX = 'Sectigo SCM';

/**
 * 400 answers of collect meaning "not issued yet, ask again later" (§3.4). An SSL order answers
 * 0 "Being processed by Sectigo" (what Go clients of real tenants wait on); -183 is the S/MIME text
 * that python-cert_manager and a real S/MIME log show; the others are in the documented table.
 */
export const PENDING_CODES: ReadonlySet<number> = new Set([-183, -1400, -109, -103, 0]);
/** revoke of a certificate that is already revoked: the goal is reached (documented error table). */
export const ALREADY_REVOKED_CODE = -159;
/**
 * "Only issued certificates could be revoked.": what real tenants answer to a second revoke, and
 * also to a revoke of a certificate that was never issued, so the issuer confirms with the details.
 */
export const NOT_ISSUED_REVOKE_CODE = -102;
/** renewById refused for this certificate; a fresh enroll still works (§3.7, §4). */
export const RENEW_REFUSED_CODES: ReadonlyMap<number, string> = new Map([
  [-180, 'the certificate profile does not allow renew'],
  [-123, 'SCM does not know the certificate to renew'],
  [-124, 'SCM does not know the certificate id'],
  [-1117, 'SCM does not know the certificate'],
  [-5101, 'SCM does not know the certificate'],
  [-105, 'SCM could not renew the certificate in its current state'],
  [-130, 'the certificate is not in state Issued'],
]);
/** Ids SCM answers with when a certificate does not exist. */
export const UNKNOWN_ID_CODES: ReadonlySet<number> = new Set([-123, -124, -1117, -5101]);
/** "CA is not available now. Please try again later." */
const CA_UNAVAILABLE_CODE = -195;

/** An HTTP answer from SCM that is an error; `scmCode`/`description` when the body carried them. */
export class ScmError extends CaError {
  constructor(
    message: string,
    readonly status: number,
    readonly scmCode: number | undefined,
    readonly description: string,
    retryable: boolean,
  ) {
    super(message, scmCode ?? `HTTP ${status}`, retryable);
    this.name = 'ScmError';
  }
}

interface ScmErrorBody {
  code?: unknown;
  description?: unknown;
}

function readErrorBody(res: HttpResponse): { code?: number; description: string } {
  const text = res.text().trim();
  if (!text) return { description: '' };
  try {
    const body = JSON.parse(text) as ScmErrorBody;
    if (body && typeof body === 'object') {
      const code = typeof body.code === 'number' ? body.code : typeof body.code === 'string' && /^-?\d+$/.test(body.code) ? Number(body.code) : undefined;
      const description = typeof body.description === 'string' ? body.description.trim() : '';
      if (code !== undefined || description) return { code, description };
    }
  } catch {
    // not JSON: a proxy or load balancer page; show its text without markup
  }
  return { description: text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200) };
}

const HINTS: Record<number, string> = {
  401: 'check login, password (or client certificate) and customer_uri; the admin must be allowed to use the web API',
  403: 'the admin lacks the privilege for this operation or organization',
};

/** Builds the CaError for a non-2xx SCM answer: SCM's own code and text first (Pitfall 14). */
export function scmError(operation: string, res: HttpResponse): ScmError {
  const { code, description } = readErrorBody(res);
  const parts = [code !== undefined ? String(code) : '', description].filter(Boolean);
  // The HTTP status only adds information when SCM sent no code, or for server-side failures.
  if (code === undefined || res.status >= 500) parts.push(`(HTTP ${res.status})`);
  const hint = HINTS[res.status];
  const message = `${PREFIX}: ${operation} failed: ${parts.join(' ')}${hint ? ` — ${hint}` : ''}`;
  const retryable = res.status >= 500 || res.status === 429 || code === CA_UNAVAILABLE_CODE;
  return new ScmError(redact(message), res.status, code, redact(description), retryable);
}

/** No HTTP answer at all (connection refused, TLS, timeout): worth retrying on the next run, unless TLS trust is wrong. */
export function transportError(operation: string, e: unknown): CaError {
  if (e instanceof CaError) return e;
  const msg = errorMessage(e);
  const trust = /not trusted|TLS pin|CERT|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(msg);
  return new CaError(redact(`${PREFIX}: ${operation} failed: ${msg}`), (e as { code?: string }).code, !trust);
}
