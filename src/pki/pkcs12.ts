// PKCS#12 (.p12/.pfx) files, the format FMC, PAN-OS and Windows-style tools exchange keys in.
// Written as OpenSSL 3 writes them by default (PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC, MAC
// HMAC-SHA256), so `openssl pkcs12` and Node's tls `pfx` read them. Reading also accepts the
// legacy 3DES files older devices export.
import { createHash, createHmac, createPrivateKey, randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import { orderChain } from './chain.js';
import { keyMatchesCertificate } from './pair.js';
import { certificateDer, derToPem } from './pem.js';
import {
  bmpPassword,
  pbes2Decrypt,
  pbes2Encrypt,
  pkcs12Kdf,
  pkcs12PbeDecrypt,
  type DigestName,
  type Pbes2Params,
} from './pkcs12-crypto.js';
import { loadPrivateKey } from './keys.js';

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  localKeyId: '1.2.840.113549.1.9.21',
  friendlyName: '1.2.840.113549.1.9.20',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbeSha3Des: '1.2.840.113549.1.12.1.3',
  pbeShaRc2_128: '1.2.840.113549.1.12.1.5',
  pbeShaRc2_40: '1.2.840.113549.1.12.1.6',
} as const;

const HMAC_PRF: Record<string, DigestName> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const DIGEST: Record<string, DigestName> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const CIPHER: Record<string, Pbes2Params['cipher']> = {
  '2.16.840.1.101.3.4.1.2': 'aes-128-cbc',
  '2.16.840.1.101.3.4.1.22': 'aes-192-cbc',
  '2.16.840.1.101.3.4.1.42': 'aes-256-cbc',
  '1.2.840.113549.3.7': 'des-ede3-cbc',
};
const OID_OF_CIPHER = Object.fromEntries(Object.entries(CIPHER).map(([k, v]) => [v, k]));

/** OpenSSL's default iteration count (PKCS12_DEFAULT_ITER); devices import such files quickly. */
const ITERATIONS = 2048;
const WRONG_PASSPHRASE = 'PKCS#12: wrong passphrase or corrupt file';

// ---------- DER building ----------

const ab = (b: Buffer): ArrayBuffer => new Uint8Array(b).buffer;
const seq = (...value: asn1js.AsnType[]) => new asn1js.Sequence({ value });
const oid = (value: string) => new asn1js.ObjectIdentifier({ value });
const octets = (b: Buffer) => new asn1js.OctetString({ valueHex: ab(b) });
const int = (value: number) => new asn1js.Integer({ value });
const explicit0 = (inner: asn1js.AsnType) => new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [inner] });
const der = (node: asn1js.AsnType): Buffer => Buffer.from(node.toBER(false));

function parseDer(bytes: Buffer, what: string): asn1js.AsnType {
  const r = asn1js.fromBER(new Uint8Array(bytes));
  if (r.offset === -1) throw new Error(`PKCS#12: malformed ${what}`);
  return r.result;
}

function attribute(type: string, value: asn1js.AsnType): asn1js.Sequence {
  return seq(oid(type), new asn1js.Set({ value: [value] }));
}

function pbes2AlgorithmId(p: Pbes2Params): asn1js.Sequence {
  return seq(
    oid(OID.pbes2),
    seq(
      seq(oid(OID.pbkdf2), seq(octets(p.salt), int(p.iterations), seq(oid('1.2.840.113549.2.9'), new asn1js.Null()))),
      seq(oid(OID_OF_CIPHER[p.cipher]!), octets(p.iv)),
    ),
  );
}

/**
 * Builds a .p12: leaf cert first, then the chain, in one encrypted bag; the key in a shrouded bag.
 * `certificatesInClear` stores the certificates unencrypted (what `openssl pkcs12 -export -certpbe NONE`
 * writes; the key stays encrypted and the MAC covers everything), so that whoever holds the file without
 * its passphrase can still tell which certificate it carries (pkcs12Certificates).
 */
