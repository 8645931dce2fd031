// Does this key belong to this certificate, did this CSR produce it? Checked before every
// install: a device given a mismatched key and certificate breaks the service it serves.
import { X509Certificate } from 'node:crypto';
import { loadCsr } from './csr.js';
import { loadPrivateKey, spkiDer } from './keys.js';
import { certificateDer } from './pem.js';

function certSpki(certPem: string): Buffer {
  try {
    return new X509Certificate(certificateDer(certPem)).publicKey.export({ type: 'spki', format: 'der' });
  } catch (e) {
    throw new Error(`unreadable certificate: ${(e as Error).message}`);
  }
}

/** True when the certificate's public key is the public half of `privateKeyPem`. */
export function keyMatchesCertificate(privateKeyPem: string, certPem: string): boolean {
  return spkiDer(loadPrivateKey(privateKeyPem)).equals(certSpki(certPem));
}

/** True when the certificate carries the public key of the CSR (the CA signed our request). */
export function publicKeyOfCsrMatchesCertificate(csrPem: string, certPem: string): boolean {
  return Buffer.from(loadCsr(csrPem).publicKey.rawData).equals(certSpki(certPem));
}
