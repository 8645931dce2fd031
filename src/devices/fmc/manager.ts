// The cisco-fmc manager: ONE session (one login, one token, one rate limiter) per FMC per run, shared by
// every FTD of the run, the domain resolved to its UUID, the device list read once, and ONE deployment
// request for all FTDs that fwcert changed.
import { ConfigError, DeviceError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { TlsTrust } from '../../http/client.js';
import { CommitBatch, type BatchItem, type BatchResults } from '../commit-batch.js';
import type { Manager } from '../manager.js';
import type { CommitResult } from '../target.js';
import { FmcApi } from './api.js';
import { deployDevices, type DeployTarget } from './deploy.js';
import { EnrollmentIndex } from './enrollments.js';
import { KnownKeyIndex } from './known-key.js';
import { readAssignments } from './ravpn.js';
import type { FmcCredentials, FmcManagerOptions } from './schemas.js';
import { FmcSession } from './session.js';
import { isNotFound } from './errors.js';
import type { DeviceCluster, DeviceRecord, FmcRef, HaPair, PolicyAssignment } from './types.js';

export interface FmcManagerSettings {
  url: string;
  options: FmcManagerOptions;
  credentials: FmcCredentials;
  tls: TlsTrust;
  timeoutMs: number;
}

/** A managed FTD, HA pair or cluster as the FMC knows it: certificates are enrolled and deployed on this id. */
export interface FmcDevice extends FmcRef {
  name: string;
  kind: 'standalone' | 'ha-pair' | 'cluster';
  /** Ids that policy assignments may name it by (a cluster: its own id and its control unit's). */
  assignedAs: string[];
}

export class FmcManager implements Manager {
  readonly session: FmcSession;
  private opening?: Promise<void>;
  private apiRef?: FmcApi;
  /** Major.minor of the FMC software, e.g. 7.4. */
  version = 0;
  versionText = '';
  private records: DeviceRecord[] = [];
  private pairs: HaPair[] = [];
  private clusters: DeviceCluster[] = [];
  // One deployment for the run: each device commits or leaves, then flush() runs once.
  private readonly batch = new CommitBatch<CommitResult>((items) => this.flush(items));
  private readonly deployTargets = new Map<string, DeployTarget>();
  /** Read once per run, shared by the FTDs. */
  readonly enrollments = new EnrollmentIndex(() => this.api);
  /** Internal certificates and decryption rules (known-key bindings), read once per run. */
  readonly knownKeys = new KnownKeyIndex(() => this.api);
  private assignmentList?: Promise<PolicyAssignment[]>;

  constructor(readonly name: string, private readonly log: Logger, readonly settings: FmcManagerSettings) {
    const o = settings.options;
    this.session = new FmcSession({
      name, url: settings.url, username: settings.credentials.username, password: settings.credentials.password, tls: settings.tls,
      timeoutMs: settings.timeoutMs, log, rateLimitPerMin: o.rate_limit_per_min, backoffMs: o.retry_backoff_s * 1000, maxRetries: o.max_retries,
    });
  }

  get api(): FmcApi {
    if (!this.apiRef) throw new DeviceError(`${this.name}: not connected to the FMC`);
    return this.apiRef;
  }

  get options(): FmcManagerOptions {
    return this.settings.options;
  }

  /** Login, version, domain and device lists: once per run however many FTDs ask. */
  open(): Promise<void> {
    this.opening ??= this.connect().catch((e: unknown) => {
      this.opening = undefined;
      throw e;
    });
    return this.opening;
  }

  private async connect(): Promise<void> {
    await this.session.login();
    const sv = await this.session.call<{ items?: { serverVersion?: string }[] }>('GET', 'api/fmc_platform/v1/info/serverversion');
    this.versionText = sv?.items?.[0]?.serverVersion ?? '';
    const m = /^(\d+)\.(\d+)/.exec(this.versionText);
    this.version = m ? Number(`${m[1]}.${m[2]}`) : 0;
    if (!this.session.domains.length) {
      this.session.domains = (await this.session.all<{ uuid: string; name: string }>('api/fmc_platform/v1/info/domain')).map((d) => ({ uuid: d.uuid, name: d.name }));
    }
    const wanted = this.options.domain;
    const domain = this.session.domains.find((d) => d.name === wanted) ?? this.session.domains.find((d) => d.name.toLowerCase() === wanted.toLowerCase());
    if (!domain) {
      // A name in the configuration that the FMC does not know: a configuration error (`check` exits 2).
      throw new ConfigError(`managers.${this.name}.domain: the FMC has no domain "${wanted}" for user ${this.session.username} (domains: ${this.session.domains.map((d) => d.name).join(', ') || 'none'})`);
    }
    this.apiRef = new FmcApi(this.session, this.name, domain.uuid);
    [this.records, this.pairs, this.clusters] = await Promise.all([
      this.apiRef.all<DeviceRecord>('devices/devicerecords'),
      this.apiRef.all<HaPair>('devicehapairs/ftddevicehapairs'),
      // An FMC (or a user's role) without the cluster API lists no clusters.
      this.apiRef.all<DeviceCluster>('deviceclusters/ftddevicecluster').catch((e: unknown) => {
        if (isNotFound(e)) return [];
        throw e;
      }),
    ]);
    this.log.info(`${this.name}: FMC ${this.versionText || '(version unknown)'}, domain ${domain.name}, ${this.records.length} device(s), ${this.pairs.length} HA pair(s), ${this.clusters.length} cluster(s)`);
  }

  assignments(): Promise<PolicyAssignment[]> {
    this.assignmentList ??= readAssignments(this.api);
    this.assignmentList.catch(() => (this.assignmentList = undefined));
    return this.assignmentList;
  }

  /**
   * An FTD by its FMC name; HA pairs and clusters by the pair/cluster name (certificates are enrolled on
   * the pair or cluster, not on one unit). A cluster is addressed by its control unit's device id: the
   * cluster's configuration lives on the control node (terraform-provider-fmc device_cluster: "Configuration
   * of the Cluster is taken from the control node"); that certificate installs and deployments take that
   * id too is inferred (no public client enrolls certificates on a cluster).
   */
  resolve(fmcName: string, device: string): FmcDevice {
    const pair = this.pairs.find((p) => p.name === fmcName);
    if (pair) return { id: pair.id, name: pair.name, type: 'DeviceHAPair', kind: 'ha-pair', assignedAs: [pair.id] };
    const cluster = this.clusters.find((c) => c.name === fmcName);
    if (cluster) {
      const control = (cluster.controlDevice ?? cluster.masterDevice)?.deviceDetails;
      if (!control?.id) throw new DeviceError(`${device}: ${this.name} lists the cluster ${cluster.name} without its control unit`);
      return { id: control.id, name: cluster.name, type: 'DeviceCluster', kind: 'cluster', assignedAs: [cluster.id, control.id] };
    }
    const pairOf = this.pairs.find((p) => p.primary?.name === fmcName || p.secondary?.name === fmcName);
    if (pairOf) {
      throw new ConfigError(`devices.${device}: ${fmcName} is a unit of the HA pair ${pairOf.name} on ${this.name}; certificates are enrolled on the pair: set fmc_name: ${pairOf.name}`);
    }
    const clusterOf = this.clusters.find((c) => clusterUnits(c).some((u) => u.name === fmcName));
    if (clusterOf) {
      throw new ConfigError(`devices.${device}: ${fmcName} is a unit of the cluster ${clusterOf.name} on ${this.name}; certificates are enrolled on the cluster: set fmc_name: ${clusterOf.name}`);
    }
    const rec = this.records.find((r) => r.name === fmcName);
    if (rec) return { id: rec.id, name: rec.name, type: 'Device', kind: 'standalone', assignedAs: [rec.id] };
    const units = new Set([...this.pairs.flatMap((p) => [p.primary?.id, p.secondary?.id]), ...this.clusters.flatMap((c) => clusterUnits(c).map((u) => u.id))]);
    const known = [...this.pairs.map((p) => p.name), ...this.clusters.map((c) => c.name), ...this.records.filter((r) => !units.has(r.id)).map((r) => r.name)];
    throw new ConfigError(`devices.${device}.fmc_name: ${this.name} manages no FTD, HA pair or cluster named "${fmcName}" in domain ${this.options.domain} (known: ${known.join(', ') || 'none'})`);
  }

  // ------------------------------------------------------------ the run's deployment

  /** The engine names the devices of this run before they start. */
  begin(devices: string[]): void {
    this.batch.begin(devices);
  }

  /** A device's commit: it waits until every device of the run has committed or left, then ONE deployment runs. */
  commit(target: DeployTarget, note: string): Promise<CommitResult> {
    this.deployTargets.set(target.device, target);
    return this.batch.commit(target.device, note);
  }

  /** A device is done for the run (Target.close()). */
  leave(device: string): void {
    this.batch.leave(device);
  }

  private async flush(items: BatchItem[]): Promise<BatchResults<CommitResult>> {
    const notes = [...new Set(items.map((i) => i.note))];
    const note = notes.length === 1 ? notes[0]! : `fwcert: ${items.map((i) => i.device).join(', ')}`;
    const o = this.options;
    const targets = items.map((i) => this.deployTargets.get(i.device)!);
    return deployDevices(this.api, targets, note, { pollMs: o.poll_interval_s * 1000, timeoutMs: o.deploy_timeout_s * 1000 }, this.log);
  }

  /** A commit outside the batch (a second change after this device already deployed in this run). */
  deployNow(target: DeployTarget, note: string): Promise<CommitResult> {
    const o = this.options;
    return deployDevices(this.api, [target], note, { pollMs: o.poll_interval_s * 1000, timeoutMs: o.deploy_timeout_s * 1000 }, this.log).then((out) => {
      const r = out.get(target.device)!;
      if (r instanceof Error) throw r;
      return r;
    });
  }

  async close(): Promise<void> {
    this.log.debug(`${this.name}: ${this.session.stats.requests} request(s), ${this.session.stats.logins} login(s), ${this.session.stats.refreshes} refresh(es), ${this.session.stats.retries429} retried 429(s)`);
    await this.session.close();
  }
}

/** The control and data units of a cluster, as listed with expanded=true. */
function clusterUnits(c: DeviceCluster): FmcRef[] {
  return [c.controlDevice ?? c.masterDevice, ...(c.dataDevices ?? c.slaveDevices ?? [])].map((d) => d?.deviceDetails).filter((d): d is FmcRef => !!d?.id);
}
