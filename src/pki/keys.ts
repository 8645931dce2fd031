// Key generation and the small facts about keys the rest of pki/ needs (type, size/curve,
// signature hash, SPKI digest). node:crypto does the work: async keygen keeps RSA-4096 off the
// event loop, and PKCS#8 PEM is what every device API accepts.
import { createHash, createPrivateKey, createPublicKey, generateKeyPair as nodeGenerateKeyPair, type KeyObject } from 'node:crypto';
import { spkiAlgorithm } from './der.js';
import { Memo } from './memo.js';
import { derToPem } from './pem.js';
import type { EcCurve, KeySpec, RsaSize } from './types.js';
import { subtle, type CryptoKey } from './x509-lib.js';

type KeyPairObjects = { publicKey: KeyObject; privateKey: KeyObject };

/** node's generateKeyPair as a promise (the worker pool keeps RSA off the event loop). The keys stay
 *  KeyObjects: their PEM is exported on the event loop (tens of microseconds), and reading a PEM key
 *  back costs about a millisecond (OpenSSL 3's decoders), which the memo below spares the engine. */
function generateObjects(options: { type: 'rsa'; modulusLength: number } | { type: 'ec'; namedCurve: string }): Promise<KeyPairObjects> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject) => (err ? reject(err) : resolve({ publicKey, privateKey }));
    if (options.type === 'rsa') {
      nodeGenerateKeyPair('rsa', { modulusLength: options.modulusLength, publicExponent: 0x10001 }, done);
    } else {
      nodeGenerateKeyPair('ec', { namedCurve: options.namedCurve }, done);
    }
  });
}

export const RSA_SIZES: readonly RsaSize[] = [2048, 3072, 4096];
export const EC_CURVES: readonly EcCurve[] = ['P-256', 'P-384', 'P-521'];

/** OpenSSL's curve names, as reported by KeyObject.asymmetricKeyDetails.namedCurve. */
const OPENSSL_CURVE: Record<string, EcCurve> = {
  prime256v1: 'P-256',
  'P-256': 'P-256',
  secp384r1: 'P-384',
  'P-384': 'P-384',
  secp521r1: 'P-521',
  'P-521': 'P-521',
};

/** Throws a readable Error for a key spec fwcert cannot make (config typos end up here). */
export function validateKeySpec(spec: KeySpec): void {
  const s = spec as { type?: unknown; size?: unknown; curve?: unknown };
  if (s?.type === 'rsa') {
    if (!RSA_SIZES.includes(s.size as RsaSize)) {
      throw new Error(`unsupported RSA key size ${String(s.size)}: allowed ${RSA_SIZES.join(', ')}`);
    }
    return;
  }
  if (s?.type === 'ecdsa') {
    if (!EC_CURVES.includes(s.curve as EcCurve)) {
      throw new Error(`unsupported ECDSA curve ${String(s.curve)}: allowed ${EC_CURVES.join(', ')}`);
    }
    return;
  }
  throw new Error(`unsupported key type ${String(s?.type)}: allowed rsa, ecdsa`);
}

export async function generateKeyPair(spec: KeySpec): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  validateKeySpec(spec);
  const pair = await generateObjects(spec.type === 'rsa' ? { type: 'rsa', modulusLength: spec.size } : { type: 'ec', namedCurve: spec.curve });
  const privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
  const id = privateKeyId(privateKeyPem);
  // The new key is checked against its certificate later (privateKeySpkiSha256), signs its CSR and is
  // converted for the device that installs it: its public half and its KeyObject are at hand now, so
  // none of these reads the private key back.
  privateKeyIds.set(id, spkiSha256(spki));
  generatedKeys.set(id, pair.privateKey);
  spkiOfGenerated.set(pair.privateKey, spki);
  return { privateKeyPem, publicKeyPem: derToPem(spki, 'PUBLIC KEY') };
}

/**
 * KeyObjects of the keys this process generated, by a digest of their PEM (see privateKeyId): a new
 * key's PEM is read back to sign its CSR and again by a driver that converts it for its device, at
 * about a millisecond each. Bounded (MRU), so memory stays flat in a large run; a miss just reads the PEM.
 */
const generatedKeys = new Memo<KeyObject>(1024);
/** SPKI DER of generated keys, so that a CSR need not derive the public key again (about 0.3 ms). */
const spkiOfGenerated = new WeakMap<KeyObject, Buffer>();

/** Parses a private key PEM (PKCS#8, or PKCS#1/SEC1 from older tools); never echoes the key. */
export function loadPrivateKey(pem: string): KeyObject {
  if (typeof pem !== 'string' || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new Error('not a PEM private key');
  }
  if (pem.includes('ENCRYPTED')) throw new Error('the private key is encrypted; decrypt it first');
  const generated = generatedKeys.peek(privateKeyId(pem));
  if (generated) return generated;
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new Error('unreadable private key (corrupt PEM or unsupported key type)');
  }
}

/** namedCurve OIDs (RFC 5480 section 2.1.1.1) of the curves fwcert makes keys on. */
const CURVE_OIDS: Record<string, EcCurve> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};

