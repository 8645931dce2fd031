// Reading X.509 certificates into the facts fwcert plans with (names, dates, key, serial).
import { createHash, createPublicKey } from 'node:crypto';
import { describeKey, keySpecOf, spkiSha256 } from './keys.js';
import { nameToSubject, sansOf } from './names.js';
import { certificateDer } from './pem.js';
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

/** SHA-256 of the certificate DER as openssl prints it: "AB:CD:...". */
export function certFingerprintSha256(pem: string): string {
  return colonHex(createHash('sha256').update(certificateDer(pem)).digest());
}

/** Parsed certificates by DER (see memo.ts); callers get their own copy of the top-level object. */
const parsed = new Memo<CertInfo>(2048);

export function parseCertificate(pem: string): CertInfo {
  const der = certificateDer(pem);
  return { ...parsed.get(der.toString('base64'), () => parseDer(der, pem)) };
}

function parseDer(der: Buffer, pem: string): CertInfo {
  const cert = loadCertificate(pem);
  const spki = cert.publicKey.rawData;
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  return {
    pem: certificateToPem(der),
    serial: serialHex(cert),
    subject: nameToSubject(cert.subjectName),
    subjectDn: cert.subject,
    issuerDn: cert.issuer,
    issuerCn: cert.issuerName.getField('CN')[0],
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    sans: sansOf(cert.getExtension(x509.SubjectAlternativeNameExtension)),
    keySpec: keySpecOf(key),
    keyDescription: describeKey(key),
    publicKeySha256: spkiSha256(spki),
    fingerprintSha256: colonHex(createHash('sha256').update(der).digest()),
    isCa: basic?.ca ?? false,
    selfIssued: Buffer.from(cert.subjectName.toArrayBuffer()).equals(Buffer.from(cert.issuerName.toArrayBuffer())),
  };
}

/**
 * Serial as `openssl x509 -serial` prints it: upper-case hex without colons, without the 0x00
 * sign byte DER adds when the top bit is set (device UIs and CA portals show it this way too).
 */
function serialHex(cert: x509.X509Certificate): string {
  return cert.serialNumber.toUpperCase();
}

function certificateToPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

export function colonHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase().match(/../g)!.join(':');
}
