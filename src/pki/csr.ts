// PKCS#10 certificate requests: made from a profile's subject/SANs and a local key, and parsed
// (CSRs generated on a device are read back to learn their names and key).
import { createPublicKey, sign } from 'node:crypto';
import { csrParts, encodeTlv } from './der.js';
import { describeKey, keySpecOf, keySpecOfSpki, loadPrivateKey, signatureHash, spkiDer, spkiSha256, validateKeySpec } from './keys.js';
import { sanExtension, subjectOfEncoded, sanListFor, sansOfEncoded, subjectToName, validateSubject } from './names.js';
import { Memo } from './memo.js';
import { derToPem, pemToDer } from './pem.js';
import { keySpecLabel, sameKeySpec, type CsrInfo, type CsrSpec } from './types.js';
import { x509 } from './x509-lib.js';

/**
 * Creates a PEM CSR signed with `privateKeyPem`; the key must be of the kind `spec.key` asks for.
 * @peculiar/x509 encodes the subject Name and the SAN extension (memoized: a profile asks for the
 * same names on every device); node:crypto signs, off the event loop. The request is
 * SEQUENCE { CertificationRequestInfo, AlgorithmIdentifier, BIT STRING signature } (RFC 2986
 * section 4), byte for byte what @peculiar/x509's generator makes (test/pki/csr-encoding.test.ts compares).
 */
export async function createCsr(spec: CsrSpec, privateKeyPem: string): Promise<string> {
  validateKeySpec(spec.key);
  validateSubject(spec.subject);
  const sans = sanListFor(spec.subject.cn, spec.sans ?? []);
  if (!spec.subject.cn && sans.length === 0) throw new Error('a CSR needs a subject CN or at least one subjectAltName');
  const key = loadPrivateKey(privateKeyPem);
  const spki = spkiDer(key);
  const keySpec = keySpecOfSpki(spki) ?? keySpecOf(key);
  if (!keySpec) throw new Error(`cannot sign with a ${describeKey(key)} key: use RSA 2048/3072/4096 or ECDSA P-256/P-384/P-521`);
  if (!sameKeySpec(keySpec, spec.key)) {
    throw new Error(`the private key is ${keySpecLabel(keySpec)} but ${keySpecLabel(spec.key)} was asked for`);
  }
  const names = csrNames.get(JSON.stringify([spec.subject, sans]), () => ({
    subject: Buffer.from(subjectToName(spec.subject).toArrayBuffer()),
    // [0] IMPLICIT SET OF Attribute: extensionRequest (PKCS#9) with the SAN extension, or nothing
    attributes: sans.length
      ? encodeTlv(0xa0, encodeTlv(0x30, EXTENSION_REQUEST_OID, encodeTlv(0x31, encodeTlv(0x30, Buffer.from(sanExtension(sans).rawData)))))
      : encodeTlv(0xa0),
  }));
  const info = encodeTlv(0x30, VERSION_1, names.subject, spki, names.attributes);
  const hash = signatureHash(keySpec);
  const signature = await new Promise<Buffer>((resolve, reject) =>
    sign(hash.replace('-', '').toLowerCase(), info, key, (err, sig) => (err ? reject(err) : resolve(sig))));
  const algorithm = keySpec.type === 'rsa' ? RSA_PKCS1_ALGORITHMS[hash] : ECDSA_ALGORITHMS[hash];
  return derToPem(encodeTlv(0x30, info, algorithm, encodeTlv(0x03, Buffer.from([0]), signature)), 'CERTIFICATE REQUEST');
}

