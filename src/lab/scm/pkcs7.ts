// A certs-only PKCS#7 SignedData ("degenerate" p7b, RFC 2315 / RFC 5652 §5) as SCM's `base64`
// and `bin` collect formats return it. Built by hand: it is a handful of fixed DER wrappers
// around the certificates' own DER (encoded with pki's DER writer; the client reads them with pkijs).
import { encodeTlv } from '../../pki/der.js';
import { certificateDer } from '../../pki/pem.js';

const OID_SIGNED_DATA = Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]);
const OID_DATA = Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01]);

/** DER of a ContentInfo(signedData) holding `certPems` and no signers. */
export function certsOnlyPkcs7(certPems: string[]): Buffer {
  const signedData = encodeTlv(
    0x30,
    encodeTlv(0x02, Buffer.from([0x01])), // version 1
    encodeTlv(0x31), // digestAlgorithms: empty SET
    encodeTlv(0x30, OID_DATA), // encapContentInfo without content
    encodeTlv(0xa0, ...certPems.map(certificateDer)), // [0] IMPLICIT certificates
    encodeTlv(0x31), // signerInfos: empty SET
  );
  return encodeTlv(0x30, OID_SIGNED_DATA, encodeTlv(0xa0, signedData));
}
