// HTTPS servers that misbehave on purpose: one drips its answer one byte a second, one sends an
// endless body as fast as the client reads. Both stop writing when the client goes away.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { certFingerprintSha256, createSelfSigned } from '../../src/pki/index.js';

export interface HostileServer {
  url: string;
  sha256: string;
  requests: number;
  close(): Promise<void>;
}

export async function startHostileServer(mode: 'drip' | 'endless'): Promise<HostileServer> {
  const tls = await createSelfSigned({ cn: 'hostile', sans: ['127.0.0.1'], days: 30 });
  const state = { requests: 0 };
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    state.requests++;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    if (mode === 'drip') {
      res.write('{');
      const t = setInterval(() => res.write(' '), 1000);
      res.on('close', () => clearInterval(t));
      return;
    }
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let open = true;
    res.on('close', () => (open = false));
    const pump = () => {
      while (open && res.write(chunk));
      if (open) res.once('drain', pump);
    };
    res.write('{"data":"');
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sha256: certFingerprintSha256(tls.certPem),
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