export function toPkcs12(opts: {
  keyPem: string;
  certPem: string;
  chainPem?: string[];
  passphrase: string;
  friendlyName?: string;
  certificatesInClear?: boolean;
}): Buffer {
  const { passphrase } = opts;
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw new Error('PKCS#12 needs a non-empty passphrase');
  if (!keyMatchesCertificate(opts.keyPem, opts.certPem)) throw new Error('PKCS#12: the private key does not belong to the certificate');
  const leafDer = certificateDer(opts.certPem);
  const chainDer = (opts.chainPem ?? []).map((p) => certificateDer(p));
  // localKeyId ties key and leaf together (OpenSSL uses the SHA-1 of the certificate).
  const localKeyId = createHash('sha1').update(leafDer).digest();
  const leafAttrs: asn1js.AsnType[] = [attribute(OID.localKeyId, octets(localKeyId))];
  if (opts.friendlyName) leafAttrs.push(attribute(OID.friendlyName, new asn1js.BmpString({ value: opts.friendlyName })));

  const certBag = (certDer: Buffer, attrs?: asn1js.AsnType[]) => {
    const parts: asn1js.AsnType[] = [oid(OID.certBag), explicit0(seq(oid(OID.x509Certificate), explicit0(octets(certDer))))];
    if (attrs) parts.push(new asn1js.Set({ value: attrs }));
    return seq(...parts);
  };
  const certContents = der(seq(certBag(leafDer, leafAttrs), ...chainDer.map((d) => certBag(d))));
  const certInfo = opts.certificatesInClear ? seq(oid(OID.data), explicit0(octets(certContents))) : encryptedCertInfo(certContents, passphrase);

  // Node writes EncryptedPrivateKeyInfo with PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC, 2048 iterations.
  const shrouded = loadPrivateKey(opts.keyPem).export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase });
  const keyBag = seq(oid(OID.shroudedKeyBag), explicit0(parseDer(shrouded, 'key')), new asn1js.Set({ value: leafAttrs }));
  const keyInfo = seq(oid(OID.data), explicit0(octets(der(seq(keyBag)))));

  const authSafe = der(seq(certInfo, keyInfo));
  const macSalt = randomBytes(16);
  const macKey = pkcs12Kdf('sha256', bmpPassword(passphrase), macSalt, 3, ITERATIONS, 32);
  const mac = createHmac('sha256', macKey).update(authSafe).digest();
  const pfx = seq(
    int(3),
    seq(oid(OID.data), explicit0(octets(authSafe))),
    seq(seq(seq(oid('2.16.840.1.101.3.4.2.1'), new asn1js.Null()), octets(mac)), octets(macSalt), int(ITERATIONS)),
  );
  return der(pfx);
}

function encryptedCertInfo(certContents: Buffer, passphrase: string): asn1js.Sequence {
  const { params, encrypted } = pbes2Encrypt(certContents, passphrase, ITERATIONS);
  return seq(
    oid(OID.encryptedData),
    explicit0(
      seq(
        int(0),
        seq(
          oid(OID.data),
          pbes2AlgorithmId(params),
          new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: ab(encrypted) }),
        ),
      ),
    ),
  );
}

// ---------- DER reading ----------

function children(node: asn1js.AsnType | undefined, what: string): asn1js.AsnType[] {
  const v = (node as asn1js.Constructed | undefined)?.valueBlock?.value;
  if (!Array.isArray(v)) throw new Error(`PKCS#12: malformed ${what}`);
  return v as asn1js.AsnType[];
}

function oidOf(node: asn1js.AsnType | undefined, what: string): string {
  if (!(node instanceof asn1js.ObjectIdentifier)) throw new Error(`PKCS#12: malformed ${what}`);
  return node.valueBlock.toString();
}

/** Bytes of an OCTET STRING, or of an IMPLICIT-tagged one, primitive or (BER) constructed. */
function bytesOf(node: asn1js.AsnType | undefined, what: string): Buffer {
  if (!node) throw new Error(`PKCS#12: malformed ${what}`);
  if (node instanceof asn1js.OctetString) return Buffer.from(node.getValue());
  if (node.idBlock.isConstructed) return Buffer.concat(children(node, what).map((c) => bytesOf(c, what)));
  return Buffer.from((node as asn1js.Primitive).valueBlock.valueHexView);
}

function intOf(node: asn1js.AsnType | undefined, what: string): number {
  if (!(node instanceof asn1js.Integer)) throw new Error(`PKCS#12: malformed ${what}`);
  return node.valueBlock.valueDec;
}

/** [0] EXPLICIT content of a ContentInfo/SafeBag. */
function explicitContent(node: asn1js.AsnType | undefined, what: string): asn1js.AsnType {
  const inner = children(node, what)[0];
  if (!inner) throw new Error(`PKCS#12: malformed ${what}`);
  return inner;
}

