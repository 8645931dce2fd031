// One Panorama per run: one XML API session (one key), the HA check, the managed-device list, and
// the run's single Panorama commit followed by one push per template / template stack that changed.
import { DeviceError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { TlsTrust } from '../../http/client.js';
import { PanosSession } from './api.js';
import { buildCommitCmd } from './commit.js';
import { noChangesToCommit } from './commit.js';
import type { TemplateKind } from './panorama-locations.js';
import type { PanoramaOptions } from './panorama-options.js';
import { buildPushCmd, enqueue, waitForJob, type DevicePushResult } from './panorama-push.js';
import type { PanosCredentialsConfig } from './options.js';
import { haRole, parseHaState, parseSystemInfo } from './system.js';
import { asArray, child, el, textOf } from './xml.js';

export interface ManagedDevice {
  serial: string;
  hostname: string;
  connected: boolean;
}

export interface PushRequest {
  /** The fwcert device entry (template target) asking for the push. */
  device: string;
  kind: TemplateKind;
  name: string;
  serials: string[];
}

export interface PushOutcome {
  panoramaJob?: string;
  pushJob?: string;
  devices: DevicePushResult[];
}

export interface PanoramaSettings {
  url: string;
  options: PanoramaOptions;
  credentials: PanosCredentialsConfig;
  tls: TlsTrust;
  timeoutMs: number;
  admin: string;
}

export class PanoramaManager {
  readonly session: PanosSession;
  private opened?: Promise<{ model?: string; version?: string }>;
  private deviceList?: Promise<ManagedDevice[]>;
  private version?: string;

  constructor(readonly name: string, private readonly log: Logger, readonly settings: PanoramaSettings) {
    this.session = new PanosSession({ name, url: settings.url, tls: settings.tls, timeoutMs: settings.timeoutMs, credentials: settings.credentials, log });
  }

  /** Once per run: key, `show system info` (must be a Panorama), HA state (the passive one is refused). */
  open(): Promise<{ model?: string; version?: string }> {
    this.opened ??= this.doOpen();
    return this.opened;
  }

  private async doOpen(): Promise<{ model?: string; version?: string }> {
    await this.session.ensureKey();
    const info = parseSystemInfo((await this.session.op(el('show', el('system', el('info'))), {}, { idempotent: true, what: 'show system info' })).result);
    if (!info.isPanorama) {
      throw new DeviceError(`${this.name} is not a Panorama (model ${info.model ?? 'unknown'}); manage a firewall as a device of type paloalto`);
    }
    const ha = parseHaState((await this.session.op(el('show', el('high-availability', el('state'))), {}, { idempotent: true, what: 'show high-availability state' })).result);
    if (haRole(ha) === 'standby') {
      throw new DeviceError(
        `${this.name} is the ${ha.state ?? 'passive'} Panorama of an HA pair: it refuses configuration changes and pushes; point the manager's url at the active Panorama`,
      );
    }
    this.version = info.version;
    this.log.debug(`${this.name}: Panorama ${info.version ?? '?'}, HA ${haRole(ha)}`);
    return { model: info.model, version: info.version };
  }

  /** `show devices all` (pan-os-python refresh_devices): serial, hostname, connected. */
  devices(): Promise<ManagedDevice[]> {
    this.deviceList ??= (async () => {
      const r = await this.session.op(el('show', el('devices', el('all'))), {}, { idempotent: true, what: 'show devices all' });
      return asArray(child(r.result, 'devices', 'entry')).map((e) => ({
        serial: (textOf(child(e, 'serial')) ?? '').trim(),
        hostname: (textOf(child(e, 'hostname')) ?? '').trim(),
        connected: textOf(child(e, 'connected'))?.trim() === 'yes',
      }));
    })();
    return this.deviceList;
  }

  /** Firewalls named by serial or hostname -> Panorama's devices; an unknown name is an error. */
  async resolve(refs: readonly string[]): Promise<ManagedDevice[]> {
    const all = await this.devices();
    return refs.map((r) => {
      const d = all.find((x) => x.serial === r) ?? all.find((x) => x.hostname.toLowerCase() === r.toLowerCase());
      if (!d) throw new DeviceError(`${this.name}: no managed firewall with serial or hostname ${JSON.stringify(r)} (Panorama manages: ${all.map((x) => `${x.hostname} ${x.serial}`).join(', ') || 'none'})`);
      return d;
    });
  }

  /**
   * ONE commit of this admin's changes on Panorama, then one push per template / stack. Throws when
   * the Panorama commit fails (nothing was pushed); push results come back per firewall.
   */
  async commitAndPush(requests: PushRequest[], note: string): Promise<Map<string, PushOutcome>> {
    const o = this.settings.options;
    const poll = { timeoutS: o.commit_timeout_s, pollIntervalS: o.poll_interval_s, log: (m: string) => this.log.info(m) };
    const description = (note ? `${o.commit.description}: ${note}` : o.commit.description).slice(0, 512);
    const commit = await enqueue(
      this.session,
      { type: 'commit', action: 'partial', cmd: buildCommitCmd(this.settings.admin, description) },
      `commit on Panorama (changes of ${this.settings.admin})`,
      poll,
    );
    let panoramaJob: string | undefined;
    if (!noChangesToCommit({ messages: commit.messages })) {
      if (!commit.jobId) throw new DeviceError(`${this.name}: the Panorama commit was accepted but the reply names no job`, commit.messages);
      panoramaJob = commit.jobId;
      this.log.info(`${this.name}: Panorama commit job ${panoramaJob} enqueued`);
      const job = await waitForJob(this.session, panoramaJob, 'Panorama commit', poll);
      if (job.result !== 'OK') {
        throw new DeviceError(`${this.name}: Panorama commit job ${panoramaJob} failed (result ${job.result || job.status})${job.details[0] ? `: ${job.details.join(' ')}` : ''}; nothing was pushed`, job.details);
      }
    }
    const out = new Map<string, PushOutcome>();
    const pushPoll = { ...poll, timeoutS: o.push_timeout_s };
    // commit-all takes <admin> from PAN-OS 10.2 on (pan-os-python PanoramaCommitAll); older releases push everything committed.
    const scoped = o.push_admin_scope && releaseAtLeast(this.version, 10, 2);
    if (o.push_admin_scope && !scoped) this.log.info(`${this.name}: Panorama ${this.version ?? '(unknown release)'} cannot scope a push to one admin; pushing the committed template`);
    for (const r of requests) {
      const cmd = buildPushCmd(r.kind, r.name, { description, ...(scoped ? { admin: this.settings.admin } : {}), serials: r.serials });
      const push = await enqueue(this.session, { type: 'commit', action: 'all', cmd }, `push ${r.kind} ${r.name}`, poll);
      if (!push.jobId) throw new DeviceError(`${this.name}: the push of ${r.kind} ${r.name} was accepted but the reply names no job`, push.messages);
      this.log.info(`${this.name}: push of ${r.kind} ${r.name} to ${r.serials.length} firewall(s): job ${push.jobId}`);
      const job = await waitForJob(this.session, push.jobId, `push of ${r.kind} ${r.name}`, pushPoll);
      // A firewall that Panorama did not report on counts as failed: fwcert cannot tell it got the push.
      const devices = r.serials.map(
        (serial) =>
          job.devices.find((d) => d.serial === serial) ?? { serial, name: serial, result: job.result === 'OK' && job.devices.length === 0 ? 'OK' : 'UNKNOWN', messages: job.details },
      );
      out.set(r.device, { panoramaJob, pushJob: push.jobId, devices });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}

/** "10.2.9-h1" >= major.minor */
export function releaseAtLeast(version: string | undefined, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}
