// Credentials at rest: OpenPGP (gpg-compatible) encryption and the passphrase that unlocks it.
export { encryptArmored, decryptArmored, looksEncrypted, decryptIfEncrypted } from './pgp.js';
export { resolvePassphrase, PASSPHRASE_ENV, type ResolvedPassphrase } from './passphrase.js';
