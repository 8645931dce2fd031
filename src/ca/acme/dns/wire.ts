// The few pieces of the DNS wire format (RFC 1035) that an RFC 2136 UPDATE needs: names, resource
// records, the header, and walking a response to its last additional record (where TSIG sits).
// Queries for TXT/SOA/NS go through node:dns; only UPDATE needs hand-built messages.

export const TYPE = { A: 1, NS: 2, SOA: 6, TXT: 16, AAAA: 28, TSIG: 250 } as const;
export const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
export const OPCODE_UPDATE = 5;

export const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED',
  6: 'YXDOMAIN', 7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE',
  16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 22: 'BADTRUNC',
};

/** Uncompressed, lower-cased name in wire format (the canonical form TSIG digests use). */
export function encodeName(name: string): Buffer {
  const trimmed = name.replace(/\.$/, '').toLowerCase();
  if (trimmed === '') return Buffer.from([0]);
  const parts: Buffer[] = [];
  for (const label of trimmed.split('.')) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length === 0 || bytes.length > 63) throw new Error(`invalid DNS name "${name}": label "${label}" must be 1-63 characters`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > 255) throw new Error(`invalid DNS name "${name}": longer than 255 octets`);
  return out;
}

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** 48-bit unsigned big-endian (TSIG "time signed"). */
export function u48(n: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(n, 0, 6);
  return b;
}

/** TXT RDATA: one or more <length><bytes> strings of at most 255 octets each. */
export function txtRdata(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length === 0) return Buffer.from([0]);
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  rdata: Buffer;
}

export function encodeRecord(rr: ResourceRecord): Buffer {
  return Buffer.concat([encodeName(rr.name), u16(rr.type), u16(rr.class), u32(rr.ttl), u16(rr.rdata.length), rr.rdata]);
}

export interface Header {
  id: number;
  flags: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

export function encodeHeader(h: Header): Buffer {
  return Buffer.concat([u16(h.id), u16(h.flags), u16(h.qdcount), u16(h.ancount), u16(h.nscount), u16(h.arcount)]);
}

export function decodeHeader(msg: Buffer): Header & { rcode: number; opcode: number; isResponse: boolean } {
  if (msg.length < 12) throw new Error(`DNS message too short (${msg.length} octets)`);
  const flags = msg.readUInt16BE(2);
  return {
    id: msg.readUInt16BE(0),
    flags,
    qdcount: msg.readUInt16BE(4),
    ancount: msg.readUInt16BE(6),
    nscount: msg.readUInt16BE(8),
    arcount: msg.readUInt16BE(10),
    rcode: flags & 0x0f,
    opcode: (flags >> 11) & 0x0f,
    isResponse: (flags & 0x8000) !== 0,
  };
}

/** Offset just past the (possibly compressed) name that starts at `off`. */
export function skipName(msg: Buffer, off: number): number {
  for (;;) {
    if (off >= msg.length) throw new Error('DNS message truncated inside a name');
    const len = msg[off]!;
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2;
    off += 1 + len;
  }
}

/** Reads an uncompressed name (TSIG algorithm names are never compressed). */
export function readName(msg: Buffer, off: number): { name: string; end: number } {
  const labels: string[] = [];
  for (;;) {
    const len = msg[off];
    if (len === undefined) throw new Error('DNS message truncated inside a name');
    if (len === 0) return { name: labels.join('.'), end: off + 1 };
    if ((len & 0xc0) === 0xc0) throw new Error('unexpected compressed name');
    labels.push(msg.subarray(off + 1, off + 1 + len).toString('ascii'));
    off += 1 + len;
  }
}

/** Offset where the last record of the additional section starts, or undefined when there is none. */
export function lastAdditionalOffset(msg: Buffer): number | undefined {
  const h = decodeHeader(msg);
  if (h.arcount === 0) return undefined;
  let off = 12;
  for (let i = 0; i < h.qdcount; i++) off = skipName(msg, off) + 4;
  const records = h.ancount + h.nscount + h.arcount;
  let last = off;
  for (let i = 0; i < records; i++) {
    last = off;
    off = skipName(msg, off);
    if (off + 10 > msg.length) throw new Error('DNS message truncated inside a record');
    off += 10 + msg.readUInt16BE(off + 8);
  }
  if (off > msg.length) throw new Error('DNS message truncated inside a record');
  return last;
}
