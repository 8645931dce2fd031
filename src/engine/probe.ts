// Endpoint probes: a real TLS handshake with any host:port (a VPN portal, a load balancer, an FMC's
// sftunnel port 8305), and a status row for each certificate it serves, leaf first, with the same
// thresholds as every other row. A port that does not answer is an error row, never a crash.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate } from 'node:tls';
import { errorMessage } from '../core/errors.js';
import { parseCertificate } from '../pki/index.js';
import type { CertInfo } from '../pki/types.js';
import { expiryLevel, worst, type StatusRow, type Thresholds } from './status-row.js';

export interface ProbeSpec {
  /** Row label; host:port when not given. */
  label?: string;
  host: string;
  port: number;
  /** Server name sent in the handshake (SNI) and checked against the certificate; defaults to the host when it is a name. */
  sni?: string;
  /** Names the served certificate must cover. */
  names?: string[];
  /** Trust anchors for the chain check (PEM); the system roots when absent. */
  caPem?: string;
  timeoutMs?: number;
}

export interface Handshake {
  /** Leaf first, then the chain as the server sent it. */
  chain: CertInfo[];
  trusted: boolean;
  verifyError?: string;
}

/** "host:port" or "[v6]:port" -> parts; throws on anything else. */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) throw new Error(`"${address}" is not host:port`);
  return { host: (m[1] ?? m[2])!, port };
}

export function tlsHandshake(spec: ProbeSpec): Promise<Handshake> {
  const servername = spec.sni ?? (isIP(spec.host) ? undefined : spec.host);
  return new Promise((resolve, reject) => {
    const sock = connect({
      host: spec.host, port: spec.port, servername, ca: spec.caPem, rejectUnauthorized: false, timeout: spec.timeoutMs ?? 10_000,
      // The name check is done below against every expected name, not only the SNI.
      checkServerIdentity: () => undefined,
    });
    sock.once('secureConnect', () => {
      try {
        const chain: CertInfo[] = [];
        const seen = new Set<string>();
        let c: DetailedPeerCertificate | undefined = sock.getPeerCertificate(true);
        while (c?.raw && !seen.has(c.fingerprint256)) {
          seen.add(c.fingerprint256);
          chain.push(parseCertificate(new X509Certificate(c.raw).toString()));
          c = c.issuerCertificate;
        }
        resolve({ chain, trusted: sock.authorized, verifyError: sock.authorizationError ? String(sock.authorizationError) : undefined });
      } catch (e) {
        reject(e);
      } finally {
        sock.destroy();
      }
    });
    sock.once('timeout', () => {
      sock.destroy();
      reject(new Error(`no TLS answer within ${Math.round((spec.timeoutMs ?? 10_000) / 1000)} s`));
    });
    sock.once('error', reject);
  });
}

/** Names in `wanted` that the certificate does not cover (DNS wildcards of one label count). */
export function uncoveredNames(info: CertInfo, wanted: string[]): string[] {
  const have = [...info.sans, ...(info.subject.cn ? [info.subject.cn] : [])].map((n) => n.toLowerCase());
  const covers = (n: string) =>
    have.some((h) => h === n || (h.startsWith('*.') && n.split('.').slice(1).join('.') === h.slice(2) && n.split('.').length === h.split('.').length));
  return wanted.map((n) => n.toLowerCase()).filter((n) => !covers(n));
}

function describe(spec: ProbeSpec): string {
  return spec.label ?? `${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`;
}

/** Rows for what a handshake showed: the leaf (names and chain checked), then each chain certificate (expiry). */
export function probeRows(spec: ProbeSpec, hs: Handshake, now: Date, t: Thresholds): StatusRow[] {
  const label = describe(spec);
  return hs.chain.map((c, i) => {
    const e = expiryLevel(c.notAfter, now, t);
    const row: StatusRow = {
      kind: 'probe', device: label, level: e.level, state: e.state, source: 'probe', serial: c.serial, notAfter: c.notAfter.toISOString(),
      daysLeft: e.daysLeft, subject: c.subject.cn ?? c.subjectDn, issuer: c.issuerCn ?? c.issuerDn,
      bindings: [i === 0 ? `served by ${label}` : `chain of ${label}`],
    };
    if (i > 0) return row;
    const notes: string[] = [];
    const missing = uncoveredNames(c, spec.names ?? []);
    if (missing.length) {
      row.level = worst(row.level, 'error');
      row.state = row.state === 'ok' ? 'wrong-names' : row.state;
      notes.push(`does not cover ${missing.join(', ')}`);
    }
    if (!hs.trusted) {
      row.level = worst(row.level, 'error');
      row.state = row.state === 'ok' ? 'untrusted' : row.state;
      notes.push(`chain not trusted: ${hs.verifyError ?? 'unknown reason'}`);
    }
    if (notes.length) row.note = notes.join('; ');
    return row;
  });
}

/** Probes one endpoint; a refused, reset or silent port becomes one error row. */
export async function probeEndpoint(spec: ProbeSpec, now: Date, t: Thresholds): Promise<{ rows: StatusRow[]; handshake?: Handshake }> {
  try {
    const hs = await tlsHandshake(spec);
    if (!hs.chain.length) throw new Error('the server sent no certificate');
    return { rows: probeRows(spec, hs, now, t), handshake: hs };
  } catch (e) {
    const label = describe(spec);
    return {
      rows: [{ kind: 'probe', device: label, level: 'error', state: 'probe-failed', source: 'probe', bindings: [`endpoint ${label}`], note: `TLS handshake failed: ${errorMessage(e)}` }],
    };
  }
}
