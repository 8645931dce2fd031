// The emulated FTD's state: knobs, counters, tokens, candidate and deployed configuration,
// deploy jobs, and the web-server restart that follows a web UI certificate deploy.
import { X509Certificate, randomUUID } from 'node:crypto';
import { type Presented, type ServiceName, presentedBy } from './dataplane.js';
import { DeployService } from './deploy.js';
import type { HaConfigStatus, HaHealthStatus } from './device-info.js';
import { mergeKnobs, takeOneShot } from './knobs.js';
import { pendingChanges } from './pending.js';
import { REF_FIELDS, refIds } from './references.js';
import { COLLECTIONS, type ConfigStore } from './store.js';
import { TokenService } from './tokens.js';
import type { CollectionName, FaultSpec, FdmKnobs, FdmObject } from './types.js';

export interface DeviceHooks {
  /** The deployed configuration changed what a data-plane service presents. */
  onPresented(p: Record<ServiceName, Presented>): void;
  /** The web server came back after a restart, now serving `webui`. */
  onWebRestartEnd(webui: Presented): void;
}

export class FdmDevice {
  readonly counters: Record<string, number> = {};
  /** Requests by "METHOD path-below-/api/fdm/<ver>?query", so a benchmark can tell inventory reads from the rest. */
  readonly requestsByPath: Record<string, number> = {};
  readonly tokens: TokenService;
  readonly deploys: DeployService;
  readonly applianceUuid = randomUUID();
  readonly bootTime = Date.now();
  deployed: ConfigStore;
  private restartUntil = 0;
  /** HA config sync of the last deploy: for knobs.haSyncMs after `syncStart` (live knob) the standby imports, then `syncResult`. */
  private syncStart = -Infinity;
  private syncResult: 'IN_SYNC' | 'OUT_OF_SYNC' = 'IN_SYNC';
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    readonly knobs: FdmKnobs,
    users: { username: string; password: string }[],
    public candidate: ConfigStore,
    private readonly fallback: { certPem: string; keyPem: string },
    private readonly hooks: DeviceHooks,
  ) {
    this.deployed = candidate.snapshot();
    this.tokens = new TokenService(users, () => ({
      accessTtlS: this.knobs.tokenTtlS,
      refreshTtlS: this.knobs.refreshTtlS,
      maxSessions: this.knobs.maxSessions,
    }));
    this.deploys = new DeployService({
      durationMs: () => this.knobs.deployDurationMs,
      nextOutcome: () => {
        const fail = takeOneShot(this.knobs.failNextDeploy);
        this.knobs.failNextDeploy = fail.rest;
        if (fail.hit) return 'failure';
        const timeout = takeOneShot(this.knobs.deployTimeout);
        this.knobs.deployTimeout = timeout.rest;
        return timeout.hit ? 'timeout' : 'success';
      },
      snapshotCandidate: () => this.candidate.snapshot(),
      applyDeployed: (snapshot) => this.applyDeployed(snapshot),
    });
  }

  count(op: string): void {
    this.counters[op] = (this.counters[op] ?? 0) + 1;
  }

  countRequest(key: string): void {
    this.requestsByPath[key] = (this.requestsByPath[key] ?? 0) + 1;
  }

  setKnobs(patch: unknown): void {
    mergeKnobs(this.knobs, patch);
    if (this.knobs.expireTokensNow) {
      this.tokens.expireAllAccess();
      this.knobs.expireTokensNow = false;
    }
  }

  /**
   * Consumes one injected fault matching "<METHOD> <path-prefix>", if any. The prefix matches the
   * path below /api/fdm/<ver> ("/object/...") or the full request path ("/api/fdm/latest/...").
   */
  takeFault(method: string, subPath: string, fullPath: string): FaultSpec['status'] | null {
    for (const [key, spec] of Object.entries(this.knobs.failNext)) {
      const space = key.indexOf(' ');
      const m = space < 0 ? '*' : key.slice(0, space);
      const prefix = space < 0 ? key : key.slice(space + 1);
      const pathHit = subPath.startsWith(prefix) || fullPath.startsWith(prefix);
      if ((m === '*' || m.toUpperCase() === method) && pathHit && spec.count > 0) {
        spec.count -= 1;
        if (spec.count <= 0) delete this.knobs.failNext[key];
        return spec.status;
      }
    }
    return null;
  }

  /** Counts one authenticated call against the expireAfterCalls knob. */
  tickTokenExpiry(): void {
    const left = this.knobs.expireAfterCalls;
    if (left === null) return;
    if (left <= 0) {
      this.tokens.expireAllAccess();
      this.knobs.expireAfterCalls = null;
    } else {
      this.knobs.expireAfterCalls = left - 1;
    }
  }

  isRestarting(): boolean {
    return Date.now() < this.restartUntil;
  }

  presented(store: ConfigStore = this.deployed): Record<ServiceName, Presented> {
    return presentedBy(store, this.fallback);
  }

  /** configStatus / haHealthStatus of an HA pair right now (the standby imports after each deploy). */
  haSync(): { configStatus: HaConfigStatus; haHealthStatus: HaHealthStatus } {
    if (Date.now() < this.syncStart + this.knobs.haSyncMs) return { configStatus: 'SECONDARY_IMPORTING_CONFIG', haHealthStatus: 'PROCESSING' };
    return this.syncResult === 'IN_SYNC' ? { configStatus: 'IN_SYNC', haHealthStatus: 'HEALTHY' } : { configStatus: 'OUT_OF_SYNC', haHealthStatus: 'UNHEALTHY' };
  }

  private applyDeployed(snapshot: ConfigStore): void {
    if (this.knobs.haMode === 'active') {
      this.syncStart = Date.now();
      this.syncResult = this.knobs.haSyncOutcome;
      this.count('ha_config_sync');
    }
    const before = this.presented();
    this.deployed = snapshot;
    const after = this.presented();
    this.hooks.onPresented(after);
    if (before.webui.chainPem.join('') !== after.webui.chainPem.join('')) this.beginWebRestart(after.webui);
  }

  /** A new web UI certificate restarts the FDM web server: API down, every session gone (reference §5). */
  private beginWebRestart(webui: Presented): void {
    this.count('web_restart');
    this.tokens.invalidateAll();
    this.restartUntil = Date.now() + this.knobs.webRestartMs;
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => this.hooks.onWebRestartEnd(webui), this.knobs.webRestartMs);
  }

  close(): void {
    clearTimeout(this.restartTimer);
    this.deploys.close();
  }

  /** The whole state for GET /__lab/state: no private keys, no tokens. */
  state(extra: Record<string, unknown>): Record<string, unknown> {
    const presented = this.presented();
    const showPresented = (p: Presented) => ({
      objectName: p.objectName,
      fingerprintSha256: new X509Certificate(p.chainPem[0]!).fingerprint256,
      chainLength: p.chainPem.length,
    });
    return {
      name: this.name,
      ...extra,
      haMode: this.knobs.haMode,
      knobs: structuredClone(this.knobs),
      counters: { ...this.counters },
      requestsByPath: { ...this.requestsByPath },
      objects: summarise(this.candidate),
      deployedObjects: summarise(this.deployed),
      bindings: { candidate: bindings(this.candidate), deployed: bindings(this.deployed) },
      pendingChanges: pendingChanges(this.deployed, this.candidate, '').length,
      deployJobs: this.deploys.list().map((j) => ({
        id: j.id, state: j.state, queuedTime: j.queuedTime, startTime: j.startTime, endTime: j.endTime, statusMessage: j.statusMessage,
      })),
      presented: { ravpn: showPresented(presented.ravpn), webui: showPresented(presented.webui) },
      sessions: this.tokens.liveSessions(),
      webRestarting: this.isRestarting(),
    };
  }
}

