// GET {base}?size=&position=&<filters> and HEAD (count): plain offset paging, size <= 200,
// X-Total-Count = all matches (reference §3.6, pitfall 11).
import { invalidField, unparsable } from './errors.js';
import { effectiveStatus, normalizeSerial } from './store.js';
import type { CertRecord } from './types.js';
import { certHashes } from './views.js';

export const MAX_PAGE_SIZE = 200;

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

type Filter = (rec: CertRecord, want: string) => boolean;

/** Supported filters; others in the documented list are accepted and ignored. */
const FILTERS: Record<string, Filter> = {
  commonName: (r, w) => eq(r.commonName, w),
  subjectAlternativeName: (r, w) => r.subjAltNames.some((n) => eq(n, w)) || eq(r.commonName, w),
  status: (r, w) => eq(effectiveStatus(r), w),
  sslTypeId: (r, w) => String(r.certTypeId) === w,
  orgId: (r, w) => String(r.orgId) === w,
  serialNumber: (r, w) => r.serial !== undefined && normalizeSerial(r.serial) === normalizeSerial(w),
  requester: (r, w) => eq(r.requester, w),
  externalRequester: (r, w) => r.externalRequester.toLowerCase().includes(w.toLowerCase()),
  keyAlgorithm: (r, w) => eq(r.keyLabel.split(' - ')[0] ?? '', w),
  keyParam: (r, w) => eq(r.keyLabel.split(' - ')[1] ?? '', w),
  sha1Hash: (r, w) => r.leafPem !== undefined && eq(certHashes(r.leafPem).sha1Hash, w.replace(/:/g, '')),
  sha256Hash: (r, w) => r.leafPem !== undefined && eq(certHashes(r.leafPem).sha256Hash, w.replace(/:/g, '')),
};

function intParam(q: URLSearchParams, name: string, fallback: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw unparsable();
  return Number(raw);
}

export function selectPage(records: CertRecord[], q: URLSearchParams): { page: CertRecord[]; total: number } {
  let matches = records;
  for (const [name, filter] of Object.entries(FILTERS)) {
    const want = q.get(name);
    if (want !== null && want !== '') matches = matches.filter((r) => filter(r, want));
  }
  // The reference gives no default page size; clients always send one. Without it: one full page.
  const size = intParam(q, 'size', MAX_PAGE_SIZE);
  if (size > MAX_PAGE_SIZE) throw invalidField(`size: must be less than or equal to ${MAX_PAGE_SIZE}`);
  const position = intParam(q, 'position', 0);
  return { page: matches.slice(position, position + size), total: matches.length };
}
