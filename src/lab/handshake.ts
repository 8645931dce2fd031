// A real TLS handshake against a data-plane port: what certificate would a client get?
import { connect, type PeerCertificate } from 'node:tls';

export interface Served {
  subjectCn: string;
  issuerCn: string;
  serial: string;
  notAfter: string;
  fingerprint256: string;
  /** Verified against `caPem` for `servername` (chain + hostname). */
  trusted: boolean;
  verifyError?: string;
}

export function handshake(hostPort: string, opts: { servername: string; caPem: string; timeoutMs?: number }): Promise<Served> {
  const [host, port] = [hostPort.slice(0, hostPort.lastIndexOf(':')), Number(hostPort.slice(hostPort.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port, servername: opts.servername, ca: opts.caPem, rejectUnauthorized: false, timeout: opts.timeoutMs ?? 5000 });
    sock.once('secureConnect', () => {
      const c = sock.getPeerCertificate() as PeerCertificate;
      const cn = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
      resolve({
        subjectCn: cn(c.subject?.CN),
        issuerCn: cn(c.issuer?.CN),
        serial: (c.serialNumber ?? '').toUpperCase(),
        notAfter: new Date(c.valid_to).toISOString(),
        fingerprint256: c.fingerprint256,
        trusted: sock.authorized,
        verifyError: sock.authorizationError ? String(sock.authorizationError) : undefined,
      });
      sock.destroy();
    });
    sock.once('timeout', () => {
      sock.destroy();
      reject(new Error(`TLS handshake with ${hostPort} timed out`));
    });
    sock.once('error', reject);
  });
}
