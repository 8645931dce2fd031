// The FDM Target: one FTD managed by Firepower Device Manager, spoken to over the FDM REST API.
import { DeviceError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { TlsTrust } from '../../http/client.js';
import { ALL_KEY_SPECS, type KeySpec } from '../../pki/types.js';
import type { Binding, CommitResult, CommitScope, DeviceCert, OpenInfo, RemoveOutcome, Target } from '../target.js';
import { FdmBindings, type Consumers } from './bindings.js';
import { FdmCertificates, isPem } from './certificates.js';
import { FdmDeployer } from './deploy.js';
import { checkHaSync } from './ha-sync.js';
import { featuresOfVersion, readFeatures, unsupportedBinding, type FdmFeatures } from './features.js';
import { FdmApiError, standbyError } from './errors.js';
import { assertValidName, MAX_NAME_LENGTH } from './names.js';
import { FdmObjects, filterStyleFor } from './objects.js';
import { pendingChangesOf } from './pending-changes.js';
import type { FdmCredentials, FdmOptions } from './schemas.js';
import { FdmSession } from './session.js';
import { OBJECT_PATHS, toRef, type ExternalCaCertificate, type FdmRef, type HaStatus, type InternalCertificate, type SystemInfo } from './types.js';

/**
 * The reference sets no key restriction for uploaded internal certificates; these are the sizes and curves
 * the FTD's TLS stack (ASA trustpoints) takes. Sectigo's own FTD connector offers RSA only.
 */
export const FDM_KEY_TYPES: KeySpec[] = [...ALL_KEY_SPECS];

/** DeviceCert plus what FDM adds: the object id and whether FDM owns it (system-defined objects cannot be deleted). */
export interface FdmDeviceCert extends DeviceCert {
  id: string;
  systemDefined: boolean;
}

export interface FdmTargetSettings {
  url: string;
  options: FdmOptions;
  credentials: FdmCredentials;
  tls: TlsTrust;
  timeoutMs: number;
}

function haRoleOf(nodeState: string | undefined): OpenInfo['haRole'] {
  switch (nodeState) {
    case 'HA_ACTIVE_NODE':
      return 'active';
    case 'HA_STANDBY_NODE':
      return 'standby';
    case 'SINGLE_NODE':
      return 'standalone';
    default:
      return undefined;
  }
}

/** FDM demands a key with every internal certificate; a masked or omitted `privateKey` still means "has one". */
function hasKey(cert: InternalCertificate): boolean {
  return cert.privateKey === undefined || (typeof cert.privateKey === 'string' && cert.privateKey.length > 0);
}

export class FdmTarget implements Target {
  readonly capabilities = { onDeviceKeygen: false, keyTypes: FDM_KEY_TYPES, maxNameLength: MAX_NAME_LENGTH };
  private readonly session: FdmSession;
  private readonly objects: FdmObjects;
  private readonly certs: FdmCertificates;
  private readonly bindings: FdmBindings;
  private readonly deployer: FdmDeployer;

  private readonly options: FdmOptions;
  /** From open(): an active unit of an HA pair gets its config sync checked after each deploy. */
  private haRole: OpenInfo['haRole'];
  /** From open(): what this FDM's API has (learnt from its own specification). */
  private features?: FdmFeatures;

  constructor(readonly name: string, private readonly log: Logger, settings: FdmTargetSettings) {
    this.options = settings.options;
    this.session = new FdmSession({
      device: name,
      url: settings.url,
      apiVersion: settings.options.api_version,
      username: settings.credentials.username,
      password: settings.credentials.password,
      tls: settings.tls,
      timeoutMs: settings.timeoutMs,
      log,
    });
    this.objects = new FdmObjects(this.session, log);
    this.certs = new FdmCertificates(this.objects, name, log);
    this.bindings = new FdmBindings(this.objects, name, log);
    this.deployer = new FdmDeployer(this.session, name, log, {
      pollIntervalMs: settings.options.poll_interval_s * 1000,
      timeoutMs: settings.options.deploy_timeout_s * 1000,
    });
  }

  /** Login, software version (which picks the name-filter syntax), and the HA role: a standby is refused. */
  async open(): Promise<OpenInfo> {
    await this.session.login();
    const info = (await this.session.call<SystemInfo>('GET', 'operational/systeminfo/default')) ?? {};
    const buildVersion = info.databaseInfo?.buildVersion;
    this.objects.filterStyle = filterStyleFor(buildVersion);
    const haRole = await this.readHaRole();
    if (haRole === 'standby') throw standbyError(this.name);
    this.haRole = haRole;
    // 6.4 and later (API `latest` or v3+) have both binding endpoints: the specification, several MB on
    // a real box, is read only when a web UI binding needs its trustChain answer (webUiTrustChain()).
    this.features = featuresOfVersion(this.session.apiVersion);
    if (!this.features.ravpn || !this.features.webui) this.features = await this.readSpecification();
    const model = typeof info.platformModel === 'string' ? info.platformModel : info.modelNumber;
    const version = info.softwareVersion ?? buildVersion;
    this.log.debug(`${this.name}: FDM ${version ?? '?'} (API ${this.session.apiVersion}), HA role ${haRole ?? 'unknown'}`);
    return { model, version, haRole };
  }

  /**
   * GET /devices/default/operational/ha/status/default: getHAStatus of the FDM Swagger specification
   * (HAStatus.nodeState, `HANodeState` enum). A build that refuses it is treated as "unknown", and a
   * standby is then still caught on its first write.
   */
  private async readHaRole(): Promise<OpenInfo['haRole']> {
    try {
      const ha = await this.session.call<HaStatus>('GET', 'devices/default/operational/ha/status/default');
      return haRoleOf(ha?.nodeState);
    } catch (e) {
      if (e instanceof FdmApiError && !e.transport && e.status !== 401) {
        this.log.debug(`${this.name}: no HA status (${e.message}); assuming no HA pair`);
        return undefined;
      }
      throw e;
    }
  }

  async inventory(): Promise<FdmDeviceCert[]> {
    const [certs, consumers] = await Promise.all([this.certs.list(), this.bindings.readConsumers()]);
    return certs.map((c) => ({
      name: c.name,
      id: c.id,
      certPem: isPem(c.cert) ? c.cert : undefined,
      hasKey: hasKey(c),
      bindings: FdmBindings.bindingsOf(consumers, c.id),
      systemDefined: c.isSystemDefined === true,
    }));
  }

  /** inventory() plus the CA objects: FDM's own internal CAs (SSL decryption re-signing) and the external CAs (trust store, chains). */
  async inventoryAll(): Promise<DeviceCert[]> {
    const [mine, internalCas, externalCas] = await Promise.all([
      this.inventory(),
      this.objects.listAll<ExternalCaCertificate>(OBJECT_PATHS.internalCaCertificates),
      this.objects.listAll<ExternalCaCertificate>(OBJECT_PATHS.externalCaCertificates),
    ]);
    const ca = (c: ExternalCaCertificate, key: boolean): DeviceCert => ({
      name: c.name, certPem: isPem(c.cert) ? c.cert : undefined, hasKey: key, bindings: [], isCa: true,
    });
    return [...mine, ...internalCas.map((c) => ca(c, true)), ...externalCas.map((c) => ca(c, false))];
  }

  /** What the device lacks for `bindings` (no RA VPN, no SSL policy, no web UI setting); reads only. */
  async checkBindings(bindings: Binding[]): Promise<string[]> {
    if (!bindings.length) return [];
    // A binding this FTD's version cannot have is reported as that, not as something to set up.
    const refusal = this.unsupportedBindings(bindings);
    if (refusal) return [refusal];
    const c = await this.bindings.readConsumers();
    const out: string[] = [];
    for (const b of bindings) {
      if (b.kind === 'ravpn' && !c.raVpns.length) out.push('no RA VPN is configured (GET /ravpns is empty); set up remote access VPN in FDM first, or drop "ravpn: true"');
      if (b.kind === 'ssl_decryption' && !c.sslPolicies.length) out.push('no SSL decryption policy exists (GET /policy/sslpolicies is empty); enable SSL decryption in FDM first, or drop "ssl_decryption: true"');
      if (b.kind === 'webui' && !c.webUi) out.push('this FDM has no web UI certificate setting (devicesettings/default/webuicertificates, FTD 6.4+)');
    }
    return out;
  }

  validateName(name: string): void {
    assertValidName(this.name, name);
  }

  async install(name: string, cert: { leafPem: string; chainPem: string[]; keyPem?: string }): Promise<void> {
    this.validateName(name);
    if (!cert.keyPem) {
      throw new DeviceError(`${this.name}: FDM cannot generate keys for internal certificates; installing "${name}" needs its private key`);
    }
    await this.certs.install(name, cert.leafPem, cert.chainPem, cert.keyPem);
  }

  private specificationRead = false;

  private async readSpecification(): Promise<FdmFeatures> {
    this.specificationRead = true;
    return readFeatures(this.session, this.log);
  }

  /** Whether WebUICertificate has trustChain on this device: its specification says (read once, when first needed). */
  private async webUiTrustChain(): Promise<boolean | undefined> {
    if (this.features && !this.specificationRead) this.features = { ...(await this.readSpecification()), ravpn: this.features.ravpn, webui: this.features.webui };
    return this.features?.webuiTrustChain;
  }

  unsupportedBindings(bindings: Binding[]): string | undefined {
    if (!this.features) return undefined;
    const why = bindings.map((b) => unsupportedBinding(b.kind, this.features!, this.session.apiVersion)).filter(Boolean);
    return why.length ? why.join('; ') : undefined;
  }

  async bind(name: string, bindings: Binding[]): Promise<{ binding: Binding; previous?: string }[]> {
    this.validateName(name);
    const refusal = this.unsupportedBindings(bindings);
    if (refusal) throw new DeviceError(`${this.name}: ${refusal}`);
    const cert = await this.certs.require(name);
    const ref = toRef(cert);
    const out: { binding: Binding; previous?: string }[] = [];
    for (const binding of bindings) {
      let previous: FdmRef | undefined;
      switch (binding.kind) {
        case 'ravpn':
          previous = await this.bindings.bindRaVpn(ref);
          break;
        case 'webui':
          previous = await this.bindings.bindWebUi(ref, await this.certs.chainRefsFor(cert), await this.webUiTrustChain());
          break;
        case 'ssl_decryption':
          // Known-key decryption takes a list: the new certificate is added; the old one leaves with remove().
          await this.bindings.addToSslPolicies(ref);
          break;
        default:
          throw new DeviceError(`${this.name}: FDM has no binding kind "${binding.kind}" (known: ssl_decryption, ravpn, webui)`);
      }
      const previousName = previous && previous.id !== cert.id ? await this.certs.nameOf(previous) : undefined;
      out.push(previousName ? { binding, previous: previousName } : { binding });
    }
    return out;
  }

  /**
   * Delete the internal certificate `name`: first take it out of SSL policies that still list it; refuse
   * while the RA VPN or the web UI still use it (FDM would refuse the delete with 422 anyway).
   * A missing object is fine (already gone); a system-defined one is never deleted.
   */
  async remove(name: string): Promise<void> {
    const [outcome] = await this.removeMany([name]);
    if (outcome?.result === 'failed') throw outcome.error;
  }

  /**
   * remove() of several certificates: their SSL policy drops are written together with the run's
   * staged SSL policy additions, one PUT per policy, before the first DELETE (FDM refuses, 422, to
   * delete a certificate a policy still lists); then one DELETE each.
   */
  async removeMany(names: string[]): Promise<RemoveOutcome[]> {
    const out = new Map<string, RemoveOutcome>();
    let deletable: InternalCertificate[] = [];
    let consumers: Consumers | undefined;
    for (const name of names) {
      try {
        this.validateName(name);
        const cert = await this.certs.find(name);
        if (!cert) {
          this.log.info(`${this.name}: internal certificate ${name} is already gone`);
          out.set(name, { name, result: 'gone' });
          continue;
        }
        if (cert.isSystemDefined) {
          // Left in place, as remove() always did: not fwcert's to delete, nothing to retry.
          this.log.warn(`${this.name}: ${name} is a system-defined certificate; FDM does not allow deleting it, leaving it in place`);
          out.set(name, { name, result: 'gone' });
          continue;
        }
        consumers ??= await this.bindings.readConsumers();
        const inUse = FdmBindings.bindingsOf(consumers, cert.id).filter((b) => b.kind !== 'ssl_decryption');
        if (inUse.length) {
          const where = inUse.map((b) => (b.kind === 'ravpn' ? 'the RA VPN server certificate' : 'the web UI certificate')).join(' and ');
          throw new DeviceError(`${this.name}: cannot remove "${name}": it is still ${where}; bind another certificate first`);
        }
        const dropped = await this.bindings.dropFromSslPolicies(toRef(cert));
        if (dropped) this.log.info(`${this.name}: ${name} leaves ${dropped} SSL policy(ies)`);
        deletable.push(cert);
      } catch (error) {
        out.set(name, { name, result: 'failed', error });
      }
    }
    if (deletable.length) {
      try {
        await this.bindings.flushSslPolicies();
      } catch (error) {
        for (const cert of deletable) out.set(cert.name, { name: cert.name, result: 'failed', error });
        deletable = [];
      }
    }
    for (const cert of deletable) {
      try {
        await this.certs.delete(cert);
        out.set(cert.name, { name: cert.name, result: 'removed' });
      } catch (error) {
        out.set(cert.name, { name: cert.name, result: 'failed', error });
      }
    }
    return names.map((n) => out.get(n)!);
  }

  /**
   * Deploy, unless a pending change is not fwcert's (FDM would push it too): then refuse, so another
   * administrator's half-done edit never goes live through fwcert; the installed certificate waits
   * for the next run. `deploy_foreign_changes: true` on the device deploys anyway.
   */
  async commit(note: string, scope?: CommitScope): Promise<CommitResult> {
    // The run's SSL policy changes go into the candidate before anything looks at it or deploys it.
    try {
      await this.bindings.flushSslPolicies();
    } catch (e) {
      throw new DeviceError(`${this.name}: not deployed: writing the SSL decryption policy failed: ${errorMessage(e)}`, (e as { detail?: string[] }).detail);
    }
    if (scope) {
      const { foreign } = await pendingChangesOf(this.objects, scope);
      if (foreign.length && !this.options.deploy_foreign_changes) {
        throw new DeviceError(
          `${this.name}: not deployed: ${foreign.length} pending change(s) on the device are not fwcert's (${foreign.slice(0, 3).join('; ')}${foreign.length > 3 ? '; …' : ''}), ` +
            'and an FDM deploy would push them too. fwcert\'s changes stay staged and the next run deploys them once those are deployed or discarded ' +
            '(or set deploy_foreign_changes: true on this device)',
          foreign,
        );
      }
      if (foreign.length) this.log.warn(`${this.name}: deploying ${foreign.length} pending change(s) that are not fwcert's (deploy_foreign_changes: true): ${foreign.join('; ')}`);
    }
    const result = await this.deployer.deploy(note);
    if (result.committed && this.haRole === 'active') {
      const warning = await checkHaSync(this.session, this.name, this.log, {
        pollIntervalMs: this.options.poll_interval_s * 1000,
        timeoutMs: this.options.deploy_timeout_s * 1000,
      });
      if (warning) {
        this.log.warn(`${this.name}: ${warning}`);
        return { ...result, warnings: [...(result.warnings ?? []), warning] };
      }
    }
    return result;
  }

  /** Staged SSL policy changes that no commit wrote (a run that ended early) still reach the candidate,
   *  so that no bind is lost silently: the ledger owes a commit after any install, and the next run makes it. */
  async close(): Promise<void> {
    if (this.bindings.sslWritesPending) {
      await this.bindings.flushSslPolicies().catch((e: unknown) => this.log.warn(`${this.name}: could not write the staged SSL policy changes: ${errorMessage(e)}`));
    }
    await this.session.close();
  }
}
