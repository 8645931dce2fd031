// Signing certificates: lab CAs (root and intermediates), certificates issued from CSRs, and
// self-signed certificates for emulators. Real CAs do this in production; fwcert does it for the
// lab and tests, so the output follows what public CAs issue (RFC 5280 profile, CA/B-style leaf).
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { loadCertificate } from './certificate.js';
import { csrSanExtension, loadCsr, verifyCsrSignature } from './csr.js';
import { generateKeyPair, importSigner, type WebSigner } from './keys.js';
import { classifySan, nameToSubject, sanExtension, sanListFor, subjectToName, validateSubject } from './names.js';
import { Memo } from './memo.js';
import { keyMatchesCertificate } from './pair.js';
import { keySpecLabel, sameKeySpec, type KeySpec, type SubjectSpec } from './types.js';
import { x509 } from './x509-lib.js';

const DAY_MS = 86_400_000;
/** Backdating covers clock skew between the lab and the machine that checks the certificate. */
const BACKDATE_MS = 5 * 60_000;
/** Fast to generate and accepted everywhere; callers pass a KeySpec when they need RSA. */
const DEFAULT_KEY: KeySpec = { type: 'ecdsa', curve: 'P-256' };
const DEFAULT_LEAF_DAYS = 365;

/** 16 random bytes, top bit clear so DER needs no sign byte and the serial stays 16 bytes. */
export function randomSerialHex(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString('hex').toUpperCase();
}

function normaliseSerial(serialHex: string): string {
  const s = serialHex.replace(/:/g, '');
  if (!/^[0-9A-Fa-f]+$/.test(s) || s.length > 40 || /^0+$/.test(s)) {
    throw new Error(`invalid serial "${serialHex}": 1 to 20 bytes of hex, not zero`);
  }
  return s.length % 2 ? `0${s}` : s;
}

interface Validity {
  notBefore: Date;
  notAfter: Date;
}

function validityOf(opts: { days?: number; notBefore?: Date; notAfter?: Date }, defaultDays: number): Validity {
  const days = opts.days ?? defaultDays;
  if (opts.notAfter === undefined && (!Number.isFinite(days) || days <= 0)) {
    throw new Error(`validity days must be a positive number, got ${days}`);
  }
  const notBefore = opts.notBefore ?? new Date(Date.now() - BACKDATE_MS);
  const notAfter = opts.notAfter ?? new Date((opts.notBefore ?? new Date()).getTime() + days * DAY_MS);
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) throw new Error('invalid validity date');
  if (notAfter <= notBefore) throw new Error('notAfter must be later than notBefore');
  return { notBefore, notAfter };
}

async function authorityKeyId(issuer: x509.X509Certificate): Promise<x509.AuthorityKeyIdentifierExtension> {
  const ski = issuer.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) return new x509.AuthorityKeyIdentifierExtension(ski.keyId, false);
  return x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey, false);
}

interface Issuer {
  cert: x509.X509Certificate;
  signer: WebSigner;
  aki: x509.AuthorityKeyIdentifierExtension;
}

/**
 * Issuers by a digest of their certificate and key (no key material as a key): a CA signs many
 * certificates, and reading, checking and importing its certificate and key each time cost more
 * than the signature. A failed load is not remembered.
 */
const issuers = new Memo<Promise<Issuer>>(64);

function loadIssuer(certPem: string, keyPem: string): Promise<Issuer> {
  const id = createHash('sha256').update(String(certPem)).update('\0').update(String(keyPem)).digest('base64');
  const p = issuers.get(id, () => loadIssuerNow(certPem, keyPem));
  p.catch(() => issuers.delete(id));
  return p;
}

async function loadIssuerNow(certPem: string, keyPem: string): Promise<Issuer> {
  const cert = loadCertificate(certPem);
  if (!keyMatchesCertificate(keyPem, certPem)) throw new Error('the issuer key does not belong to the issuer certificate');
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  if (!basic?.ca) throw new Error(`the issuer "${cert.subject}" is not a CA certificate (basicConstraints CA:FALSE or missing)`);
  return { cert, signer: await importSigner(keyPem), aki: await authorityKeyId(cert) };
}

function pem(cert: x509.X509Certificate): string {
  const s = cert.toString('pem');
  return s.endsWith('\n') ? s : `${s}\n`;
}

