// Builds drivers (Issuer, Target, Manager) from validated config entries.
import type { Issuer } from '../ca/issuer.js';
import type { CaEntry, Config, DeviceEntry } from '../config/model.js';
import type { Logger } from '../core/log.js';
import type { Manager } from '../devices/manager.js';
import type { Target, TargetContext } from '../devices/target.js';
import type { Ledger } from '../ledger/ledger.js';
import { mapBounded } from './pool.js';

export function buildIssuer(entry: CaEntry, log: Logger, ledger: Ledger): Issuer {
  return entry.type.create(
    { name: entry.name, log: log.child({ ca: entry.name }), store: ledger.store(`ca:${entry.name}`), baseDir: entry.dir },
    { options: entry.options, credentials: entry.credentials, tls: entry.tls, timeoutMs: entry.timeoutMs, maxInFlight: entry.maxInFlight },
  );
}

/** A device driver's key/value store in the ledger. */
export function deviceStore(ledger: Ledger, device: string): NonNullable<TargetContext['store']> {
  return ledger.store(`device:${device}`);
}

export function buildTarget(entry: DeviceEntry, log: Logger, manager?: Manager, ledger?: Ledger): Target {
  return entry.type.create(
    { name: entry.name, log: log.child({ device: entry.name }), ...(ledger ? { store: deviceStore(ledger, entry.name) } : {}) },
    { url: entry.url, options: entry.options, credentials: entry.credentials, tls: entry.tls, timeoutMs: entry.timeoutMs, manager },
  );
}

/**
 * The targets of one command (run, status, check): builds each device's Target, and ONE Manager per
 * manager the devices use (one session, one rate limit, one deployment for all of its devices).
 */
export class Targets {
  private readonly managers = new Map<string, Manager>();

  constructor(
    private readonly cfg: Pick<Config, 'devices' | 'managers'>,
    private readonly log: Logger,
    /** Gives each target its store in the ledger (run). */
    private readonly ledger?: Ledger,
  ) {}

  /** Devices grouped the way they must run: each standalone device alone, each manager's devices together. */
  groups(devices: string[]): { manager?: string; devices: string[] }[] {
    const out: { manager?: string; devices: string[] }[] = [];
    const byManager = new Map<string, string[]>();
    for (const d of devices) {
      const m = this.cfg.devices.get(d)?.manager;
      if (m === undefined) out.push({ devices: [d] });
      else if (byManager.has(m)) byManager.get(m)!.push(d);
      else {
        const list = [d];
        byManager.set(m, list);
        out.push({ manager: m, devices: list });
      }
    }
    return out;
  }

  /** The run's Manager of `name`, told which devices take part (once). */
  manager(name: string, devices: string[]): Manager {
    let m = this.managers.get(name);
    if (!m) {
      const entry = this.cfg.managers.get(name);
      if (!entry) throw new Error(`manager ${name} is not configured`);
      m = entry.type.create(
        { name, log: this.log.child({ manager: name }) },
        { url: entry.url, options: entry.options, credentials: entry.credentials, tls: entry.tls, timeoutMs: entry.timeoutMs },
      );
      this.managers.set(name, m);
      m.begin?.(devices);
    }
    return m;
  }

  target(device: string): Target {
    const entry = this.cfg.devices.get(device);
    if (!entry) throw new Error(`device ${device} is not configured`);
    const manager = entry.manager === undefined ? undefined : this.manager(entry.manager, [device]);
    return buildTarget(entry, this.log, manager, this.ledger);
  }

  /** Runs fn for every device: standalone devices bounded by `limit`; a manager's devices together, as one slot. */
  async forEach<R>(devices: string[], limit: number, fn: (target: Target, device: string) => Promise<R>): Promise<R[]> {
    const groups = this.groups(devices);
    const results = new Map<string, R>();
    await mapBounded(groups, limit, async (g) => {
      if (g.manager !== undefined) this.manager(g.manager, g.devices);
      await Promise.all(g.devices.map(async (d) => results.set(d, await fn(this.target(d), d))));
    });
    return devices.map((d) => results.get(d)!);
  }

  async close(): Promise<void> {
    for (const m of this.managers.values()) await m.close().catch(() => undefined);
    this.managers.clear();
  }
}