/**
 * keySpecOf for SubjectPublicKeyInfo DER, read from its bytes (der.ts): each leaf and on-device CSR
 * brings a key never seen before, and node builds a KeyObject and asks OpenSSL for its details at
 * about 0.1-0.2 ms per key for facts the encoding states. undefined when the bytes do not show an
 * RSA or EC key fwcert makes; the caller then asks node (keySpecOf).
 */
export function keySpecOfSpki(spki: Uint8Array): KeySpec | undefined {
  let alg: ReturnType<typeof spkiAlgorithm>;
  try {
    alg = spkiAlgorithm(spki);
  } catch {
    return undefined;
  }
  if (alg?.type === 'rsa') return RSA_SIZES.includes(alg.modulusBits as RsaSize) ? { type: 'rsa', size: alg.modulusBits as RsaSize } : undefined;
  const curve = alg?.type === 'ec' ? CURVE_OIDS[alg.curveOid] : undefined;
  return curve ? { type: 'ecdsa', curve } : undefined;
}

/** describeKey's text for a key of `spec`. */
export function describeKeySpec(spec: KeySpec): string {
  return spec.type === 'rsa' ? `RSA-${spec.size}` : `ECDSA-${spec.curve}`;
}

/** KeySpec of a key, or undefined for keys fwcert does not make (RSA-1024, Ed25519 ...). */
export function keySpecOf(key: KeyObject): KeySpec | undefined {
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const size = d.modulusLength as RsaSize | undefined;
    return size && RSA_SIZES.includes(size) ? { type: 'rsa', size } : undefined;
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = OPENSSL_CURVE[d.namedCurve ?? ''];
    return curve ? { type: 'ecdsa', curve } : undefined;
  }
  return undefined;
}

/** "RSA-2048", "ECDSA-P-384", "RSA-1024", "ed25519": for reports, including keys without a KeySpec. */
export function describeKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return `RSA-${d.modulusLength ?? '?'}`;
  if (key.asymmetricKeyType === 'ec') return `ECDSA-${OPENSSL_CURVE[d.namedCurve ?? ''] ?? d.namedCurve ?? '?'}`;
  return key.asymmetricKeyType ?? 'unknown';
}

/** SubjectPublicKeyInfo DER of a private or public key. */
export function spkiDer(key: KeyObject): Buffer {
  const known = spkiOfGenerated.get(key);
  if (known) return Buffer.from(known);
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' });
}

const privateKeyIds = new Memo<string>(4096);

/**
 * spkiSha256 of a private key PEM's public half. Memoized by a digest of the PEM (never the PEM
 * itself, so the memo holds no key material): the same new key is checked against its certificate
 * by the engine and again by the driver that installs it, and reading a PEM key costs a lot more
 * than hashing it.
 */
export function privateKeySpkiSha256(privateKeyPem: string): string {
  return privateKeyIds.get(privateKeyId(privateKeyPem), () => spkiSha256(spkiDer(loadPrivateKey(privateKeyPem))));
}

function privateKeyId(privateKeyPem: string): string {
  return typeof privateKeyPem === 'string' ? createHash('sha256').update(privateKeyPem).digest('base64') : '';
}

/** Lower-case hex SHA-256 of SPKI DER: the identity of a key pair across CSR, cert and device. */
export function spkiSha256(spkiDerBytes: Uint8Array | ArrayBuffer): string {
  const bytes = spkiDerBytes instanceof ArrayBuffer ? new Uint8Array(spkiDerBytes) : spkiDerBytes;
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The hash a signature made with this key uses. P-521 pairs with SHA-512 as RFC 5480 section 4
 * recommends (openssl verifies it, and so do SHA-384 signatures, but this is the usual pairing).
 */
export function signatureHash(spec: KeySpec): 'SHA-256' | 'SHA-384' | 'SHA-512' {
  if (spec.type === 'rsa') return 'SHA-256';
  return spec.curve === 'P-256' ? 'SHA-256' : spec.curve === 'P-384' ? 'SHA-384' : 'SHA-512';
}

export interface WebSigner {
  spec: KeySpec;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** Algorithm to pass as signingAlgorithm to @peculiar/x509 generators. */
  algorithm: { name: string; hash: string };
}

/** Imports a PEM private key into WebCrypto (what @peculiar/x509 signs with). RSA keys sign PKCS#1 v1.5. */
export async function importSigner(privateKeyPem: string): Promise<WebSigner> {
  const key = loadPrivateKey(privateKeyPem);
  const spec = keySpecOf(key);
  if (!spec) throw new Error(`cannot sign with a ${describeKey(key)} key: use RSA 2048/3072/4096 or ECDSA P-256/P-384/P-521`);
  const hash = signatureHash(spec);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const spki = spkiDer(key);
  if (spec.type === 'rsa') {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash };
    return {
      spec,
      privateKey: await subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']),
      publicKey: await subtle.importKey('spki', spki, alg, true, ['verify']),
      algorithm: alg,
    };
  }
  const alg = { name: 'ECDSA', namedCurve: spec.curve };
  return {
    spec,
    privateKey: await subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']),
    publicKey: await subtle.importKey('spki', spki, alg, true, ['verify']),
    algorithm: { name: 'ECDSA', hash },
  };
}
