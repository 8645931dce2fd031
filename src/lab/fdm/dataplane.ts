// The data plane: one TLS listener per service that presents the certificate the DEPLOYED
// configuration binds (RA VPN: vpnGatewaySettings.serverCertificate; web UI: certificate plus
// its trustChain). A handshake is all a client needs; the server then answers "ok" and closes.
import { listenOnLoopback, type Listening } from '../listen.js';
import tls from 'node:tls';
import { chainFor } from './certificates.js';
import { refIds } from './references.js';
import type { ConfigStore } from './store.js';

export type ServiceName = 'ravpn' | 'webui';

export interface Presented {
  /** Leaf PEM followed by the chain, in the order the server sends them. */
  chainPem: string[];
  keyPem: string;
  /** Name of the internal certificate object, or null for the lab fallback certificate. */
  objectName: string | null;
}

/** Resolves what each service presents in `deployed`; falls back to `fallback` when nothing is bound. */
export function presentedBy(deployed: ConfigStore, fallback: { certPem: string; keyPem: string }): Record<ServiceName, Presented> {
  const def: Presented = { chainPem: [fallback.certPem], keyPem: fallback.keyPem, objectName: null };
  const internal = (id: string | undefined) => (id ? deployed.get('internalcertificates', id) : undefined);

  const ravpnObj = deployed.list('ravpns')[0];
  const ravpnCert = internal(refIds(ravpnObj, ['vpnGatewaySettings', 'serverCertificate'])[0]);
  // The RA VPN sends the CA certificates installed as external CAs that issued its certificate.
  const caPool = deployed.list('externalcacertificates').map((o) => String(o.cert));
  const ravpn: Presented = ravpnCert
    ? { chainPem: chainFor(String(ravpnCert.cert), caPool), keyPem: String(ravpnCert.privateKey), objectName: ravpnCert.name }
    : def;

  const webObj = deployed.list('webuicertificates')[0];
  const webCert = internal(refIds(webObj, ['certificate'])[0]);
  // The web UI sends the trust chain configured on the webuicertificate object.
  const trust = refIds(webObj, ['trustChain'])
    .map((id) => deployed.get('externalcacertificates', id))
    .filter((o) => o !== undefined)
    .map((o) => String(o.cert));
  const webui: Presented = webCert
    ? { chainPem: chainFor(String(webCert.cert), trust), keyPem: String(webCert.privateKey), objectName: webCert.name }
    : def;

  return { ravpn, webui };
}

export function secureContextOf(p: Presented): tls.SecureContextOptions {
  return { key: p.keyPem, cert: p.chainPem.join('') };
}

export class DataPlane {
  private readonly servers = new Map<ServiceName, tls.Server>();
  private readonly listening: Listening[] = [];
  private readonly ports = new Map<ServiceName, number>();

  static async start(initial: Record<ServiceName, Presented>): Promise<DataPlane> {
    const dp = new DataPlane();
    for (const name of ['ravpn', 'webui'] as ServiceName[]) await dp.listen(name, initial[name]);
    return dp;
  }

  private async listen(name: ServiceName, p: Presented): Promise<void> {
    const server = tls.createServer(secureContextOf(p), (socket) => {
      socket.on('error', () => {});
      socket.end('ok\n');
    });
    server.on('tlsClientError', () => {});
    const listening = await listenOnLoopback(server);
    this.listening.push(listening);
    this.ports.set(name, listening.port);
    this.servers.set(name, server);
  }

  services(): Record<ServiceName, string> {
    return { ravpn: `127.0.0.1:${this.ports.get('ravpn')}`, webui: `127.0.0.1:${this.ports.get('webui')}` };
  }

  /** New handshakes present the new certificates; connections already open are left alone. */
  apply(presented: Record<ServiceName, Presented>): void {
    for (const [name, server] of this.servers) server.setSecureContext(secureContextOf(presented[name]));
  }

  async close(): Promise<void> {
    await Promise.all(this.listening.map((l) => l.close()));
  }
}
