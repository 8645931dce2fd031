// TSIG (RFC 8945): HMAC over the message plus the "TSIG variables", appended as the last
// additional record. We sign requests and verify the server's signed answer, so a forged
// NOERROR cannot make us believe a record was written.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CLASS, TYPE, decodeHeader, encodeName, lastAdditionalOffset, readName, u16, u32, u48 } from './wire.js';

export const TSIG_ALGORITHMS = ['hmac-sha256', 'hmac-sha384', 'hmac-sha512', 'hmac-sha224', 'hmac-sha1'] as const;
export type TsigAlgorithm = (typeof TSIG_ALGORITHMS)[number];

export interface TsigKey {
  name: string;
  algorithm: TsigAlgorithm;
  /** The shared secret, base64 as in BIND's `key { secret "..."; }`. */
  secretBase64: string;
}

const FUDGE_S = 300; // the RFC's recommended clock-skew allowance

function hmac(key: TsigKey, data: Buffer): Buffer {
  return createHmac(key.algorithm.slice('hmac-'.length), Buffer.from(key.secretBase64, 'base64')).update(data).digest();
}

/** The TSIG variables of RFC 8945 section 4.3.3, in canonical form. */
function tsigVariables(keyName: string, algorithm: string, timeSigned: number, fudge: number, error: number, other: Buffer): Buffer {
  return Buffer.concat([
    encodeName(keyName), u16(CLASS.ANY), u32(0), encodeName(algorithm),
    u48(timeSigned), u16(fudge), u16(error), u16(other.length), other,
  ]);
}

/** Appends a TSIG record to `msg` (whose header does not count it yet). Returns the signed message and its MAC. */
export function signMessage(msg: Buffer, key: TsigKey, now = new Date()): { signed: Buffer; mac: Buffer } {
  const timeSigned = Math.floor(now.getTime() / 1000);
  const mac = hmac(key, Buffer.concat([msg, tsigVariables(key.name, key.algorithm, timeSigned, FUDGE_S, 0, Buffer.alloc(0))]));
  const originalId = msg.readUInt16BE(0);
  const rdata = Buffer.concat([
    encodeName(key.algorithm), u48(timeSigned), u16(FUDGE_S), u16(mac.length), mac,
    u16(originalId), u16(0), u16(0),
  ]);
  const rr = Buffer.concat([encodeName(key.name), u16(TYPE.TSIG), u16(CLASS.ANY), u32(0), u16(rdata.length), rdata]);
  const signed = Buffer.concat([msg, rr]);
  signed.writeUInt16BE(decodeHeader(msg).arcount + 1, 10);
  return { signed, mac };
}

export type TsigCheck =
  | { ok: true }
  | { ok: false; reason: string; tsigError?: number };

/** Verifies the TSIG on a response to a request whose MAC was `requestMac`. */
export function verifyResponse(res: Buffer, key: TsigKey, requestMac: Buffer, now = new Date()): TsigCheck {
  const at = lastAdditionalOffset(res);
  if (at === undefined) return { ok: false, reason: 'the answer carries no TSIG record' };
  const owner = readName(res, at);
  let off = owner.end;
  const type = res.readUInt16BE(off);
  if (type !== TYPE.TSIG) return { ok: false, reason: 'the answer carries no TSIG record' };
  off += 10; // type, class, ttl, rdlength
  const alg = readName(res, off);
  off = alg.end;
  const timeSigned = res.readUIntBE(off, 6);
  const fudge = res.readUInt16BE(off + 6);
  const macLen = res.readUInt16BE(off + 8);
  const mac = res.subarray(off + 10, off + 10 + macLen);
  off += 10 + macLen;
  const originalId = res.readUInt16BE(off);
  const error = res.readUInt16BE(off + 2);
  const otherLen = res.readUInt16BE(off + 4);
  const other = res.subarray(off + 6, off + 6 + otherLen);

  if (error !== 0) return { ok: false, reason: `the server rejected our signature`, tsigError: error };
  if (owner.name.toLowerCase() !== key.name.replace(/\.$/, '').toLowerCase()) {
    return { ok: false, reason: `the answer is signed with key "${owner.name}", not "${key.name}"` };
  }
  if (alg.name.toLowerCase() !== key.algorithm) return { ok: false, reason: `the answer is signed with ${alg.name}, not ${key.algorithm}` };

  // The digest covers the message as it was before TSIG was added: original id, one record fewer.
  const unsigned = Buffer.from(res.subarray(0, at));
  unsigned.writeUInt16BE(originalId, 0);
  unsigned.writeUInt16BE(decodeHeader(res).arcount - 1, 10);
  const expected = hmac(key, Buffer.concat([
    u16(requestMac.length), requestMac, unsigned,
    tsigVariables(owner.name, alg.name, timeSigned, fudge, error, other),
  ]));
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return { ok: false, reason: 'the TSIG signature on the answer does not verify' };
  if (Math.abs(Math.floor(now.getTime() / 1000) - timeSigned) > fudge) return { ok: false, reason: 'the TSIG time on the answer is outside the allowed skew' };
  return { ok: true };
}
