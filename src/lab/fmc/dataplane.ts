// One TLS port per FTD (or HA pair) presenting the RA VPN identity certificate of the DEPLOYED
// configuration: the trustpoint named by the deployed policy's sslIdCertificate, with its CA chain.
// Nothing deployed (or the trustpoint gone): a lab fallback certificate.
import { listenOnLoopback, type Listening } from '../listen.js';
import tls from 'node:tls';
import type { FmcModel } from './model.js';
import type { Managed } from './types.js';

export class FmcDataPlane {
  private readonly servers = new Map<string, tls.Server>();
  private readonly ports = new Map<string, number>();
  private readonly listening: Listening[] = [];

  constructor(private readonly model: FmcModel, private readonly fallback: { certPem: string; keyPem: string }) {}

  contextFor(m: Managed): tls.SecureContextOptions {
    const id = m.deployed.ravpnCertEnrollmentId;
    const e = id ? this.model.enrollments.get(id) : undefined;
    const tp = e ? m.trustpoints.get(String(e.obj.name)) : undefined;
    if (!tp?.identityPem || !tp.keyPem) return { cert: this.fallback.certPem, key: this.fallback.keyPem };
    return { cert: [tp.identityPem, ...tp.caPems].map((p) => p.trim()).join('\n'), key: tp.keyPem };
  }

  async start(): Promise<void> {
    for (const m of this.model.managed.values()) {
      const server = tls.createServer(this.contextFor(m), (socket) => {
        socket.on('error', () => {});
        socket.end('ok\n');
      });
      server.on('tlsClientError', () => {});
      const listening = await listenOnLoopback(server);
      this.listening.push(listening);
      this.ports.set(m.ref.name, listening.port);
      this.servers.set(m.ref.id, server);
    }
  }

  apply(m: Managed): void {
    this.servers.get(m.ref.id)?.setSecureContext(this.contextFor(m));
  }

  ravpnOf(name: string): string {
    return `127.0.0.1:${this.ports.get(name)}`;
  }

  async close(): Promise<void> {
    await Promise.all(this.listening.map((l) => l.close()));
  }
}
