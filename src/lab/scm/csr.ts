// CSR intake as SCM does it: base-64 check (-9), DER decoding (-10), proof of possession (-138),
// and the key facts the profile's keyTypes are checked against.
import { createPublicKey } from 'node:crypto';
import type { Pkcs10CertificateRequest } from '@peculiar/x509';
import { parseCsr, verifyCsrSignature } from '../../pki/index.js';
import { loadCsr } from '../../pki/csr.js';
import type { CsrInfo } from '../../pki/types.js';
import { badRequest } from './errors.js';
import type { ScmCertType } from './types.js';

export interface CsrKey {
  /** Family as SCM's keyTypes names it. */
  family: 'RSA' | 'EC' | 'other';
  /** "2048" for RSA, "P-256" for EC. */
  param: string;
  /** keyType as details show it, e.g. "RSA - 2048". */
  label: string;
}

export interface AcceptedCsr {
  pem: string;
  info: CsrInfo;
  key: CsrKey;
}

const PEM_BLOCK = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----([\s\S]*?)-----END (NEW )?CERTIFICATE REQUEST-----/;
const CURVE_NAMES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** Accepts the documented PEM form, and bare base-64 as lenient servers do; trailing whitespace is fine ([PCM] rstrip). */
function toCanonicalPem(text: string): string {
  const block = PEM_BLOCK.exec(text);
  const body = (block ? block[2]! : text).replace(/\s+/g, '');
  if (!body || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw badRequest(-9);
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE REQUEST-----\n${lines.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}

function keyOf(csr: Pkcs10CertificateRequest): CsrKey {
  const key = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const bits = String(details.modulusLength ?? '');
    return { family: 'RSA', param: bits, label: `RSA - ${bits}` };
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = CURVE_NAMES[details.namedCurve ?? ''] ?? details.namedCurve ?? '';
    return { family: 'EC', param: curve, label: `EC - ${curve}` };
  }
  const type = key.asymmetricKeyType ?? 'unknown';
  return { family: 'other', param: type, label: type };
}

export async function acceptCsr(text: unknown): Promise<AcceptedCsr> {
  if (typeof text !== 'string') throw badRequest(-10);
  const pem = toCanonicalPem(text);
  let csr: Pkcs10CertificateRequest;
  let info: CsrInfo;
  try {
    csr = loadCsr(pem);
    info = parseCsr(pem);
  } catch {
    throw badRequest(-10);
  }
  let valid = false;
  try {
    valid = await verifyCsrSignature(pem);
  } catch {
    valid = false;
  }
  if (!valid) throw badRequest(-138);
  return { pem, info, key: keyOf(csr) };
}

/** The profile's keyTypes decide: a missing EC family is -170, a size/curve not listed -13. */
export function checkKeyAllowed(key: CsrKey, type: ScmCertType): void {
  if (key.family === 'other') throw badRequest(-11, key.param);
  const allowed = type.keyTypes[key.family];
  if (!allowed || allowed.length === 0) {
    if (key.family === 'EC') throw badRequest(-170);
    throw badRequest(-11, key.family);
  }
  if (!allowed.includes(key.param)) throw badRequest(-13, key.param);
}
