// Where FDM uses an internal certificate (reference §4) and how we repoint those consumers:
//   webui          devicesettings/default/webuicertificates  .certificate (+ .trustChain of external CA refs)
//   ravpn          ravpns                                    .vpnGatewaySettings.serverCertificate
//   ssl_decryption policy/sslpolicies                        .internalCertificates[] (known-key decryption)
// Every change is a PUT of the whole consumer object (FdmObjects.update strips links, retries on mismatchedVersion);
// SSL policy changes are collected and written once per policy per run (ssl-policy-writes.ts).
import { DeviceError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Binding } from '../target.js';
import { FdmApiError } from './errors.js';
import type { FdmObjects } from './objects.js';
import { SslPolicyWrites } from './ssl-policy-writes.js';
import { OBJECT_PATHS, type FdmRef, type RaVpn, type SslPolicy, type WebUiCertificate } from './types.js';

export type FdmBindingKind = 'ssl_decryption' | 'ravpn' | 'webui';

export interface Consumers {
  webUi?: WebUiCertificate;
  sslPolicies: SslPolicy[];
  raVpns: RaVpn[];
}

function sameRef(ref: FdmRef | undefined, certId: string): boolean {
  return !!ref && ref.id === certId;
}

export class FdmBindings {
  private readonly sslWrites: SslPolicyWrites;

  constructor(
    private readonly objects: FdmObjects,
    private readonly device: string,
    private readonly log: Logger,
  ) {
    this.sslWrites = new SslPolicyWrites(objects, device, log);
  }

  /** A consumer collection the build does not have (404, e.g. web UI certificates before 6.4) reads as empty. */
  private async listOrEmpty<T>(path: string): Promise<T[]> {
    try {
      return await this.objects.listAll<T>(path);
    } catch (e) {
      if (e instanceof FdmApiError && e.status === 404) return [];
      throw e;
    }
  }

  async readConsumers(): Promise<Consumers> {
    const [webUis, sslPolicies, raVpns] = await Promise.all([
      this.listOrEmpty<WebUiCertificate>(OBJECT_PATHS.webUiCertificates),
      this.listOrEmpty<SslPolicy>(OBJECT_PATHS.sslPolicies),
      this.listOrEmpty<RaVpn>(OBJECT_PATHS.raVpns),
    ]);
    // SSL policies as they will be once this run's staged changes are written.
    return { webUi: webUis[0], sslPolicies: this.sslWrites.overlay(sslPolicies), raVpns };
  }

  /** The bindings (in the candidate configuration) that point at the internal certificate `certId`. */
  static bindingsOf(consumers: Consumers, certId: string): Binding[] {
    const out: Binding[] = [];
    if (consumers.sslPolicies.some((p) => (p.internalCertificates ?? []).some((r) => sameRef(r, certId)))) out.push({ kind: 'ssl_decryption' });
    if (consumers.raVpns.some((v) => sameRef(v.vpnGatewaySettings?.serverCertificate, certId))) out.push({ kind: 'ravpn' });
    if (sameRef(consumers.webUi?.certificate, certId)) out.push({ kind: 'webui' });
    return out;
  }

  /** Point the RA VPN server certificate at `cert`; returns the reference it held before. */
  async bindRaVpn(cert: FdmRef): Promise<FdmRef | undefined> {
    const vpns = await this.objects.listAll<RaVpn>(OBJECT_PATHS.raVpns);
    if (!vpns.length) {
      throw new DeviceError(`${this.device}: no RA VPN is configured (GET /ravpns is empty); set up remote access VPN in FDM first, or drop "ravpn: true" from the profile`);
    }
    let previous: FdmRef | undefined;
    for (const vpn of vpns) {
      const old = vpn.vpnGatewaySettings?.serverCertificate;
      previous ??= old;
      if (sameRef(old, cert.id)) continue;
      await this.objects.update(OBJECT_PATHS.raVpns, vpn, (v) => ({
        ...v,
        vpnGatewaySettings: { ...v.vpnGatewaySettings, serverCertificate: cert },
      }));
      this.log.info(`${this.device}: RA VPN ${vpn.name ?? vpn.id} now uses certificate ${cert.name} (was ${old?.name ?? old?.id ?? 'none'})`);
    }
    return previous;
  }

  /**
   * Point the management web server at `cert` with `trustChain` (external CA refs); returns the previous
   * reference. `trustChain` is sent only where the device's model has it (`withTrustChain`; undefined =
   * unknown, then only if the device's own object carries the field): the 6.4 model does not.
   */
  async bindWebUi(cert: FdmRef, trustChain: FdmRef[], withTrustChain?: boolean): Promise<FdmRef | undefined> {
    const items = await this.listOrEmpty<WebUiCertificate>(OBJECT_PATHS.webUiCertificates);
    const current = items[0];
    if (!current) {
      throw new DeviceError(`${this.device}: this FDM has no web UI certificate setting (devicesettings/default/webuicertificates, FTD 6.4+)`);
    }
    const old = current.certificate;
    const chain = withTrustChain ?? 'trustChain' in current;
    const sameChain =
      !chain || (current.trustChain ?? []).map((r) => r.id).sort().join() === trustChain.map((r) => r.id).sort().join();
    if (sameRef(old, cert.id) && sameChain) return old;
    await this.objects.update(OBJECT_PATHS.webUiCertificates, current, (w) => {
      const { trustChain: _drop, ...rest } = w;
      return chain ? { ...rest, certificate: cert, trustChain } : { ...rest, certificate: cert };
    });
    this.log.info(`${this.device}: the management web server now uses certificate ${cert.name} (was ${old?.name ?? old?.id ?? 'none'}); its deploy restarts the FDM web server`);
    return old;
  }

  /** Stage `cert` into every SSL policy's internalCertificates (known-key decryption); written by
   *  flushSslPolicies() together with the run's other SSL policy changes. Nothing is replaced. */
  async addToSslPolicies(cert: FdmRef): Promise<void> {
    const policies = await this.objects.listAll<SslPolicy>(OBJECT_PATHS.sslPolicies);
    if (!policies.length) {
      throw new DeviceError(`${this.device}: no SSL decryption policy exists (GET /policy/sslpolicies is empty); enable SSL decryption in FDM first, or drop "ssl_decryption: true"`);
    }
    for (const policy of policies) {
      if (this.sslWrites.add(policy, cert)) this.log.info(`${this.device}: SSL policy ${policy.name ?? policy.id} lists certificate ${cert.name} (written with the run's other SSL policy changes)`);
    }
  }

  /** Stage dropping the certificate from every SSL policy that lists it; returns how many will change. */
  async dropFromSslPolicies(cert: FdmRef): Promise<number> {
    const policies = await this.objects.listAll<SslPolicy>(OBJECT_PATHS.sslPolicies);
    return policies.filter((policy) => this.sslWrites.drop(policy, cert)).length;
  }

  /** Write the staged SSL policy changes: one PUT per changed policy. */
  flushSslPolicies(): Promise<number> {
    return this.sslWrites.flush();
  }

  get sslWritesPending(): boolean {
    return this.sslWrites.pending;
  }
}
