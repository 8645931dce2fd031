// The FMC's sftunnel port (TCP 8305 on a real FMC): TLS 1.2 (sftunnel.conf: proxy_tls_version
// TLSv1.2), the FMC's sftunnel certificate with its InternalCA in the Certificate message, then a
// CertificateRequest; a client without a certificate the InternalCA signed is refused. This is
// the packet capture of Cisco's renewal note ("Server Hello, Certificate, Certificate Request,
// Server Hello Done"), and why the chain can be read without any credential.
import type { AddressInfo } from 'node:net';
import { createSecureContext, createServer, type SecureContext } from 'node:tls';

export interface SftunnelPort {
  address: string;
  /** Serve a new chain from the next handshake on (after generate_certs.pl). */
  setChain(chain: { certPem: string; keyPem: string; caPem: string }): void;
  close(): Promise<void>;
}

function context(c: { certPem: string; keyPem: string; caPem: string }): SecureContext {
  return createSecureContext({ cert: `${c.certPem.trim()}\n${c.caPem.trim()}\n`, key: c.keyPem, ca: c.caPem, maxVersion: 'TLSv1.2' });
}

export async function startSftunnelPort(chain: { certPem: string; keyPem: string; caPem: string }): Promise<SftunnelPort> {
  let ctx = context(chain);
  const server = createServer({ SNICallback: (_n, cb) => cb(null, ctx), ...{ cert: `${chain.certPem.trim()}\n${chain.caPem.trim()}\n`, key: chain.keyPem, ca: chain.caPem }, requestCert: true, rejectUnauthorized: true, maxVersion: 'TLSv1.2' });
  server.on('secureConnection', (s) => s.end());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    setChain: (c) => {
      ctx = context(c);
      server.setSecureContext({ cert: `${c.certPem.trim()}\n${c.caPem.trim()}\n`, key: c.keyPem, ca: c.caPem, maxVersion: 'TLSv1.2' });
    },
    close: () => new Promise<void>((res) => server.close(() => res())),
  };
}
