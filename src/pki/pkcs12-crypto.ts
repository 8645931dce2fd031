// The password-based crypto inside PKCS#12 (RFC 7292): the PKCS#12 key derivation used for the
// MAC and legacy PBE algorithms, and PBES2 (PBKDF2 + AES-CBC, RFC 8018) for encrypted contents.
import { createCipheriv, createDecipheriv, createHash, pbkdf2Sync, randomBytes } from 'node:crypto';

export type DigestName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

const BLOCK_SIZE: Record<DigestName, number> = { sha1: 64, sha256: 64, sha384: 128, sha512: 128 };

/** PKCS#12 passwords are BMPStrings: UTF-16BE plus a two-byte terminator (RFC 7292 B.1). */
export function bmpPassword(password: string): Buffer {
  const be = Buffer.from(password, 'utf16le').swap16();
  return Buffer.concat([be, Buffer.alloc(2)]);
}

/** RFC 7292 appendix B.2. id: 1 = key, 2 = IV, 3 = MAC key. */
export function pkcs12Kdf(hash: DigestName, password: Buffer, salt: Buffer, id: 1 | 2 | 3, iterations: number, n: number): Buffer {
  const v = BLOCK_SIZE[hash];
  const repeatTo = (src: Buffer, len: number) => {
    const out = Buffer.alloc(len);
    for (let i = 0; i < len; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const fill = (src: Buffer) => (src.length ? repeatTo(src, v * Math.ceil(src.length / v)) : Buffer.alloc(0));
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([fill(salt), fill(password)]);
  const parts: Buffer[] = [];
  let produced = 0;
  while (produced < n) {
    let A = createHash(hash).update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash(hash).update(A).digest();
    parts.push(A);
    produced += A.length;
    if (produced >= n) break;
    const B = repeatTo(A, v);
    // I_j = (I_j + B + 1) mod 2^(8v), for every v-byte block of I.
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const x = I[j + k]! + B[k]! + carry;
        I[j + k] = x & 0xff;
        carry = x >> 8;
      }
    }
  }
  return Buffer.concat(parts).subarray(0, n);
}

export interface Pbes2Params {
  salt: Buffer;
  iterations: number;
  prf: DigestName;
  cipher: 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc' | 'des-ede3-cbc';
  iv: Buffer;
  keyLength?: number;
}

export const CIPHER_KEY_LENGTH: Record<Pbes2Params['cipher'], number> = {
  'aes-128-cbc': 16,
  'aes-192-cbc': 24,
  'aes-256-cbc': 32,
  'des-ede3-cbc': 24,
};

/** PBES2 passwords are the UTF-8 bytes (what OpenSSL 3 writes and reads). */
export function pbes2Encrypt(plain: Buffer, password: string, iterations: number): { params: Pbes2Params; encrypted: Buffer } {
  const params: Pbes2Params = { salt: randomBytes(16), iterations, prf: 'sha256', cipher: 'aes-256-cbc', iv: randomBytes(16) };
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), params.salt, iterations, 32, 'sha256');
  const c = createCipheriv(params.cipher, key, params.iv);
  return { params, encrypted: Buffer.concat([c.update(plain), c.final()]) };
}

export function pbes2Decrypt(encrypted: Buffer, password: string, p: Pbes2Params): Buffer {
  const keyLen = p.keyLength ?? CIPHER_KEY_LENGTH[p.cipher];
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), p.salt, p.iterations, keyLen, p.prf);
  const d = createDecipheriv(p.cipher, key, p.iv);
  return Buffer.concat([d.update(encrypted), d.final()]);
}

/** Legacy PKCS#12 PBE (pbeWithSHAAnd3-KeyTripleDES-CBC and the RC2 variants), SHA-1 based. */
export function pkcs12PbeDecrypt(
  encrypted: Buffer,
  password: string,
  salt: Buffer,
  iterations: number,
  cipher: 'des-ede3-cbc' | 'rc2-40-cbc' | 'rc2-cbc',
): Buffer {
  const keyLen = cipher === 'des-ede3-cbc' ? 24 : cipher === 'rc2-40-cbc' ? 5 : 16;
  const pw = bmpPassword(password);
  const key = pkcs12Kdf('sha1', pw, salt, 1, iterations, keyLen);
  const iv = pkcs12Kdf('sha1', pw, salt, 2, iterations, 8);
  let d;
  try {
    d = createDecipheriv(cipher, key, iv);
  } catch {
    throw new Error(`PKCS#12 uses legacy ${cipher.toUpperCase()} encryption, which this OpenSSL build does not offer; re-export it with AES (the OpenSSL 3 default)`);
  }
  return Buffer.concat([d.update(encrypted), d.final()]);
}
