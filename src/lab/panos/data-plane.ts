// A data-plane TLS listener (the GlobalProtect portal): it presents the certificate + chain that
// the RUNNING config binds and is switched only when a commit completes. A bound pair that cannot
// work (key does not match, no key) breaks the service the way it breaks a real portal: handshakes
// fail (acme.sh #4716 locked an admin out this way).
import { createSecureContext, createServer, type SecureContextOptions, type Server } from 'node:tls';
import type { Socket } from 'node:net';
import type { ServiceBinding } from './service-bindings.js';

export interface PresentedState {
  profile?: string;
  certificate?: string;
  fingerprint?: string;
  chainLength: number;
  problem?: string;
}

export class DataPlaneService {
  private server: Server;
  private broken = false;
  private presented: PresentedState = { chainLength: 0 };
  private readonly sockets = new Set<Socket>();

  constructor(readonly name: string, initial: ServiceBinding) {
    const ctx = this.contextFor(initial);
    this.server = createServer({ ...(ctx ?? {}) }, (s) => {
      s.end('ok\n');
    });
    if (!ctx) this.broken = true;
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      if (this.broken) s.destroy();
    });
    this.server.on('tlsClientError', () => undefined);
  }

  /** TLS options for a binding, checked by building a context (fails on a key/cert mismatch). */
  private contextFor(b: ServiceBinding): SecureContextOptions | undefined {
    this.presented = {
      ...(b.profile ? { profile: b.profile } : {}),
      ...(b.certificate ? { certificate: b.certificate } : {}),
      ...(b.fingerprint ? { fingerprint: b.fingerprint } : {}),
      chainLength: b.chainPem.length,
      ...(b.problem ? { problem: b.problem } : {}),
    };
    if (!b.leafPem || !b.keyPem) return undefined;
    const options = { cert: [b.leafPem, ...b.chainPem].join(''), key: b.keyPem };
    try {
      createSecureContext(options);
      return options;
    } catch (e) {
      this.presented.problem = `cannot serve ${b.certificate}: ${(e as Error).message}`;
      return undefined;
    }
  }

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    const addr = this.server.address();
    if (!addr || typeof addr === 'string') throw new Error('data plane has no address');
    return `127.0.0.1:${addr.port}`;
  }

  /** Called after a commit: serve what running binds now (also when only the key changed). */
  apply(b: ServiceBinding): void {
    const ctx = this.contextFor(b);
    if (ctx) {
      this.server.setSecureContext(ctx);
      this.broken = false;
    } else this.broken = true;
  }

  state(): PresentedState {
    return { ...this.presented };
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
