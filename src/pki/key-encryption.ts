// Passphrase-protected private keys (encrypted PKCS#8, PBES2 with PBKDF2-HMAC-SHA256 and
// AES-256-CBC), for the devices and files that want "ENCRYPTED PRIVATE KEY" PEM.
import { createPrivateKey } from 'node:crypto';
import { loadPrivateKey } from './keys.js';

function requirePassphrase(passphrase: string): void {
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw new Error('a non-empty passphrase is required');
}

export function encryptPrivateKey(keyPem: string, passphrase: string): string {
  requirePassphrase(passphrase);
  return loadPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
}

/** Decrypts an encrypted PKCS#8 (or legacy "Proc-Type: 4,ENCRYPTED") PEM into plain PKCS#8 PEM. */
export function decryptPrivateKey(encPem: string, passphrase: string): string {
  requirePassphrase(passphrase);
  if (typeof encPem !== 'string' || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(encPem)) {
    throw new Error('not a PEM private key');
  }
  try {
    return createPrivateKey({ key: encPem, format: 'pem', passphrase }).export({ type: 'pkcs8', format: 'pem' }) as string;
  } catch {
    // OpenSSL cannot tell a wrong passphrase from a damaged file; neither can we. Never echo inputs.
    throw new Error('cannot decrypt the private key: wrong passphrase or corrupt file');
  }
}
