// Fleet expiry view: what each device holds for each profile, joined with the ledger, with days
// left marked against the warn/critical thresholds. Falls back to the ledger for unreachable devices.
import type { Config } from '../config/model.js';
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import { Ledger } from '../ledger/ledger.js';
import { Targets } from './build.js';
import { profileCerts, withInfo, type ParsedCert } from './inventory.js';
import { pickCurrent } from './plan.js';
import { daysLeft } from './policy.js';
import { fmcManagers } from '../sftunnel/options.js';
import { sftunnelStatusRows } from '../sftunnel/status-rows.js';

export type Level = 'ok' | 'warn' | 'critical' | 'expired' | 'missing';

export interface StatusRow {
  device: string;
  profile: string;
  level: Level;
  source: 'device' | 'ledger';
  objectName?: string;
  serial?: string;
  notAfter?: string;
  daysLeft?: number;
  issuer?: string;
  ca?: string;
  caId?: string;
  bindings?: string[];
  pendingOrder?: string;
  note?: string;
  /** A certificate on the device that no profile manages (listed for devices that list everything). */
  unmanaged?: true;
}

export interface StatusReport {
  at: string;
  warnDays: number;
  criticalDays: number;
  rows: StatusRow[];
  unreachable: { device: string; error: string }[];
}

export function levelOf(days: number, warnDays: number, criticalDays: number): Level {
  if (days < 0) return 'expired';
  if (days < criticalDays) return 'critical';
  if (days < warnDays) return 'warn';
  return 'ok';
}

export async function fleetStatus(
  cfg: Config,
  opts: { warnDays: number; criticalDays: number; log: Logger; now?: Date; ledgerOnly?: boolean },
): Promise<StatusReport> {
  const now = opts.now ?? new Date();
  const ledger = new Ledger(cfg.ledgerPath, cfg.passphrase);
  const rows: StatusRow[] = [];
  const unreachable: StatusReport['unreachable'] = [];
  const targets = new Targets(cfg, opts.log);
  try {
    const devices = [...cfg.devices.values()].filter((d) => cfg.profiles.some((p) => p.targets.some((t) => t.device === d.name)));
    await targets.forEach(devices.map((d) => d.name), cfg.concurrency, async (target, name) => {
      const dev = cfg.devices.get(name)!;
      const profiles = cfg.profiles.filter((p) => p.targets.some((t) => t.device === dev.name));
      let inventory: ParsedCert[] | undefined;
      const maxLen = target.capabilities.maxNameLength;
      if (!opts.ledgerOnly) {
        try {
          await target.open();
          inventory = withInfo(await target.inventory());
        } catch (e) {
          unreachable.push({ device: dev.name, error: errorMessage(e) });
        } finally {
          await target.close().catch(() => undefined);
        }
      }
      for (const p of profiles) {
        const record = ledger.current(p.name, dev.name);
        const order = ledger.order(p.name, dev.name);
        const base = { device: dev.name, profile: p.name, ca: p.ca, pendingOrder: order ? `${order.ca} ${order.caRef.id || '(answer lost; looked up next run)'}` : undefined };
        if (inventory) {
          const certs = profileCerts(inventory, p.name, maxLen, record);
          const cur = pickCurrent({ profile: p, device: dev.name, certs, record });
          if (!cur?.info) {
            rows.push({ ...base, level: 'missing', source: 'device', note: 'no certificate on the device' });
            continue;
          }
          const d = daysLeft(cur.info.notAfter, now);
          rows.push({
            ...base, level: levelOf(d, opts.warnDays, opts.criticalDays), source: 'device', objectName: cur.name, serial: cur.info.serial,
            notAfter: cur.info.notAfter.toISOString(), daysLeft: d, issuer: cur.info.issuerCn,
            caId: record?.serial === cur.info.serial ? record.caRef?.id : undefined,
            bindings: cur.bindings.map((b) => (b.name ? `${b.kind}:${b.name}` : b.kind)),
          });
        } else if (record) {
          const d = daysLeft(new Date(record.notAfter), now);
          rows.push({
            ...base, level: levelOf(d, opts.warnDays, opts.criticalDays), source: 'ledger', objectName: record.objectName, serial: record.serial,
            notAfter: record.notAfter, daysLeft: d, caId: record.caRef?.id, note: opts.ledgerOnly ? undefined : 'device unreachable; from the ledger',
          });
        } else {
          rows.push({ ...base, level: 'missing', source: 'ledger', note: opts.ledgerOnly ? 'not in the ledger' : 'device unreachable; not in the ledger' });
        }
      }
      if (inventory && target.capabilities.listsEveryCertificate) {
        const claimed = new Set(profiles.flatMap((p) => profileCerts(inventory!, p.name, maxLen, ledger.current(p.name, dev.name)).map((c) => c.name)));
        for (const c of inventory.filter((x) => !claimed.has(x.name))) {
          const d = c.info ? daysLeft(c.info.notAfter, now) : undefined;
          rows.push({
            device: dev.name, profile: '-', unmanaged: true, source: 'device', objectName: c.name,
            level: d === undefined ? 'missing' : levelOf(d, opts.warnDays, opts.criticalDays),
            serial: c.info?.serial, notAfter: c.info?.notAfter.toISOString(), daysLeft: d, issuer: c.info?.issuerCn,
            bindings: c.bindings.map((b) => (b.name ? `${b.kind}:${b.name}` : b.kind)),
            note: [c.isCa ? 'CA certificate' : '', c.detail ?? '', 'not managed by fwcert'].filter(Boolean).join('; '),
          });
        }
      }
    });
  } finally {
    await targets.close();
    ledger.close();
  }
  if (!opts.ledgerOnly) {
    // FMC internal CA (sftunnel): read from the sftunnel handshake, no credentials (src/sftunnel/).
    const s = await sftunnelStatusRows(fmcManagers(cfg), { warnDays: opts.warnDays, criticalDays: opts.criticalDays, now });
    rows.push(...s.rows);
    unreachable.push(...s.unreachable);
  }
  rows.sort((a, b) => (a.daysLeft ?? -1e9) - (b.daysLeft ?? -1e9) || a.device.localeCompare(b.device) || a.profile.localeCompare(b.profile));
  return { at: now.toISOString(), warnDays: opts.warnDays, criticalDays: opts.criticalDays, rows, unreachable };
}
