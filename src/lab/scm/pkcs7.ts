// A certs-only PKCS#7 SignedData ("degenerate" p7b, RFC 2315 / RFC 5652 §5) as SCM's `base64`
// and `bin` collect formats return it. Built by hand: it is a handful of fixed DER wrappers
// around the certificates' own DER.

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

const OID_SIGNED_DATA = Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]);
const OID_DATA = Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01]);

export function pemToDer(pem: string): Buffer {
  const b64 = pem.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '').replace(/\s+/g, '');
  return Buffer.from(b64, 'base64');
}

export function derToPem(der: Buffer, label: string): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** DER of a ContentInfo(signedData) holding `certPems` and no signers. */
export function certsOnlyPkcs7(certPems: string[]): Buffer {
  const signedData = tlv(
    0x30,
    tlv(0x02, Buffer.from([0x01])), // version 1
    tlv(0x31), // digestAlgorithms: empty SET
    tlv(0x30, OID_DATA), // encapContentInfo without content
    tlv(0xa0, ...certPems.map(pemToDer)), // [0] IMPLICIT certificates
    tlv(0x31), // signerInfos: empty SET
  );
  return tlv(0x30, OID_SIGNED_DATA, tlv(0xa0, signedData));
}