function summariseObject(collection: CollectionName, o: FdmObject, store: ConfigStore): Record<string, unknown> {
  if (REF_FIELDS[collection]) {
    const out: Record<string, unknown> = { id: o.id, version: o.version, name: o.name, type: o.type };
    for (const f of REF_FIELDS[collection]!) {
      const names = refIds(o, f.path).map((id) => store.find(id)?.obj.name ?? id);
      out[f.path.join('.')] = f.many ? names : (names[0] ?? null);
    }
    return out;
  }
  let fingerprintSha256: string | undefined;
  try {
    fingerprintSha256 = new X509Certificate(String(o.cert)).fingerprint256;
  } catch {
    fingerprintSha256 = undefined;
  }
  return {
    id: o.id,
    version: o.version,
    name: o.name,
    type: o.type,
    certType: o.certType,
    isSystemDefined: o.isSystemDefined,
    subjectCommonName: o.subjectCommonName,
    issuerCommonName: o.issuerCommonName,
    validityEndDate: o.validityEndDate,
    fingerprintSha256,
    hasPrivateKey: typeof o.privateKey === 'string',
  };
}

function summarise(store: ConfigStore): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const c of COLLECTIONS) out[c] = store.list(c).map((o) => summariseObject(c, o, store));
  return out;
}

/** Which certificate each consumer uses, by object name (the binding kinds of the Target driver). */
function bindings(store: ConfigStore) {
  const name = (c: CollectionName, id: string | undefined) => (id ? (store.get(c, id)?.name ?? id) : null);
  const web = store.list('webuicertificates')[0];
  const vpn = store.list('ravpns')[0];
  const ssl = store.list('sslpolicies')[0];
  return {
    webui: {
      certificate: name('internalcertificates', refIds(web, ['certificate'])[0]),
      trustChain: refIds(web, ['trustChain']).map((id) => name('externalcacertificates', id)),
    },
    ravpn: {
      serverCertificate: name('internalcertificates', refIds(vpn, ['vpnGatewaySettings', 'serverCertificate'])[0]),
      clientCACertificates: refIds(vpn, ['vpnGatewaySettings', 'clientCACertificates']).map((id) => name('externalcacertificates', id)),
    },
    ssl_decryption: {
      internalCertificates: refIds(ssl, ['internalCertificates']).map((id) => name('internalcertificates', id)),
      decryptionCACertificate: name('internalcacertificates', refIds(ssl, ['decryptionCACertificate'])[0]),
    },
  };
}
