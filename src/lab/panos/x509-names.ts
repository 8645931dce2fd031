// Subject/issuer rendering the way PAN-OS shows them in a certificate entry: OpenSSL one-line
// (`/C=US/O=X/CN=Y`) and OpenSSL's 8-hex `subject-hash`/`issuer-hash` (X509_NAME_hash: SHA-1 of
// the canonical name encoding, first 4 bytes little-endian) [reference section 5].
import { createHash, X509Certificate } from 'node:crypto';
import { certificateParts, childrenOf, encodeTlv, oidOf, readTlv } from '../../pki/der.js';

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.17': 'postalCode',
  '2.5.4.42': 'GN',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
};

const UTF8 = 0x0c;
const STRING_TAGS_CANON = new Set([0x0c, 0x13, 0x14, 0x16, 0x1a, 0x1e, 0x1c]); // ASN1_MASK_CANON

function decodeString(tag: number, b: Buffer): string {
  if (tag === 0x1e) return b.length % 2 === 0 ? Buffer.from(b).swap16().toString('utf16le') : '';
  if (tag === 0x1c) {
    let s = '';
    for (let i = 0; i + 3 < b.length; i += 4) s += String.fromCodePoint(b.readUInt32BE(i));
    return s;
  }
  if (tag === 0x14) return b.toString('latin1');
  return b.toString('utf8');
}

/** openssl asn1_string_canon: trim, collapse inner whitespace, ASCII lower-case. */
function canonText(s: string): string {
  const ws = /[ \t\n\v\f\r]+/g;
  return s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '').replace(ws, ' ').replace(/[A-Z]/g, (c) => c.toLowerCase());
}

interface NameAttr {
  oid: string;
  value: string;
}

/** The subject or issuer Name of a DER certificate as a list of RDNs (DER order). */
function nameOf(der: Buffer, which: 'subject' | 'issuer'): { rdns: NameAttr[][]; canon: Buffer } {
  // A Buffer's subarray is a Buffer: the Name and its parts are views on `der`.
  const name = certificateParts(der)[which] as Buffer;
  const rdns: NameAttr[][] = [];
  const canonSets: Buffer[] = [];
  for (const set of childrenOf(name, readTlv(name, 0))) {
    const attrs: NameAttr[] = [];
    const canonAvas: Buffer[] = [];
    for (const ava of childrenOf(name, set)) {
      const [oidT, valT] = childrenOf(name, ava);
      const raw = name.subarray(valT!.contentStart, valT!.end);
      const value = decodeString(valT!.tag, raw);
      attrs.push({ oid: oidOf(name, oidT!), value });
      const canonValue = STRING_TAGS_CANON.has(valT!.tag)
        ? encodeTlv(UTF8, Buffer.from(canonText(value), 'utf8'))
        : name.subarray(valT!.start, valT!.end);
      canonAvas.push(encodeTlv(0x30, name.subarray(oidT!.start, oidT!.end), canonValue));
    }
    canonAvas.sort(Buffer.compare); // DER SET OF order
    canonSets.push(encodeTlv(0x31, ...canonAvas));
    rdns.push(attrs);
  }
  return { rdns, canon: Buffer.concat(canonSets) };
}

function oneLine(rdns: NameAttr[][]): string {
  return rdns.map((rdn) => '/' + rdn.map((a) => `${SHORT_NAMES[a.oid] ?? a.oid}=${a.value}`).join('+')).join('');
}

function hashOf(canon: Buffer): string {
  const md = createHash('sha1').update(canon).digest();
  return md.readUInt32LE(0).toString(16).padStart(8, '0');
}

export interface NameView {
  oneLine: string;
  hash: string;
  commonName?: string;
}

export function certNames(pem: string): { subject: NameView; issuer: NameView } {
  const der = Buffer.from(new X509Certificate(pem).raw);
  const view = (which: 'subject' | 'issuer'): NameView => {
    const n = nameOf(der, which);
    const cn = n.rdns.flat().filter((a) => a.oid === '2.5.4.3').pop()?.value;
    return { oneLine: oneLine(n.rdns), hash: hashOf(n.canon), ...(cn !== undefined ? { commonName: cn } : {}) };
  };
  return { subject: view('subject'), issuer: view('issuer') };
}
