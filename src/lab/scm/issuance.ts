// Signing: a real X.509 leaf from the lab intermediate. Like SCM, the names come from the
// request (CN + subjAltNames), not from the CSR's own SAN extension (reference pitfall 2),
// and the validity is the requested term in days.
import { randomBytes } from 'node:crypto';
import { issueCertificate, parseCertificate } from '../../pki/index.js';
import type { SubjectSpec } from '../../pki/types.js';
import type { LabCa } from '../ca.js';
import type { CertRecord } from './types.js';

/** Positive 16-byte serial whose first byte is non-zero and < 0x80, so hex spellings are unambiguous. */
function newSerialHex(): string {
  const b = randomBytes(16);
  b[0] = 0x10 + (b[0]! % 0x70);
  return b.toString('hex').toUpperCase();
}

function startOfUtcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

export function namesToCertify(rec: CertRecord): string[] {
  const names = [rec.commonName, ...rec.subjAltNames].filter(Boolean);
  const seen = new Set<string>();
  return names.filter((n) => {
    const k = n.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Everything a signed leaf depends on: a leaf signed ahead is used only if these are unchanged. */
export function signingInputs(rec: CertRecord, ca: LabCa, now = new Date()): string {
  return JSON.stringify([rec.csrPem, rec.commonName, rec.subjAltNames, rec.term, startOfUtcDay(now).getTime(), ca.intermediate.certPem]);
}

export function signLeaf(rec: CertRecord, ca: LabCa, now = new Date()): Promise<string> {
  // The CSR's subject is kept as sent unless a replace asked for another common name.
  const subject: SubjectSpec | undefined =
    rec.commonName !== (rec.csr.subject.cn ?? '') ? { ...rec.csr.subject, cn: rec.commonName || undefined } : undefined;
  return issueCertificate({
    csrPem: rec.csrPem,
    issuerCertPem: ca.intermediate.certPem,
    issuerKeyPem: ca.intermediate.keyPem,
    // Like Sectigo: valid from 00:00:00 UTC of the issuing day to 23:59:59 of the last day of the term.
    notBefore: startOfUtcDay(now),
    notAfter: new Date(startOfUtcDay(now).getTime() + rec.term * 86_400_000 - 1000),
    sans: namesToCertify(rec),
    subject,
    serialHex: newSerialHex(),
    serverAuth: true,
  });
}

/** Issues the record: with `leafPem` signed ahead from the same signing inputs, or signs it now. */
export async function signRecord(rec: CertRecord, ca: LabCa, now = new Date(), leafPem?: string): Promise<void> {
  const leaf = leafPem ?? (await signLeaf(rec, ca, now));
  const info = parseCertificate(leaf);
  rec.leafPem = leaf;
  rec.serial = info.serial;
  rec.notBefore = info.notBefore;
  rec.notAfter = info.notAfter;
  rec.issued = now;
  rec.status = 'Issued';
}