/** A root CA (self-signed) or, with `issuer`, an intermediate CA signed by it. */
export async function createCa(opts: {
  subject: SubjectSpec;
  key?: KeySpec;
  days: number;
  issuer?: { certPem: string; keyPem: string };
  /** basicConstraints pathLen; default none for a root, 0 for an intermediate (it signs leaves only). */
  pathLength?: number;
  /** Certify an existing CA key (renewing a CA certificate, cross-signing) instead of making a new one. */
  keyPem?: string;
}): Promise<{ certPem: string; keyPem: string }> {
  validateSubject(opts.subject);
  if (!opts.subject.cn && !opts.subject.o) throw new Error('a CA subject needs a cn or an o');
  const validity = validityOf({ days: opts.days }, opts.days);
  const privateKeyPem = opts.keyPem ?? (await generateKeyPair(opts.key ?? DEFAULT_KEY)).privateKeyPem;
  const self = await importSigner(privateKeyPem);
  if (opts.keyPem && opts.key && !sameKeySpec(opts.key, self.spec)) {
    throw new Error(`keyPem is ${keySpecLabel(self.spec)} but key asks for ${keySpecLabel(opts.key)}`);
  }
  const parent = opts.issuer ? await loadIssuer(opts.issuer.certPem, opts.issuer.keyPem) : undefined;
  const parentPathLength = parent?.cert.getExtension(x509.BasicConstraintsExtension)?.pathLength;
  if (parentPathLength === 0) throw new Error(`the issuer "${parent!.cert.subject}" has pathlen 0 and may not sign CA certificates`);
  const pathLength = opts.pathLength ?? (parent ? 0 : undefined);
  if (pathLength !== undefined && (!Number.isInteger(pathLength) || pathLength < 0)) throw new Error('pathLength must be a whole number >= 0');
  const subjectName = subjectToName(opts.subject);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
    await x509.SubjectKeyIdentifierExtension.create(self.publicKey, false),
  ];
  if (parent) extensions.push(parent.aki);
  const signer = parent?.signer ?? self;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: subjectName,
    issuer: parent ? parent.cert.subjectName : subjectName,
    ...validity,
    publicKey: self.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.algorithm,
    extensions,
  });
  return { certPem: pem(cert), keyPem: privateKeyPem };
}

/** Leaf key usages: RSA keys may also encipher (TLS RSA key exchange), EC keys only sign. */
function leafKeyUsage(publicKey: x509.PublicKey): x509.KeyUsagesExtension {
  const type = createPublicKey({ key: Buffer.from(publicKey.rawData), format: 'der', type: 'spki' }).asymmetricKeyType;
  const flags = x509.KeyUsageFlags.digitalSignature | (type === 'rsa' ? x509.KeyUsageFlags.keyEncipherment : 0);
  return new x509.KeyUsagesExtension(flags, true);
}

/**
 * Signs a CSR the way a CA would: the CSR's key (never a substitute), its subject and SANs unless
 * overridden, serverAuth EKU, AKI/SKI, a random positive 16-byte serial unless one is given.
 */
export async function issueCertificate(opts: {
  csrPem: string;
  issuerCertPem: string;
  issuerKeyPem: string;
  days?: number;
  notBefore?: Date;
  notAfter?: Date;
  sans?: string[];
  subject?: SubjectSpec;
  serialHex?: string;
  serverAuth?: boolean;
}): Promise<string> {
  const csr = loadCsr(opts.csrPem);
  if (!(await verifyCsrSignature(opts.csrPem))) throw new Error('the CSR signature does not verify (altered or broken request)');
  const issuer = await loadIssuer(opts.issuerCertPem, opts.issuerKeyPem);
  const validity = validityOf(opts, DEFAULT_LEAF_DAYS);

  let subjectName: x509.Name;
  let sans: ReturnType<typeof sanListFor>;
  if (opts.subject) {
    validateSubject(opts.subject);
    subjectName = subjectToName(opts.subject);
  } else {
    subjectName = csr.subjectName;
  }
  if (opts.sans) {
    sans = sanListFor(undefined, opts.sans);
  } else {
    const csrSan = csrSanExtension(csr);
    sans = csrSan
      ? csrSan.names.items.filter((n) => n.type === 'dns' || n.type === 'ip').map((n) => classifySan(n.value))
      : sanListFor((opts.subject ?? nameToSubject(csr.subjectName)).cn, []);
  }
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    leafKeyUsage(csr.publicKey),
    await x509.SubjectKeyIdentifierExtension.create(csr.publicKey, false),
    issuer.aki,
  ];
  if (opts.serverAuth !== false) {
    extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false));
  }
  if (sans.length) extensions.push(sanExtension(sans));

  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: opts.serialHex !== undefined ? normaliseSerial(opts.serialHex) : randomSerialHex(),
    subject: subjectName,
    issuer: issuer.cert.subjectName,
    ...validity,
    publicKey: csr.publicKey,
    signingKey: issuer.signer.privateKey,
    signingAlgorithm: issuer.signer.algorithm,
    extensions,
  });
  return pem(cert);
}

/**
 * A self-signed server certificate (emulators, the demo). No keyUsage extension: OpenSSL then
 * treats it as self-signed, so a client can trust it directly with `ca: certPem` (a keyUsage
 * without keyCertSign would make OpenSSL look for another issuer; keyCertSign needs CA:TRUE).
 */
export async function createSelfSigned(opts: {
  cn: string;
  sans: string[];
  days: number;
  key?: KeySpec;
}): Promise<{ certPem: string; keyPem: string }> {
  if (typeof opts.cn !== 'string' || opts.cn.trim() === '') throw new Error('a self-signed certificate needs a cn');
  validateSubject({ cn: opts.cn });
  const sans = sanListFor(opts.cn, opts.sans ?? []);
  const validity = validityOf({ days: opts.days }, opts.days);
  const { privateKeyPem } = await generateKeyPair(opts.key ?? DEFAULT_KEY);
  const signer = await importSigner(privateKeyPem);
  const name = subjectToName({ cn: opts.cn });
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
    await x509.SubjectKeyIdentifierExtension.create(signer.publicKey, false),
  ];
  if (sans.length) extensions.push(sanExtension(sans));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: name,
    issuer: name,
    ...validity,
    publicKey: signer.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.algorithm,
    extensions,
  });
  return { certPem: pem(cert), keyPem: privateKeyPem };
}
