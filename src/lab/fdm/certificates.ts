// Certificate objects (reference §3): checks the PEMs a client uploads and derives the read-only
// issuer*/subject*/validity* fields FDM "automatically extracts".
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { keyMatchesCertificate } from '../../pki/index.js';
import { invalidField } from './errors.js';

/** What GET shows instead of secret PEM fields (spec-v2 default for privateKey). */
export const MASK = '*********';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Parses the single certificate of a `cert` field; 422 when it is not exactly one X.509 PEM. */
export function parseCertField(pem: unknown, location = 'cert'): X509Certificate {
  if (typeof pem !== 'string' || pem === MASK) {
    throw invalidField(location, 'A certificate in PEM format is required', 'invalidCertificate');
  }
  const blocks = pem.match(CERT_BLOCK) ?? [];
  if (blocks.length !== 1) {
    throw invalidField(location, 'The certificate must contain exactly one PEM-encoded X.509 certificate', 'invalidCertificate');
  }
  try {
    return new X509Certificate(blocks[0]!);
  } catch {
    throw invalidField(location, 'The certificate is not a valid X.509 certificate', 'invalidCertificate');
  }
}

/**
 * Checks a `privateKey` field against its certificate: unencrypted PEM only ("only unencrypted
 * keys are supported", spec-v2), and it must be the certificate's key. Wording inferred.
 */
export function checkPrivateKey(keyPem: unknown, certPem: string): void {
  if (typeof keyPem !== 'string' || keyPem === MASK || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(keyPem)) {
    throw invalidField('privateKey', 'A private key in PEM format is required', 'invalidPrivateKey');
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(keyPem) || /Proc-Type:\s*4,ENCRYPTED/.test(keyPem)) {
    throw invalidField('privateKey', 'Encrypted private keys are not supported. Upload an unencrypted private key.', 'encryptedPrivateKey');
  }
  try {
    createPrivateKey(keyPem);
  } catch {
    throw invalidField('privateKey', 'The private key is not a valid PEM-encoded key', 'invalidPrivateKey');
  }
  let matches = false;
  try {
    matches = keyMatchesCertificate(keyPem, certPem);
  } catch {
    matches = false;
  }
  if (!matches) {
    throw invalidField('privateKey', 'The private key does not match the certificate', 'privateKeyMismatch');
  }
}

type DnFields = Partial<Record<'CN' | 'C' | 'L' | 'O' | 'OU' | 'ST', string>>;

/** node prints a DN as "C=US\nO=Example\nCN=x" in certificate order. */
function dnFields(dn: string): { fields: DnFields; text: string } {
  const fields: DnFields = {};
  const parts: string[] = [];
  for (const line of dn.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq) as keyof DnFields;
    const value = line.slice(eq + 1);
    parts.push(`${key}=${value}`);
    if (fields[key] === undefined) fields[key] = value;
  }
  return { fields, text: parts.join(', ') };
}

/**
 * The read-only fields FDM fills from the certificate. Date strings use the OpenSSL text form
 * ("Apr  7 12:00:00 2025 GMT"); the exact FDM format is not recorded in the reference.
 */
export function extractedCertFields(x: X509Certificate): Record<string, string | undefined> {
  const issuer = dnFields(x.issuer).fields;
  const subject = dnFields(x.subject);
  const s = subject.fields;
  return {
    issuerCommonName: issuer.CN,
    issuerCountry: issuer.C,
    issuerLocality: issuer.L,
    issuerOrganization: issuer.O,
    issuerOrganizationUnit: issuer.OU,
    issuerState: issuer.ST,
    subjectCommonName: s.CN,
    subjectCountry: s.C,
    subjectDistinguishedName: subject.text,
    subjectLocality: s.L,
    subjectOrganization: s.O,
    subjectOrganizationUnit: s.OU,
    subjectState: s.ST,
    validityStartDate: x.validFrom,
    validityEndDate: x.validTo,
  };
}

/** The certificate of `leafPem` followed by every certificate in `pool` that (transitively) issued it. */
export function chainFor(leafPem: string, pool: string[]): string[] {
  const out = [leafPem];
  let current = new X509Certificate(leafPem);
  const used = new Set<string>([current.fingerprint256]);
  for (let depth = 0; depth < 8; depth++) {
    if (current.subject === current.issuer && current.checkIssued(current)) break; // self-signed root
    const issuer = pool
      .map((pem) => ({ pem, x: safeX509(pem) }))
      .find((c) => c.x && !used.has(c.x.fingerprint256) && current.checkIssued(c.x) && current.verify(c.x.publicKey));
    if (!issuer || !issuer.x) break;
    out.push(issuer.pem);
    used.add(issuer.x.fingerprint256);
    current = issuer.x;
  }
  return out;
}

function safeX509(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}