/** Decrypts data protected by an AlgorithmIdentifier found in the file (PBES2 or PKCS#12 PBE). */
function decryptWith(algId: asn1js.AsnType, encrypted: Buffer, passphrase: string): Buffer {
  const [algOid, params] = children(algId, 'encryption algorithm');
  const alg = oidOf(algOid, 'encryption algorithm');
  try {
    if (alg === OID.pbes2) {
      const [kdf, enc] = children(params, 'PBES2 parameters');
      const [kdfOid, kdfParams] = children(kdf, 'PBES2 key derivation');
      if (oidOf(kdfOid, 'PBES2 key derivation') !== OID.pbkdf2) throw new Error('PKCS#12: unsupported PBES2 key derivation');
      const kp = children(kdfParams, 'PBKDF2 parameters');
      let prf: DigestName = 'sha1'; // RFC 8018 default
      let keyLength: number | undefined;
      for (const extra of kp.slice(2)) {
        if (extra instanceof asn1js.Integer) keyLength = extra.valueBlock.valueDec;
        else {
          const name = HMAC_PRF[oidOf(children(extra, 'PBKDF2 prf')[0], 'PBKDF2 prf')];
          if (!name) throw new Error('PKCS#12: unsupported PBKDF2 pseudo-random function');
          prf = name;
        }
      }
      const [encOid, iv] = children(enc, 'PBES2 encryption scheme');
      const cipher = CIPHER[oidOf(encOid, 'PBES2 cipher')];
      if (!cipher) throw new Error('PKCS#12: unsupported PBES2 cipher');
      return pbes2Decrypt(encrypted, passphrase, {
        salt: bytesOf(kp[0], 'PBKDF2 salt'),
        iterations: intOf(kp[1], 'PBKDF2 iterations'),
        prf,
        keyLength,
        cipher,
        iv: bytesOf(iv, 'PBES2 IV'),
      });
    }
    const legacy = { [OID.pbeSha3Des]: 'des-ede3-cbc', [OID.pbeShaRc2_128]: 'rc2-cbc', [OID.pbeShaRc2_40]: 'rc2-40-cbc' } as const;
    const cipher = legacy[alg as keyof typeof legacy];
    if (!cipher) throw new Error(`PKCS#12: unsupported encryption algorithm ${alg}`);
    const [salt, iter] = children(params, 'PBE parameters');
    return pkcs12PbeDecrypt(encrypted, passphrase, bytesOf(salt, 'PBE salt'), intOf(iter, 'PBE iterations'), cipher);
  } catch (e) {
    const msg = (e as Error).message;
    // Our own messages say what is unsupported; OpenSSL's "bad decrypt" means a wrong passphrase.
    if (msg.startsWith('PKCS#12:')) throw e;
    throw new Error(WRONG_PASSPHRASE);
  }
}

function verifyMac(macData: asn1js.AsnType, authSafe: Buffer, passphrase: string): void {
  const [digestInfo, saltNode, iterNode] = children(macData, 'MAC data');
  const [digestAlg, macValue] = children(digestInfo, 'MAC');
  const hash = DIGEST[oidOf(children(digestAlg, 'MAC algorithm')[0], 'MAC algorithm')];
  if (!hash) throw new Error('PKCS#12: unsupported MAC digest');
  const iterations = iterNode ? intOf(iterNode, 'MAC iterations') : 1;
  const expected = bytesOf(macValue, 'MAC value');
  const keyLen = createHash(hash).digest().length;
  const key = pkcs12Kdf(hash, bmpPassword(passphrase), bytesOf(saltNode, 'MAC salt'), 3, iterations, keyLen);
  const actual = createHmac(hash, key).update(authSafe).digest();
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new Error(WRONG_PASSPHRASE);
}

interface Bags {
  keysDer: Buffer[];
  certsDer: Buffer[];
}

function readSafeContents(contents: Buffer, passphrase: string, bags: Bags, opts: { skipKeys?: boolean } = {}): void {
  for (const bag of children(parseDer(contents, 'SafeContents'), 'SafeContents')) {
    const [bagOid, bagValue] = children(bag, 'SafeBag');
    const type = oidOf(bagOid, 'SafeBag type');
    const value = explicitContent(bagValue, 'SafeBag value');
    if (opts.skipKeys && (type === OID.keyBag || type === OID.shroudedKeyBag)) continue;
    if (type === OID.keyBag) {
      bags.keysDer.push(der(value));
    } else if (type === OID.shroudedKeyBag) {
      const [algId, encrypted] = children(value, 'EncryptedPrivateKeyInfo');
      bags.keysDer.push(decryptWith(algId!, bytesOf(encrypted, 'encrypted key'), passphrase));
    } else if (type === OID.certBag) {
      const [certType, certValue] = children(value, 'CertBag');
      if (oidOf(certType, 'CertBag type') === OID.x509Certificate) bags.certsDer.push(bytesOf(explicitContent(certValue, 'CertBag'), 'certificate'));
    }
    // CRL, secret and nested bags carry nothing fwcert installs.
  }
}