/** Encoded subject Names and SAN attributes by (subject, SANs). */
const csrNames = new Memo<{ subject: Buffer; attributes: Buffer }>(256);
/** INTEGER 0: PKCS#10 version 1. */
const VERSION_1 = Buffer.from('020100', 'hex');
/** OBJECT IDENTIFIER 1.2.840.113549.1.9.14 (PKCS#9 extensionRequest). */
const EXTENSION_REQUEST_OID = Buffer.from('06092a864886f70d01090e', 'hex');
/** AlgorithmIdentifier of sha{256,384,512}WithRSAEncryption (RFC 4055: NULL parameters). */
const RSA_PKCS1_ALGORITHMS: Record<string, Buffer> = {
  'SHA-256': Buffer.from('300d06092a864886f70d01010b0500', 'hex'),
  'SHA-384': Buffer.from('300d06092a864886f70d01010c0500', 'hex'),
  'SHA-512': Buffer.from('300d06092a864886f70d01010d0500', 'hex'),
};
/** AlgorithmIdentifier of ecdsa-with-SHA{256,384,512} (RFC 5758: no parameters). */
const ECDSA_ALGORITHMS: Record<string, Buffer> = {
  'SHA-256': Buffer.from('300a06082a8648ce3d040302', 'hex'),
  'SHA-384': Buffer.from('300a06082a8648ce3d040303', 'hex'),
  'SHA-512': Buffer.from('300a06082a8648ce3d040304', 'hex'),
};

const CSR_PEM = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----/;

/** Reads a PEM CSR ("CERTIFICATE REQUEST" or the older "NEW CERTIFICATE REQUEST" label). */
export function loadCsr(pem: string): x509.Pkcs10CertificateRequest {
  if (typeof pem !== 'string' || !CSR_PEM.test(pem)) {
    throw new Error('not a PEM certificate request');
  }
  try {
    return loaded.get(pem, () => new x509.Pkcs10CertificateRequest(pem.replace(/NEW CERTIFICATE REQUEST/g, 'CERTIFICATE REQUEST')));
  } catch {
    throw new Error('unreadable certificate request (corrupt PEM)');
  }
}

/** Parsed requests and their signature verdicts by PEM: a CA (the lab's SCM) checks a request when it
 *  arrives and again when it signs it. Treat a returned request as read-only. */
const loaded = new Memo<x509.Pkcs10CertificateRequest>(1024);
const verdicts = new Memo<Promise<boolean>>(1024);

/** Parsed CSRs by PEM (see memo.ts): a device's CSR is read when it is made and again when the CA answers. */
const parsed = new Memo<CsrInfo>(1024);

export function parseCsr(pem: string): CsrInfo {
  return { ...parsed.get(pem, () => parseCsrNow(pem)) };
}

// @peculiar/x509 reads only the subject Name and the SAN extension; the key's kind is read from its
// encoding (keySpecOfSpki), and node reads only a key that does not show an RSA or EC key fwcert makes.
function parseCsrNow(pem: string): CsrInfo {
  if (typeof pem !== 'string' || !CSR_PEM.test(pem)) throw new Error('not a PEM certificate request');
  let parts: ReturnType<typeof csrParts>;
  let keySpec: CsrInfo['keySpec'];
  try {
    parts = csrParts(pemToDer(pem.replace(/NEW CERTIFICATE REQUEST/g, 'CERTIFICATE REQUEST'), 'CERTIFICATE REQUEST'));
    keySpec = keySpecOfSpki(parts.spki) ?? keySpecOf(createPublicKey({ key: Buffer.from(parts.spki), format: 'der', type: 'spki' }));
  } catch {
    throw new Error('unreadable certificate request (corrupt PEM)');
  }
  const san = parts.extensions.get('2.5.29.17');
  return {
    subject: subjectOfEncoded(parts.subject).subject,
    sans: sansOfEncoded(san),
    keySpec,
    publicKeySha256: spkiSha256(parts.spki),
  };
}

/** Checks the CSR's self-signature (a CSR altered in transit or built wrongly fails). */
export async function verifyCsrSignature(pem: string): Promise<boolean> {
  const csr = loadCsr(pem);
  const verdict = verdicts.get(pem, () => csr.verify());
  verdict.catch(() => verdicts.delete(pem));
  return verdict;
}

/** The CSR's requested subjectAltName extension (from its extensionRequest attribute), if any. */
export function csrSanExtension(csr: x509.Pkcs10CertificateRequest): x509.SubjectAlternativeNameExtension | null {
  const ext = csr.getExtension('2.5.29.17');
  return ext instanceof x509.SubjectAlternativeNameExtension ? ext : ext ? new x509.SubjectAlternativeNameExtension(ext.rawData) : null;
}
