// "Certs-only" PKCS#7 / CMS SignedData (RFC 5652 degenerate form, no signers): how EST (RFC 7030 §4.1.3,
// §4.2.3) carries certificates, base64 on the wire with Content-Type application/pkcs7-mime.
import * as pkijs from 'pkijs';
import { certificateDer, derToPem } from './pem.js';

const DATA = '1.2.840.113549.1.7.1';

export function toCertsOnlyPkcs7(certPems: string[]): Buffer {
  const der = (p: string) => new Uint8Array(certificateDer(p)).buffer;
  const sd = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: DATA }),
    certificates: certPems.map((p) => pkijs.Certificate.fromBER(der(p))),
    signerInfos: [],
  });
  const ci = new pkijs.ContentInfo({ contentType: pkijs.ContentInfo.SIGNED_DATA, content: sd.toSchema(true) });
  return Buffer.from(ci.toSchema().toBER(false));
}

/** The certificates of a certs-only PKCS#7 (DER, or base64 as EST sends it), as PEM in their order. */
export function fromCertsOnlyPkcs7(data: Buffer | string): string[] {
  const der = typeof data === 'string' ? Buffer.from(data.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64') : data;
  let ci: pkijs.ContentInfo;
  try {
    ci = pkijs.ContentInfo.fromBER(new Uint8Array(der).buffer);
  } catch {
    throw new Error('not a PKCS#7 structure');
  }
  if (ci.contentType !== pkijs.ContentInfo.SIGNED_DATA) throw new Error(`PKCS#7 content type ${ci.contentType} is not signedData`);
  const sd = new pkijs.SignedData({ schema: ci.content });
  return (sd.certificates ?? [])
    .filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate)
    .map((c) => derToPem(c.toSchema().toBER(false), 'CERTIFICATE'));
}
