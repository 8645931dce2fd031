// dns-01 through RFC 2136 dynamic updates signed with TSIG (BIND, Knot, PowerDNS, Windows with
// GSS off ...). Built in rather than shelling out to nsupdate: no extra package on the host, and
// the TSIG secret never lands in a temp file or a process list. Sent over TCP (no truncation).
import { randomInt } from 'node:crypto';
import { connect } from 'node:net';
import type { DnsProvider, TxtRecord } from './provider.js';
import { signMessage, verifyResponse, type TsigKey } from './tsig.js';
import { CLASS, OPCODE_UPDATE, RCODE_NAMES, TYPE, decodeHeader, encodeHeader, encodeName, encodeRecord, txtRdata, u16, type ResourceRecord } from './wire.js';
import { formatServerAddress, parseServerAddress, resolverAddress, type ServerAddress } from './server-address.js';
import { findZone, makeResolver } from './zone.js';

export interface Rfc2136Options {
  /** Primary server that accepts updates: "host" or "host:port". */
  server: string;
  /** Zone to update; found by an SOA walk at `server` when absent. */
  zone?: string;
  key: TsigKey;
  /** TTL of the TXT records we add. */
  ttl?: number;
  timeoutMs?: number;
}

const TSIG_ERROR_HINT: Record<number, string> = {
  16: 'BADSIG: the server knows the key but the signature does not match — check tsig_secret and tsig_algorithm',
  17: 'BADKEY: the server does not know this key name/algorithm — check tsig_key_name and tsig_algorithm',
  18: 'BADTIME: the clocks of this host and the DNS server differ by more than 5 minutes',
};

export class Rfc2136Provider implements DnsProvider {
  readonly label: string;
  private readonly server: ServerAddress;
  private zoneCache = new Map<string, string>();

  constructor(private readonly opts: Rfc2136Options) {
    this.server = parseServerAddress(opts.server);
    this.label = `rfc2136 ${formatServerAddress(this.server)}`;
  }

  async zoneOf(fqdn: string): Promise<string> {
    if (this.opts.zone) return this.opts.zone.replace(/\.$/, '').toLowerCase();
    const cached = this.zoneCache.get(fqdn);
    if (cached) return cached;
    const zone = await findZone(fqdn, makeResolver([await resolverAddress(this.server)]));
    this.zoneCache.set(fqdn, zone);
    return zone;
  }

  async add(r: TxtRecord): Promise<void> {
    await this.update(r, 'add', { name: r.fqdn, type: TYPE.TXT, class: CLASS.IN, ttl: this.opts.ttl ?? 60, rdata: txtRdata(r.value) });
  }

  async remove(r: TxtRecord): Promise<void> {
    // Class NONE + RDATA deletes exactly this value from the RRset (RFC 2136 section 2.5.4).
    await this.update(r, 'remove', { name: r.fqdn, type: TYPE.TXT, class: CLASS.NONE, ttl: 0, rdata: txtRdata(r.value) });
  }

  private async update(r: TxtRecord, what: 'add' | 'remove', rr: ResourceRecord): Promise<void> {
    const zone = await this.zoneOf(r.fqdn);
    const where = `${what} TXT ${r.fqdn} in zone ${zone} at ${formatServerAddress(this.server)}`;
    const fqdn = r.fqdn.toLowerCase();
    if (fqdn !== zone && !fqdn.endsWith(`.${zone}`)) throw new Error(`DNS UPDATE ${where}: the record is outside the zone`);

    const id = randomInt(0, 0x10000);
    const unsigned = Buffer.concat([
      encodeHeader({ id, flags: OPCODE_UPDATE << 11, qdcount: 1, ancount: 0, nscount: 1, arcount: 0 }),
      encodeName(zone), u16(TYPE.SOA), u16(CLASS.IN),
      encodeRecord(rr),
    ]);
    const { signed, mac } = signMessage(unsigned, this.opts.key);
    let res: Buffer;
    try {
      res = await tcpExchange(this.server, signed, this.opts.timeoutMs ?? 10_000);
    } catch (e) {
      throw new Error(`DNS UPDATE ${where} failed: ${(e as Error).message}`);
    }
    const h = decodeHeader(res);
    if (h.id !== id || !h.isResponse) throw new Error(`DNS UPDATE ${where}: the answer does not match the request`);
    const tsig = verifyResponse(res, this.opts.key, mac);
    if (h.rcode !== 0) {
      const hint = !tsig.ok && tsig.tsigError ? ` (${TSIG_ERROR_HINT[tsig.tsigError] ?? `TSIG error ${tsig.tsigError}`})` : '';
      const refusedHint = h.rcode === 5 ? ' — the server does not allow this key to update this name (update-policy / allow-update)' : '';
      throw new Error(`DNS UPDATE ${where} failed: ${RCODE_NAMES[h.rcode] ?? `RCODE ${h.rcode}`}${hint}${refusedHint}`);
    }
    if (!tsig.ok) throw new Error(`DNS UPDATE ${where}: ${tsig.reason}`);
  }
}

/** One request/answer over DNS-over-TCP (two-octet length prefix, RFC 1035 section 4.2.2). */
function tcpExchange(server: ServerAddress, msg: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: server.host, port: server.port });
    let buf = Buffer.alloc(0);
    const done = (err: Error | null, value?: Buffer) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => done(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    sock.on('connect', () => sock.write(Buffer.concat([u16(msg.length), msg])));
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(null, buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    sock.on('error', (e) => done(e));
    sock.on('end', () => done(new Error('the server closed the connection without an answer')));
  });
}
