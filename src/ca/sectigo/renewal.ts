// Deciding whether a new request may reuse the previous order through renewById (which takes
// only a CSR and keeps the old order's organization, profile, term and names).
import type { CaRef } from '../issuer.js';
import type { EnrollBody } from './requests.js';
import { parseSslId } from './requests.js';

/**
 * What a renewal by id would keep from the old order: organization, certificate profile, term and
 * names (renewById takes only a CSR; SCM ignores the CSR's SANs). Stored in CaRef.extra so a
 * changed profile enrolls afresh instead of silently renewing the old names.
 */
export function orderFingerprint(body: EnrollBody, cn: string | undefined, sans: readonly string[]): Record<string, string> {
  const names = [...new Set([cn, ...sans].filter((n): n is string => !!n).map((n) => n.trim().toLowerCase()))].sort();
  return { orgId: String(body.orgId), certType: String(body.certType), term: String(body.term), names: names.join(',') };
}

/** Why `previous` cannot be renewed by id, or undefined when it can. Refs without a fingerprint are trusted. */
export function renewBlocker(previous: CaRef, caName: string, current: Record<string, string>): string | undefined {
  if (previous.ca !== caName) return `it was issued through CA account ${previous.ca}`;
  if (parseSslId(previous.id) === undefined) return `"${previous.id}" is not an SCM sslId`;
  const labels: Record<string, string> = { orgId: 'org_id', certType: 'cert_type', term: 'term', names: 'names' };
  for (const [key, label] of Object.entries(labels)) {
    const before = previous.extra?.[key];
    if (before !== undefined && before !== current[key]) return `${label} changed from ${before} to ${current[key]}`;
  }
  return undefined;
}

