// Locates the parts of a certificate or CSR that node:crypto does not expose as bytes (the issuer
// and subject Names, the extensions, a CSR's SubjectPublicKeyInfo), so that @peculiar/x509 parses
// only those parts. Parsing the whole certificate with @peculiar/x509 (asn1js + schemas) costs
// milliseconds per certificate; node's native X509Certificate and this walk cost a fraction of that.
// Only for input that has already been read as a certificate (node's X509Certificate) or CSR: this
// reader walks DER, checks bounds and throws on anything else; it interprets no values.

/** One DER element: its tag byte and where its header, content and end are in the buffer. */
export interface Tlv {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

/** The DER element starting at `offset` (single-byte tags, definite lengths: DER's only forms here). */
export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new Error('DER: truncated element');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: multi-byte tags are not expected here');
  let len = buf[offset + 1]!;
  let contentStart = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('DER: indefinite or oversized length');
    if (contentStart + n > limit) throw new Error('DER: truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[contentStart + i]!;
    contentStart += n;
  }
  const end = contentStart + len;
  if (end > limit) throw new Error('DER: element runs past its container');
  return { tag, start: offset, contentStart, end };
}

/** The elements inside a constructed element (SEQUENCE, SET, explicit tag), in order. */
export function childrenOf(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const t = readTlv(buf, at, parent.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

/** The whole encoding of an element (header included), as a view on the same memory. */
export function bytesOf(buf: Uint8Array, t: Tlv): Uint8Array {
  return buf.subarray(t.start, t.end);
}

const BOOLEAN = 0x01;
const OCTET_STRING = 0x04;
const SEQUENCE = 0x30;
const CONTEXT_0 = 0xa0;
const CONTEXT_3 = 0xa3;
const OBJECT_IDENTIFIER = 0x06;

/** OID text of an OBJECT IDENTIFIER element ("2.5.29.17"). */
export function oidOf(buf: Uint8Array, t: Tlv): string {
  if (t.tag !== OBJECT_IDENTIFIER || t.end <= t.contentStart) throw new Error('DER: not an OBJECT IDENTIFIER');
  const parts: number[] = [];
  let v = 0;
  for (let i = t.contentStart; i < t.end; i++) {
    const b = buf[i]!;
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** Each Extension element of an Extensions SEQUENCE, by OID (the element's whole encoding). */
function extensionsOf(buf: Uint8Array, extensions: Tlv): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const ext of childrenOf(buf, extensions)) {
    const [oid] = childrenOf(buf, ext);
    if (oid) out.set(oidOf(buf, oid), bytesOf(buf, ext));
  }
  return out;
}

/** The raw parts of an X.509 certificate (RFC 5280 section 4.1). */
export interface CertificateParts {
  issuer: Uint8Array;
  subject: Uint8Array;
  spki: Uint8Array;
  /** Extension encodings by OID (empty for v1 certificates). */
  extensions: Map<string, Uint8Array>;
}

export function certificateParts(der: Uint8Array): CertificateParts {
  const cert = readTlv(der, 0);
  const [tbs] = childrenOf(der, cert);
  if (cert.tag !== SEQUENCE || tbs?.tag !== SEQUENCE) throw new Error('DER: not a certificate');
  const f = childrenOf(der, tbs);
  // version [0] EXPLICIT is absent in v1 certificates
  const i = f[0]?.tag === CONTEXT_0 ? 1 : 0;
  // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, then optional
  // issuerUniqueID [1], subjectUniqueID [2], extensions [3]
  const issuer = f[i + 2];
  const subject = f[i + 4];
  const spki = f[i + 5];
  if (issuer?.tag !== SEQUENCE || subject?.tag !== SEQUENCE || spki?.tag !== SEQUENCE) throw new Error('DER: not a certificate');
  const explicitExt = f.slice(i + 6).find((t) => t.tag === CONTEXT_3);
  const extSeq = explicitExt ? childrenOf(der, explicitExt)[0] : undefined;
  return {
    issuer: bytesOf(der, issuer),
    subject: bytesOf(der, subject),
    spki: bytesOf(der, spki),
    extensions: extSeq ? extensionsOf(der, extSeq) : new Map(),
  };
}

/** The raw parts of a PKCS#10 request (RFC 2986 section 4). */
export interface CsrParts {
  subject: Uint8Array;
  spki: Uint8Array;
  /** Extensions requested in the extensionRequest attribute (PKCS#9), by OID. */
  extensions: Map<string, Uint8Array>;
}

const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

export function csrParts(der: Uint8Array): CsrParts {
  const req = readTlv(der, 0);
  const [info] = childrenOf(der, req);
  if (req.tag !== SEQUENCE || info?.tag !== SEQUENCE) throw new Error('DER: not a certificate request');
  // version, subject, subjectPKInfo, attributes [0] IMPLICIT SET OF Attribute
  const [, subject, spki, attributes] = childrenOf(der, info);
  if (subject?.tag !== SEQUENCE || spki?.tag !== SEQUENCE) throw new Error('DER: not a certificate request');
  let extensions = new Map<string, Uint8Array>();
  if (attributes?.tag === CONTEXT_0) {
    for (const attr of childrenOf(der, attributes)) {
      const [type, values] = childrenOf(der, attr);
      if (!type || !values || oidOf(der, type) !== EXTENSION_REQUEST) continue;
      const [first] = childrenOf(der, values);
      if (first?.tag === SEQUENCE) extensions = extensionsOf(der, first);
      break;
    }
  }
  return { subject: bytesOf(der, subject), spki: bytesOf(der, spki), extensions };
}

/**
 * cA of a basicConstraints Extension element (RFC 5280 section 4.2.1.9): Extension is
 * SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }, and extnValue holds
 * SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }.
 */
export function basicConstraintsCa(ext: Uint8Array): boolean {
  const value = childrenOf(ext, readTlv(ext, 0)).find((t) => t.tag === OCTET_STRING);
  if (!value) throw new Error('DER: basicConstraints without a value');
  const seq = readTlv(ext, value.contentStart, value.end);
  if (seq.tag !== SEQUENCE) throw new Error('DER: basicConstraints is not a SEQUENCE');
  const [first] = childrenOf(ext, seq);
  return first?.tag === BOOLEAN && first.end > first.contentStart && ext[first.contentStart] !== 0;
}

const BIT_STRING = 0x03;
const INTEGER = 0x02;
/** rsaEncryption (RFC 8017), id-ecPublicKey (RFC 5480). */
const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';

/**
 * The algorithm of a SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7) and its size: an RSA key's
 * modulus length in bits (RFC 8017 A.1.1: BIT STRING holding SEQUENCE { modulus INTEGER,
 * publicExponent INTEGER }), an EC key's namedCurve OID (RFC 5480 section 2.1.1). undefined for
 * other algorithms or encodings (a caller then asks node:crypto). Reading these bytes is what
 * OpenSSL's key decoders do before they build a key, at a fraction of their cost.
 */
export function spkiAlgorithm(spki: Uint8Array): { type: 'rsa'; modulusBits: number } | { type: 'ec'; curveOid: string } | undefined {
  const outer = readTlv(spki, 0);
  if (outer.tag !== SEQUENCE || outer.end !== spki.length) return undefined;
  const [algorithm, key] = childrenOf(spki, outer);
  if (algorithm?.tag !== SEQUENCE || key?.tag !== BIT_STRING || key.end <= key.contentStart || spki[key.contentStart] !== 0) return undefined;
  const [oid, params] = childrenOf(spki, algorithm);
  if (oid?.tag !== OBJECT_IDENTIFIER) return undefined;
  const type = oidOf(spki, oid);
  if (type === EC_PUBLIC_KEY) return params?.tag === OBJECT_IDENTIFIER ? { type: 'ec', curveOid: oidOf(spki, params) } : undefined;
  if (type !== RSA_ENCRYPTION) return undefined;
  const rsa = readTlv(spki, key.contentStart + 1, key.end);
  if (rsa.tag !== SEQUENCE || rsa.end !== key.end) return undefined;
  const [modulus, exponent] = childrenOf(spki, rsa);
  if (modulus?.tag !== INTEGER || exponent?.tag !== INTEGER) return undefined;
  // An INTEGER is two's complement: a positive modulus whose top bit is set has a leading zero byte.
  let at = modulus.contentStart;
  while (at < modulus.end - 1 && spki[at] === 0) at++;
  if (at >= modulus.end || spki[modulus.contentStart]! & 0x80) return undefined;
  return { type: 'rsa', modulusBits: (modulus.end - at - 1) * 8 + (32 - Math.clz32(spki[at]!)) };
}

/** A DER element with `tag` around `content` (definite length, short or long form). */
export function encodeTlv(tag: number, ...content: Uint8Array[]): Buffer {
  const len = content.reduce((n, c) => n + c.length, 0);
  let header: number[];
  if (len < 0x80) header = [tag, len];
  else {
    const bytes: number[] = [];
    for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
    header = [tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(header), ...content]);
}

/**
 * The dNSName and iPAddress entries of a subjectAltName Extension element, in order, in the form
 * @peculiar/x509 gives them (RFC 5280 section 4.2.1.6: GeneralNames; dNSName [2] IA5String, iPAddress
 * [7] OCTET STRING of 4 or 16 bytes). undefined for anything this reader does not decode the same
 * way (an iPAddress of another length): the caller then lets @peculiar/x509 read the extension.
 */
export function subjectAltNames(ext: Uint8Array): { type: 'dns' | 'ip'; value: string }[] | undefined {
  const value = childrenOf(ext, readTlv(ext, 0)).find((t) => t.tag === OCTET_STRING);
  if (!value) throw new Error('DER: subjectAltName without a value');
  const names = readTlv(ext, value.contentStart, value.end);
  if (names.tag !== SEQUENCE) throw new Error('DER: subjectAltName is not a SEQUENCE');
  const out: { type: 'dns' | 'ip'; value: string }[] = [];
  for (const n of childrenOf(ext, names)) {
    const bytes = ext.subarray(n.contentStart, n.end);
    if (n.tag === 0x82) out.push({ type: 'dns', value: Buffer.from(bytes).toString('latin1') });
    else if (n.tag === 0x87 && bytes.length === 4) out.push({ type: 'ip', value: [...bytes].join('.') });
    else if (n.tag === 0x87 && bytes.length === 16) {
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
      out.push({ type: 'ip', value: groups.join(':') });
    } else if (n.tag === 0x87) return undefined;
  }
  return out;
}
