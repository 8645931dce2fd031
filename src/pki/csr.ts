// PKCS#10 certificate requests: made from a profile's subject/SANs and a local key, and parsed
// (CSRs generated on a device are read back to learn their names and key).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { csrParts } from './der.js';
import { importSigner, keySpecOf, spkiSha256, validateKeySpec } from './keys.js';
import { nameToSubject, sanExtension, sanListFor, sansOf, subjectToName, validateSubject } from './names.js';
import { Memo } from './memo.js';
import { pemToDer } from './pem.js';
import { keySpecLabel, sameKeySpec, type CsrInfo, type CsrSpec } from './types.js';
import { x509 } from './x509-lib.js';

/** Creates a PEM CSR signed with `privateKeyPem`; the key must be of the kind `spec.key` asks for. */
export async function createCsr(spec: CsrSpec, privateKeyPem: string): Promise<string> {
  validateKeySpec(spec.key);
  validateSubject(spec.subject);
  const sans = sanListFor(spec.subject.cn, spec.sans ?? []);
  if (!spec.subject.cn && sans.length === 0) throw new Error('a CSR needs a subject CN or at least one subjectAltName');
  const signer = await importSigner(privateKeyPem);
  if (!sameKeySpec(signer.spec, spec.key)) {
    throw new Error(`the private key is ${keySpecLabel(signer.spec)} but ${keySpecLabel(spec.key)} was asked for`);
  }
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectToName(spec.subject),
    keys: { privateKey: signer.privateKey, publicKey: signer.publicKey },
    signingAlgorithm: signer.algorithm,
    extensions: sans.length ? [sanExtension(sans)] : [],
  });
  return withNewline(csr.toString('pem'));
}

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

// @peculiar/x509 reads only the subject Name and the SAN extension; node reads the key (see der.ts).
function parseCsrNow(pem: string): CsrInfo {
  if (typeof pem !== 'string' || !CSR_PEM.test(pem)) throw new Error('not a PEM certificate request');
  let parts: ReturnType<typeof csrParts>;
  let key: KeyObject;
  try {
    parts = csrParts(pemToDer(pem.replace(/NEW CERTIFICATE REQUEST/g, 'CERTIFICATE REQUEST'), 'CERTIFICATE REQUEST'));
    key = createPublicKey({ key: Buffer.from(parts.spki), format: 'der', type: 'spki' });
  } catch {
    throw new Error('unreadable certificate request (corrupt PEM)');
  }
  const san = parts.extensions.get('2.5.29.17');
  return {
    subject: nameToSubject(new x509.Name(parts.subject)),
    sans: sansOf(san ? new x509.SubjectAlternativeNameExtension(san) : null),
    keySpec: keySpecOf(key),
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

function withNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}
