// OpenPGP symmetric (passphrase) encryption of credential files, interoperable with GnuPG both
// ways: an operator can `gpg --symmetric` a file for fwcert, or `gpg --decrypt` one fwcert wrote.
import type * as OpenPgp from 'openpgp';

// Loaded on first use: most runs read no encrypted file, and openpgp is a large module to load.
let loaded: Promise<typeof OpenPgp> | undefined;
const openpgpModule = (): Promise<typeof OpenPgp> => (loaded ??= import('openpgp'));

const ARMOR_HEADER = '-----BEGIN PGP MESSAGE-----';
const WRONG_PASSPHRASE = 'wrong passphrase or corrupt file';

/**
 * What GnuPG 2.2 (Debian bookworm) reads: SEIPD v1 with MDC (no AEAD, which 2.2 lacks),
 * iterated+salted S2K (not Argon2), AES-256.
 */
function gpg22Compatible(openpgp: typeof OpenPgp) {
  return {
    aeadProtect: false,
    s2kType: openpgp.enums.s2k.iterated,
    preferredSymmetricAlgorithm: openpgp.enums.symmetric.aes256,
  } as const;
}

function requirePassphrase(passphrase: string): void {
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw new Error('a non-empty passphrase is required');
}

export async function encryptArmored(plaintext: string, passphrase: string): Promise<string> {
  requirePassphrase(passphrase);
  const openpgp = await openpgpModule();
  const message = await openpgp.createMessage({ text: plaintext });
  return openpgp.encrypt({ message, passwords: [passphrase], format: 'armored', config: gpg22Compatible(openpgp) });
}

/**
 * Decrypts an OpenPGP message made with a passphrase (fwcert's or `gpg --symmetric`'s): armored
 * text, binary bytes, or a string holding the base64 of a binary message.
 */
export async function decryptArmored(data: string | Uint8Array, passphrase: string): Promise<string> {
  requirePassphrase(passphrase);
  const openpgp = await openpgpModule();
  let message: OpenPgp.Message<Uint8Array | string>;
  try {
    const bytes = typeof data === 'string' ? (data.includes(ARMOR_HEADER) ? undefined : base64Bytes(data)) : data;
    message = bytes === undefined || isArmored(bytes)
      ? await openpgp.readMessage({ armoredMessage: typeof data === 'string' ? data : Buffer.from(data).toString('utf8') })
      : await openpgp.readMessage({ binaryMessage: bytes });
  } catch {
    throw new Error('not an OpenPGP message (corrupt or not encrypted)');
  }
  const symmetric = message.packets.filterByTag(openpgp.enums.packet.symEncryptedSessionKey).length > 0;
  if (!symmetric && message.packets.filterByTag(openpgp.enums.packet.publicKeyEncryptedSessionKey).length > 0) {
    throw new Error('the file is encrypted to a public key; fwcert reads passphrase-encrypted files (gpg --symmetric)');
  }
  try {
    const { data: text } = await openpgp.decrypt({ message, passwords: [passphrase], format: 'utf8' });
    return text as string;
  } catch {
    // openpgp's messages ("Session key decryption failed", "Modification detected") mean the same to
    // a user; none of them carry the passphrase, but a fixed message is safer still.
    throw new Error(WRONG_PASSPHRASE);
  }
}

function base64Bytes(s: string): Uint8Array {
  const compact = s.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw new Error('not base64');
  return Buffer.from(compact, 'base64');
}

function isArmored(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 4096)).toString('latin1').includes(ARMOR_HEADER);
}

/**
 * True for an OpenPGP encrypted message: the armor header, or (binary) a first packet that is a
 * symmetric-key (tag 3) or public-key (tag 1) encrypted session key, in old or new packet format.
 */
export function looksEncrypted(data: string | Uint8Array): boolean {
  if (typeof data === 'string') return data.includes(ARMOR_HEADER);
  if (isArmored(data)) return true;
  const first = data[0];
  if (first === undefined || (first & 0x80) === 0) return false;
  const tag = first & 0x40 ? first & 0x3f : (first >> 2) & 0x0f;
  return tag === 1 || tag === 3;
}

/**
 * File content as text, decrypting it first when it is an OpenPGP message. `name` only labels
 * errors (a path, never content).
 */
export async function decryptIfEncrypted(data: string | Uint8Array, passphrase: string | undefined, name: string): Promise<string> {
  if (!looksEncrypted(data)) return typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
  if (!passphrase) throw new Error(`${name} is encrypted: set $FWCERT_PASSPHRASE or secrets.passphrase_file`);
  try {
    return await decryptArmored(data, passphrase);
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}`);
  }
}
