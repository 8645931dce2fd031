// What `request certificate generate` builds on the box: a PKCS#10 request carrying exactly the
// requested subject and alternative names (hostname -> DNS, ip -> IP, alt-email -> e-mail; the
// CN is not copied into the SANs), signed with the requested digest; or, with `signed-by <CA>` /
// no signer, a certificate signed on the box [reference section 3].
import { createPrivateKey, createPublicKey, randomBytes, type webcrypto } from 'node:crypto';
import { subtle, x509, type CryptoKey } from '../../pki/x509-lib.js';

export type Digest = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export interface OnboxRequest {
  cn: string;
  subject: { c?: string; st?: string; l?: string; o?: string; ou: string[]; email?: string };
  dns: string[];
  ips: string[];
  emails: string[];
  digest: Digest;
  ca: boolean;
  days: number;
}

const HASH: Record<Digest, string> = { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

interface WebKeys {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  algorithm: { name: string; hash: string };
}

async function importKeys(privateKeyPem: string, digest: Digest): Promise<WebKeys> {
  const key = createPrivateKey(privateKeyPem);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const hash = HASH[digest];
  let alg: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams;
  if (key.asymmetricKeyType === 'rsa') alg = { name: 'RSASSA-PKCS1-v1_5', hash };
  else if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const namedCurve = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : curve;
    alg = { name: 'ECDSA', namedCurve: namedCurve ?? 'P-256' };
  } else throw new Error(`unsupported key type ${key.asymmetricKeyType}`);
  return {
    privateKey: await subtle.importKey('pkcs8', pkcs8, alg, true, ['sign']),
    publicKey: await subtle.importKey('spki', spki, alg, true, ['verify']),
    algorithm: { name: alg.name, hash },
  };
}

function subjectName(r: OnboxRequest): x509.Name {
  const json: x509.JsonName = [];
  const add = (k: string, v: string | undefined) => {
    if (v !== undefined && v !== '') json.push({ [k]: [v] });
  };
  add('C', r.subject.c);
  add('ST', r.subject.st);
  add('L', r.subject.l);
  add('O', r.subject.o);
  for (const ou of r.subject.ou) add('OU', ou);
  add('CN', r.cn);
  add('E', r.subject.email);
  return new x509.Name(json);
}

/** OpenSSL one-line form of the requested subject (for the pending entry's <subject>). */
export function subjectOneLine(r: OnboxRequest): string {
  const parts: Array<[string, string | undefined]> = [
    ['C', r.subject.c],
    ['ST', r.subject.st],
    ['L', r.subject.l],
    ['O', r.subject.o],
    ...r.subject.ou.map((ou): [string, string] => ['OU', ou]),
    ['CN', r.cn],
    ['emailAddress', r.subject.email],
  ];
  return parts
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `/${k}=${v}`)
    .join('');
}

function sanExtension(r: OnboxRequest): x509.Extension[] {
  const names: x509.JsonGeneralName[] = [
    ...r.dns.map((value) => ({ type: 'dns' as const, value })),
    ...r.ips.map((value) => ({ type: 'ip' as const, value })),
    ...r.emails.map((value) => ({ type: 'email' as const, value })),
  ];
  return names.length ? [new x509.SubjectAlternativeNameExtension(names, false)] : [];
}

export async function makeOnboxCsr(r: OnboxRequest, privateKeyPem: string): Promise<string> {
  const keys = await importKeys(privateKeyPem, r.digest);
  const extensions = [...sanExtension(r)];
  if (r.ca) extensions.push(new x509.BasicConstraintsExtension(true, undefined, true));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectName(r),
    keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
    signingAlgorithm: keys.algorithm,
    extensions,
  });
  return `${csr.toString('pem')}\n`;
}

/** Signs on the box: with the given CA object's key, or self-signed when no issuer is given. */
export async function signOnbox(r: OnboxRequest, privateKeyPem: string, issuer?: { certPem: string; keyPem: string }): Promise<string> {
  const subjectKeys = await importKeys(privateKeyPem, r.digest);
  const signer = issuer ? await importKeys(issuer.keyPem, r.digest) : subjectKeys;
  const issuerCert = issuer ? new x509.X509Certificate(issuer.certPem) : undefined;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + r.days * 86_400_000);
  const serial = randomBytes(8);
  serial[0] = serial[0]! & 0x7f;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(r.ca, undefined, true),
    new x509.KeyUsagesExtension(
      r.ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    ...sanExtension(r),
    await x509.SubjectKeyIdentifierExtension.create(subjectKeys.publicKey),
  ];
  if (!r.ca) extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]));
  if (issuerCert) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuerCert, false));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject: subjectName(r),
    issuer: issuerCert ? issuerCert.subjectName : subjectName(r),
    notBefore,
    notAfter,
    publicKey: subjectKeys.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.algorithm,
    extensions,
  });
  return `${cert.toString('pem')}\n`;
}
