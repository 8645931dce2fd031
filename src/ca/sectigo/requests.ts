// Pure builders for SCM request bodies and readers of SCM answers (no I/O, table-tested).
import type { RevocationReason } from '../issuer.js';
import type { SectigoProfileOptions } from './schemas.js';

/** POST /enroll body (reference §3.3). Optional fields are left out rather than sent empty. */
export interface EnrollBody {
  orgId: number;
  csr: string;
  certType: number;
  term: number;
  subjAltNames?: string;
  comments?: string;
  externalRequester?: string;
  customFields?: { name: string; value: string }[];
  /** Needed when the tenant's DCV pre-validation is off (reference §3.3). */
  dcvMode?: string;
  dcvEmail?: string;
}

export interface RevokeBody {
  reasonCode: number;
  reason: string;
}

/** RFC 5280 reason codes SCM accepts on revoke (reference §3.8: 0, 1, 3, 4, 5). */
export const REVOCATION_REASON_CODES: Record<RevocationReason, number> = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
};

/** SCM's CSR pattern rejects trailing whitespace noise; real clients rstrip it (Pitfall 3). */
export function cleanCsr(csrPem: string): string {
  return csrPem.replace(/\r\n/g, '\n').trimEnd();
}

/**
 * The `subjAltNames` string: every name except the CN, comma-separated (Pitfall 1: a string, not
 * an array — an array gets -1002). SCM ignores SANs inside the CSR (Pitfall 2), so every extra
 * name must be listed here. The CN is left out because SCM puts the CN into the certificate
 * itself (its records show `subjectAlternativeNames` without the CN while the issued
 * certificate's SANs include it) and the Keyfactor plugin strips it likewise; repeating it would
 * make a single-name request look multi-domain, which single-domain profiles refuse.
 * Returns undefined when there is no extra name, so the field is omitted.
 */
export function subjAltNamesFor(cn: string | undefined, names: readonly string[]): string | undefined {
  const seen = new Set<string>();
  if (cn) seen.add(cn.toLowerCase());
  const extra: string[] = [];
  for (const raw of names) {
    const n = raw.trim();
    if (!n || seen.has(n.toLowerCase())) continue;
    seen.add(n.toLowerCase());
    extra.push(n);
  }
  return extra.length ? extra.join(',') : undefined;
}

/** The tag fwcert puts into an enrollment's comments: SCM has no idempotency key, so this is how a
 *  request whose answer was lost is recognised instead of being ordered a second time. */
export function requestMarker(requestId: string): string {
  return `[fwcert request ${requestId}]`;
}

export function buildEnrollBody(args: {
  orgId: number;
  csrPem: string;
  cn: string | undefined;
  names: readonly string[];
  profileName: string;
  options: SectigoProfileOptions;
  /** Written into `comments` so that an enrollment whose answer was lost can be found (see find()). */
  requestId?: string;
}): EnrollBody {
  const { options } = args;
  const body: EnrollBody = {
    orgId: args.orgId,
    csr: cleanCsr(args.csrPem),
    certType: options.cert_type,
    term: options.term,
  };
  const sans = subjAltNamesFor(args.cn, args.names);
  if (sans !== undefined) body.subjAltNames = sans;
  // A default comment tells SCM admins which tool and profile asked for the certificate;
  // `comments: ""` in the profile turns it off.
  const comments = options.comments ?? `fwcert profile ${args.profileName}`;
  const marker = args.requestId ? requestMarker(args.requestId) : '';
  body.comments = marker ? `${comments.slice(0, 1024 - marker.length - 1)} ${marker}`.trim() : comments.slice(0, 1024);
  if (options.external_requester !== undefined) body.externalRequester = options.external_requester;
  if (options.custom_fields?.length) body.customFields = options.custom_fields.map((f) => ({ name: f.name, value: f.value }));
  if (options.dcv_mode) body.dcvMode = options.dcv_mode;
  if (options.dcv_email) body.dcvEmail = options.dcv_email;
  return body;
}

/** SCM insists on a non-empty reason text (≤512) next to the code since mid-2025 (Pitfall 7). */
export function buildRevokeBody(reason: RevocationReason, note = 'requested by fwcert'): RevokeBody {
  return { reasonCode: REVOCATION_REASON_CODES[reason], reason: `${reason}: ${note}`.slice(0, 512) };
}

export type CertificateStatus = 'valid' | 'revoked' | 'expired' | 'unknown';

/**
 * Details `status` → fwcert's view. Only the three terminal facts matter; every other state
 * (Requested, Applied, Replaced, vendor additions, future strings) is 'unknown' — never an error
 * (Pitfall 12).
 */
export function mapCertificateStatus(status: unknown): CertificateStatus {
  if (typeof status !== 'string') return 'unknown';
  switch (status.trim().toLowerCase()) {
    case 'issued':
      return 'valid';
    case 'revoked':
      return 'revoked';
    case 'expired':
      return 'expired';
    default:
      return 'unknown';
  }
}

/** SCM ids are int32; anything else in a CaRef did not come from this driver. */
export function parseSslId(id: string): number | undefined {
  if (!/^\d{1,10}$/.test(id)) return undefined;
  const n = Number(id);
  return n >= 1 && n <= 2_147_483_647 ? n : undefined;
}
