// Does this key belong to this certificate, did this CSR produce it? Checked before every
// install: a device given a mismatched key and certificate breaks the service it serves.
// Both compare SHA-256 of the SubjectPublicKeyInfo, taken from the parsed certificate and CSR
// (memoized: the engine parses the same leaf and CSR right before and after this check).
import { parseCertificate } from './certificate.js';
import { parseCsr } from './csr.js';
import { privateKeySpkiSha256 } from './keys.js';

function certSpkiSha256(certPem: string): string {
  try {
    return parseCertificate(certPem).publicKeySha256;
  } catch (e) {
    throw new Error(`unreadable certificate: ${(e as Error).message}`);
  }
}

/** True when the certificate's public key is the public half of `privateKeyPem`. */
export function keyMatchesCertificate(privateKeyPem: string, certPem: string): boolean {
  return privateKeySpkiSha256(privateKeyPem) === certSpkiSha256(certPem);
}

/** True when the certificate carries the public key of the CSR (the CA signed our request). */
export function publicKeyOfCsrMatchesCertificate(csrPem: string, certPem: string): boolean {
  return parseCsr(csrPem).publicKeySha256 === certSpkiSha256(certPem);
}
