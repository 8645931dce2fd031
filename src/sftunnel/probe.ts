// Reads the FMC's sftunnel chain without any credential: the sftunnel port (TCP 8305) sends its
// Certificate message (its sftunnel certificate + the InternalCA) before it asks for a client
// certificate (Cisco's renewal note, packet capture). With TLS 1.2 the server refuses the
// handshake once it sees we have no client certificate, but by then OpenSSL holds the peer chain,
// so it is read whether the handshake completes or fails. Nothing is trusted here: this is an
// observation of dates, never a connection that carries data.
import { X509Certificate } from 'node:crypto';
import { connect, type DetailedPeerCertificate } from 'node:tls';

export interface ProbedCert {
  subject: string;
  issuer: string;
  /** X.520 title: "InternalCA" on the FMC's CA. */
  title?: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  sha256: string;
}

export interface SftunnelChain {
  leaf: ProbedCert;
  /** The InternalCA, when the server sent it (it does) or when the leaf is self-issued. */
  ca?: ProbedCert;
}

function describe(c: DetailedPeerCertificate): ProbedCert {
  const x = new X509Certificate(c.raw);
  const title = /(?:^|\n)title=([^\n]*)/.exec(x.subject)?.[1];
  return {
    subject: x.subject.replace(/\n/g, ', '), issuer: x.issuer.replace(/\n/g, ', '), title,
    serial: x.serialNumber.toUpperCase(), notBefore: new Date(x.validFrom).toISOString(), notAfter: new Date(x.validTo).toISOString(),
    sha256: x.fingerprint256,
  };
}

export function probeSftunnel(address: string, timeoutMs = 10_000): Promise<SftunnelChain> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(i + 1));
  return new Promise((resolve, reject) => {
    let done = false;
    const sock = connect({ host, port, rejectUnauthorized: false, maxVersion: 'TLSv1.2', timeout: timeoutMs });
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      let chain: SftunnelChain | undefined;
      try {
        const peer = sock.getPeerCertificate(true);
        if (peer && peer.raw) {
          const leaf = describe(peer);
          const up = peer.issuerCertificate;
          const ca = up && up.raw && !up.raw.equals(peer.raw) ? describe(up) : leaf.subject === leaf.issuer ? leaf : undefined;
          chain = { leaf, ca };
        }
      } catch {
        chain = undefined;
      }
      sock.destroy();
      if (chain) resolve(chain);
      else reject(new Error(`sftunnel ${address}: ${err ? err.message : 'the server sent no certificate'}`));
    };
    sock.once('secureConnect', () => finish());
    sock.once('error', (e) => finish(e));
    sock.once('timeout', () => finish(new Error(`no TLS answer within ${timeoutMs / 1000} s`)));
  });
}
