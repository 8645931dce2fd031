// Plain data shapes shared by pki/, drivers, the engine and the lab.

export type RsaSize = 2048 | 3072 | 4096;
export type EcCurve = 'P-256' | 'P-384' | 'P-521';

export type KeySpec =
  | { type: 'rsa'; size: RsaSize }
  | { type: 'ecdsa'; curve: EcCurve };

/** Distinguished-name fields a profile may set. All optional; a CSR needs a CN or at least one SAN. */
export interface SubjectSpec {
  cn?: string;
  o?: string;
  ou?: string;
  l?: string;
  st?: string;
  c?: string;
  email?: string;
}

export interface CsrSpec {
  subject: SubjectSpec;
  /** DNS names and IP addresses, mixed; the CN is added by createCsr when missing. */
  sans: string[];
  key: KeySpec;
}

/** What fwcert needs to know about an X.509 certificate. */
export interface CertInfo {
  pem: string;
  /** Upper-case hex, no colons, no leading zero bytes beyond what DER carries. */
  serial: string;
  subject: SubjectSpec;
  subjectDn: string;
  issuerDn: string;
  issuerCn?: string;
  notBefore: Date;
  notAfter: Date;
  /** DNS names and IP addresses from subjectAltName, in certificate order. */
  sans: string[];
  keySpec?: KeySpec;
  /** "RSA-2048", "ECDSA-P-384", also for keys without a KeySpec ("RSA-1024", "ed25519"): for reports. */
  keyDescription?: string;
  /** SHA-256 hex (lower case) of the SubjectPublicKeyInfo DER: equal keys, equal value. */
  publicKeySha256: string;
  /** SHA-256 of the whole certificate DER, "AB:CD:..." as openssl prints it. */
  fingerprintSha256: string;
  isCa: boolean;
  selfIssued: boolean;
}

export interface CsrInfo {
  subject: SubjectSpec;
  sans: string[];
  keySpec?: KeySpec;
  publicKeySha256: string;
}

/** Every key fwcert can make: RSA 2048/3072/4096 and ECDSA P-256/P-384/P-521. */
export const ALL_KEY_SPECS: readonly KeySpec[] = [
  { type: 'rsa', size: 2048 },
  { type: 'rsa', size: 3072 },
  { type: 'rsa', size: 4096 },
  { type: 'ecdsa', curve: 'P-256' },
  { type: 'ecdsa', curve: 'P-384' },
  { type: 'ecdsa', curve: 'P-521' },
];

export function keySpecLabel(k: KeySpec): string {
  return k.type === 'rsa' ? `RSA-${k.size}` : `ECDSA-${k.curve}`;
}

export function sameKeySpec(a: KeySpec | undefined, b: KeySpec | undefined): boolean {
  if (!a || !b) return false;
  if (a.type === 'rsa' && b.type === 'rsa') return a.size === b.size;
  if (a.type === 'ecdsa' && b.type === 'ecdsa') return a.curve === b.curve;
  return false;
}
