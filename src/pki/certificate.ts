// Reading X.509 certificates into the facts fwcert plans with (names, dates, key, serial).
import { createHash, X509Certificate } from 'node:crypto';
import { basicConstraintsCa, certificateParts } from './der.js';
import { describeKey, describeKeySpec, keySpecOf, keySpecOfSpki, spkiSha256 } from './keys.js';
import { sansOfEncoded, subjectOfEncoded } from './names.js';
import { certificateDer, derToPem } from './pem.js';
import type { CertInfo } from './types.js';
import { Memo } from './memo.js';
import { x509 } from './x509-lib.js';

export function loadCertificate(pem: string): x509.X509Certificate {
  if (typeof pem !== 'string' || !pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('not a PEM certificate');
  try {
    return new x509.X509Certificate(certificateDer(pem));
  } catch {
    throw new Error('unreadable certificate (corrupt PEM)');
  }
}

const fingerprints = new Memo<string>(2048);

/** SHA-256 of the certificate DER as openssl prints it: "AB:CD:...". */
export function certFingerprintSha256(pem: string): string {
  // By PEM text: drivers compare the same chain certificates' fingerprints on every install.
  return fingerprints.get(pem, () => colonHex(createHash('sha256').update(certificateDer(pem)).digest()));
}

/**
 * node's X509Certificate of a PEM, memoized by the PEM text: the chain of every issued certificate is
 * ordered (chain.ts) and its leaf read (below) right after, from the same strings.
 */
const natives = new Memo<X509Certificate>(2048);

export function nativeCertificate(pem: string, der?: Buffer): X509Certificate {
  return natives.get(pem, () => new X509Certificate(der ?? pem));
}

/** Parsed certificates by DER (see memo.ts); callers get their own copy of the top-level object. */
const parsed = new Memo<CertInfo>(2048);
/** Issuer DN and CN by the issuer Name's bytes: every leaf of a CA carries the same issuer. */
const issuerNames = new Memo<{ dn: string; cn: string | undefined }>(256);
const SAN_OID = '2.5.29.17';
const BASIC_CONSTRAINTS_OID = '2.5.29.19';

/** The same by PEM text: the engine and the drivers read the same leaf string several times (pair
 *  checks, install, ledger), and decoding it to find the DER key cost more than the lookup. */
const parsedByPem = new Memo<CertInfo>(1024);

export function parseCertificate(pem: string): CertInfo {
  const known = parsedByPem.peek(pem);
  if (known) return { ...known };
  const der = certificateDer(pem);
  const info = parsed.get(der.toString('base64'), () => parseDer(der, pem));
  parsedByPem.set(pem, info);
  return { ...info };
}

// Node's native parser gives serial, dates, key, fingerprint; @peculiar/x509 reads only the Names and
// the two extensions whose decoded form fwcert uses (see der.ts for why not the whole certificate).
function parseDer(der: Buffer, pem: string): CertInfo {
  let cert: X509Certificate;
  let parts: ReturnType<typeof certificateParts>;
  try {
    cert = nativeCertificate(pem, der);
    parts = certificateParts(der);
  } catch {
    throw new Error('unreadable certificate (corrupt PEM)');
  }
  const subjectName = subjectOfEncoded(parts.subject);
  const issuerName = issuerNames.get(Buffer.from(parts.issuer).toString('base64'), () => {
    const n = new x509.Name(parts.issuer);
    return { dn: n.toString(), cn: n.getField('CN')[0] };
  });
  const san = parts.extensions.get(SAN_OID);
  const basic = parts.extensions.get(BASIC_CONSTRAINTS_OID);
  // The key's kind from its encoding; node's KeyObject only for keys fwcert does not make (RSA-1024 ...).
  const spec = keySpecOfSpki(parts.spki);
  const key = spec ? undefined : cert.publicKey;
  return {
    pem: certificateToPem(der),
    serial: cert.serialNumber.toUpperCase(),
    subject: subjectName.subject,
    subjectDn: subjectName.dn,
    issuerDn: issuerName.dn,
    issuerCn: issuerName.cn,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    sans: sansOfEncoded(san),
    keySpec: spec ?? keySpecOf(key!),
    keyDescription: spec ? describeKeySpec(spec) : describeKey(key!),
    publicKeySha256: spkiSha256(parts.spki),
    fingerprintSha256: cert.fingerprint256,
    isCa: basic ? basicConstraintsCa(basic) : false,
    selfIssued: Buffer.from(parts.subject).equals(parts.issuer),
  };
}


function certificateToPem(der: Buffer): string {
  return derToPem(der, 'CERTIFICATE');
}

export function colonHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase().match(/../g)!.join(':');
}
