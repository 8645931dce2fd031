// Manager type "panorama" and device type "panorama-template": a template or template stack on a
// Panorama, and the firewalls that receive it. One Panorama session per run; every template target
// of the run commits through one CommitBatch, so the run makes ONE Panorama commit and one push per
// template / stack, however many profiles changed.
import { ConfigError, DeviceError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { CommitBatch, type BatchItem, type BatchResults } from '../commit-batch.js';
import type { Manager, ManagerType } from '../manager.js';
import type { TargetType } from '../target.js';
import { PANORAMA_NAME_MAX } from './names.js';
import { PanoramaManager, type PushOutcome, type PushRequest } from './panorama-manager.js';
import {
  panoramaCredentialsSchema, panoramaOptionsSchema, templateBindSchema, templateTargetOptionsSchema,
  type PanoramaOptions, type TemplateTargetOptions,
} from './panorama-options.js';
import { PanoramaTemplateTarget } from './panorama-target.js';
import type { PanosCredentialsConfig } from './options.js';

/** The run's Panorama: the session plus the batch that turns the devices' commits into one commit + push. */
export class PanoramaRun implements Manager {
  readonly name: string;
  readonly panorama: PanoramaManager;
  private readonly pushes = new Map<string, () => PushRequest>();
  private readonly batch: CommitBatch<PushOutcome>;

  constructor(name: string, log: Logger, panorama: PanoramaManager) {
    this.name = name;
    this.panorama = panorama;
    this.batch = new CommitBatch<PushOutcome>((items) => this.flush(items));
  }

  begin(devices: string[]): void {
    this.batch.begin(devices);
  }

  /** A template target says what its push is (template / stack and the firewalls' serials). */
  register(device: string, request: () => PushRequest): void {
    this.pushes.set(device, request);
  }

  commit(device: string, note: string): Promise<PushOutcome> {
    return this.batch.commit(device, note);
  }

  leave(device: string): void {
    this.batch.leave(device);
  }

  private async flush(items: BatchItem[]): Promise<BatchResults<PushOutcome>> {
    const requests = items.map((i) => {
      const r = this.pushes.get(i.device);
      if (!r) throw new DeviceError(`${this.name}: ${i.device} asked for a push but never opened`);
      return r();
    });
    const notes = [...new Set(items.map((i) => i.note.replace(/^fwcert:\s*/, '')).filter(Boolean))];
    const outcomes = await this.panorama.commitAndPush(requests, notes.length ? `fwcert: ${notes.join('; ')}` : 'fwcert');
    return new Map(items.map((i) => [i.device, outcomes.get(i.device) ?? new Error(`${this.name}: no push result for ${i.device}`)]));
  }

  close(): Promise<void> {
    return this.panorama.close();
  }
}

export const panoramaManagerType: ManagerType<PanoramaOptions, PanosCredentialsConfig> = {
  type: 'panorama',
  optionsSchema: panoramaOptionsSchema,
  credentialsSchema: panoramaCredentialsSchema,
  create(ctx, settings) {
    const options = panoramaOptionsSchema.parse(settings.options ?? {});
    const credentials = panoramaCredentialsSchema.parse(settings.credentials);
    const admin = options.commit.admin ?? ('username' in credentials ? credentials.username : undefined);
    if (!admin) {
      throw new ConfigError(
        `manager ${ctx.name}: commit.admin is required with api_key credentials: fwcert commits only that admin's changes on Panorama, so other admins' pending changes are never committed or pushed`,
      );
    }
    const panorama = new PanoramaManager(ctx.name, ctx.log, { url: settings.url, options, credentials, tls: settings.tls, timeoutMs: settings.timeoutMs, admin });
    return new PanoramaRun(ctx.name, ctx.log, panorama);
  },
};

export const panoramaTemplateTargetType: TargetType<TemplateTargetOptions, null> = {
  type: 'panorama-template',
  managed: true,
  optionsSchema: templateTargetOptionsSchema,
  // The Panorama's credentials are the manager's.
  credentialsSchema: null as unknown as TargetType<TemplateTargetOptions, null>['credentialsSchema'],
  bindSchema: templateBindSchema,
  profileLimits: {
    nameMax: { length: PANORAMA_NAME_MAX, why: 'Panorama object names (also the ones it pushes) are limited to 31 characters' },
    noDeviceKeys: 'a key made on a firewall cannot be moved into a Panorama template; use key.generate: local (or auto, which is local here)',
  },
  create(ctx, settings) {
    const run = settings.manager;
    if (!(run instanceof PanoramaRun)) throw new ConfigError(`device ${ctx.name}: a panorama-template device needs a manager of type panorama`);
    const options = templateTargetOptionsSchema.parse(settings.options);
    let target: PanoramaTemplateTarget | undefined = undefined;
    target = new PanoramaTemplateTarget(ctx, run.panorama, options, (device, note) => run.commit(device, note), () => run.leave(ctx.name));
    const t = target;
    run.register(ctx.name, () => ({ device: ctx.name, kind: t.kind, name: t.template, serials: t.serials }));
    return t;
  },
};