/** Reads a .p12: the private key, the certificate that matches it, and the other certificates (issuer first). */
export function fromPkcs12(data: Buffer, passphrase: string): { keyPem: string; certPem: string; chainPem: string[] } {
  if (typeof passphrase !== 'string') throw new Error('PKCS#12 needs a passphrase');
  const pfx = children(parseDer(Buffer.from(data), 'file'), 'file');
  if (intOf(pfx[0], 'version') !== 3) throw new Error('PKCS#12: unsupported version');
  const [ctype, content] = children(pfx[1], 'authSafe');
  if (oidOf(ctype, 'authSafe type') !== OID.data) throw new Error('PKCS#12: public-key integrity mode is not supported');
  const authSafe = bytesOf(explicitContent(content, 'authSafe'), 'authSafe');
  if (pfx[2]) verifyMac(pfx[2], authSafe, passphrase);

  const bags: Bags = { keysDer: [], certsDer: [] };
  for (const info of children(parseDer(authSafe, 'AuthenticatedSafe'), 'AuthenticatedSafe')) {
    const [infoType, infoContent] = children(info, 'ContentInfo');
    const type = oidOf(infoType, 'ContentInfo type');
    if (type === OID.data) {
      readSafeContents(bytesOf(explicitContent(infoContent, 'ContentInfo'), 'SafeContents'), passphrase, bags);
    } else if (type === OID.encryptedData) {
      const [, encInfo] = children(explicitContent(infoContent, 'EncryptedData'), 'EncryptedData');
      const [, algId, encrypted] = children(encInfo, 'EncryptedContentInfo');
      if (!encrypted) continue; // no content: nothing to read
      readSafeContents(decryptWith(algId!, bytesOf(encrypted, 'encrypted content'), passphrase), passphrase, bags);
    } else {
      throw new Error('PKCS#12: public-key encrypted contents are not supported');
    }
  }

  if (bags.keysDer.length === 0) throw new Error('PKCS#12: the file holds no private key');
  if (bags.certsDer.length === 0) throw new Error('PKCS#12: the file holds no certificate');
  const certPems = bags.certsDer.map((d) => derToPem(d, 'CERTIFICATE'));
  for (const keyDer of bags.keysDer) {
    let keyPem: string;
    try {
      keyPem = createPrivateKey({ key: keyDer, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string;
    } catch {
      throw new Error(WRONG_PASSPHRASE);
    }
    const leafIndex = certPems.findIndex((c) => keyMatchesCertificate(keyPem, c));
    if (leafIndex < 0) continue;
    const certPem = certPems[leafIndex]!;
    const others = certPems.filter((_, i) => i !== leafIndex);
    return { keyPem, certPem, chainPem: issuerOrder(certPem, others) };
  }
  throw new Error('PKCS#12: no certificate in the file matches its private key');
}

/**
 * The certificates a .p12 stores unencrypted (see toPkcs12 `certificatesInClear`), read without its
 * passphrase and without checking its MAC: for telling which certificate a file carries, not for trusting it.
 */
export function pkcs12Certificates(data: Buffer): string[] {
  const pfx = children(parseDer(Buffer.from(data), 'file'), 'file');
  const [ctype, content] = children(pfx[1], 'authSafe');
  if (oidOf(ctype, 'authSafe type') !== OID.data) return [];
  const authSafe = bytesOf(explicitContent(content, 'authSafe'), 'authSafe');
  const out: string[] = [];
  for (const info of children(parseDer(authSafe, 'AuthenticatedSafe'), 'AuthenticatedSafe')) {
    const [infoType, infoContent] = children(info, 'ContentInfo');
    if (oidOf(infoType, 'ContentInfo type') !== OID.data) continue;
    const bags: Bags = { keysDer: [], certsDer: [] };
    readSafeContents(bytesOf(explicitContent(infoContent, 'ContentInfo'), 'SafeContents'), '', bags, { skipKeys: true });
    out.push(...bags.certsDer.map((d) => derToPem(d, 'CERTIFICATE')));
  }
  return out;
}

/** The other certificates ordered leaf's-issuer first; file order when they do not form one chain. */
function issuerOrder(leafPem: string, others: string[]): string[] {
  if (others.length === 0) return [];
  try {
    const ordered = orderChain([leafPem, ...others]);
    if (new X509Certificate(ordered.leaf).fingerprint256 === new X509Certificate(leafPem).fingerprint256) return ordered.chain;
  } catch {
    // unrelated extra certificates: keep them as the file lists them
  }
  return others;
}
