// `run --remove-retired`: deletes the certificates fwcert installed for a (profile, device) pair the
// config no longer has, only when asked. An object a device still uses is left in place with a
// warning (rebind it first); one already gone is just marked removed. One commit per device.
// With --dry-run it only reads each device's inventory and reports what it would remove. Drivers that
// create objects for device options (FMC trust anchors) delete those the config dropped (retireOwn).
import type { Config } from '../config/model.js';
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import type { Ledger, CertRecord } from '../ledger/ledger.js';
import { deviceStore, type Targets } from './build.js';
import { commitScope } from './commit-scope.js';
import type { DeviceResult } from './report.js';

/** Ledger records of pairs the config no longer names (still installed or active). */
export function retiredRecords(cfg: Config, ledger: Ledger): CertRecord[] {
  return ledger.inService().filter((r) => !cfg.profiles.some((p) => p.name === r.profile && p.targets.some((t) => t.device === r.device)));
}

export async function removeRetired(cfg: Config, ledger: Ledger, targets: Targets, log: Logger, devices?: string[], dryRun = false): Promise<DeviceResult[]> {
  const byDevice = new Map<string, CertRecord[]>();
  for (const r of retiredRecords(cfg, ledger)) {
    if (!cfg.devices.has(r.device) || (devices?.length && !devices.includes(r.device))) continue;
    byDevice.set(r.device, [...(byDevice.get(r.device) ?? []), r]);
  }
  for (const d of cfg.devices.values()) {
    if (!byDevice.has(d.name) && (!devices?.length || devices.includes(d.name)) && d.type.hasOwnObjects?.(deviceStore(ledger, d.name))) byDevice.set(d.name, []);
  }
  return targets.forEach([...byDevice.keys()], cfg.concurrency, async (target, name) => {
    const res: DeviceResult = { device: name, reachable: false, committed: false, removed: [], warnings: [], items: [] };
    const dlog = log.child({ device: name });
    try {
      await target.open();
      res.reachable = true;
      const inventory = await target.inventory();
      for (const r of byDevice.get(name)!) {
        const obj = inventory.find((c) => c.name === r.objectName);
        if (!obj) {
          if (!dryRun) ledger.markRemoved(r.id);
          continue;
        }
        if (obj.bindings.length) {
          res.warnings.push(`${r.objectName} (no longer managed, profile ${r.profile}) is still used by ${obj.bindings.map((b) => (b.name ? `${b.kind} ${b.name}` : b.kind)).join(', ')}; rebind it first`);
          continue;
        }
        if (dryRun) {
          (res.wouldRemove ??= []).push(r.objectName);
          continue;
        }
        try {
          await target.remove(r.objectName);
          res.removed.push(r.objectName);
          ledger.event('removed', `${r.objectName} (no longer managed)`, r.profile, name);
          dlog.info(`removed ${r.objectName}: profile ${r.profile} no longer targets ${name}`);
        } catch (e) {
          res.warnings.push(`could not remove ${r.objectName}: ${errorMessage(e)}`);
        }
      }
      const certsRemoved = res.removed.length;
      const own = !target.retireOwn ? undefined : await target.retireOwn(dryRun);
      if (own) {
        res.removed.push(...own.removed);
        if (own.wouldRemove.length) (res.wouldRemove ??= []).push(...own.wouldRemove);
        for (const o of own.removed) ledger.event('removed', `${o} (no longer configured)`, undefined, name);
        if (own.problems.length) res.error = own.problems.join('; ');
      }
      if (certsRemoved) {
        const profiles = byDevice.get(name)!.map((r) => cfg.profiles.find((p) => p.name === r.profile)).filter((p) => p !== undefined);
        const cr = await target.commit(`fwcert: remove no longer managed ${res.removed.join(', ')}`, commitScope(target, profiles, ledger));
        res.committed = cr.committed;
        res.commitJob = cr.jobId;
        for (const r of byDevice.get(name)!) if (res.removed.includes(r.objectName)) ledger.markRemoved(r.id);
      }
    } catch (e) {
      res.error = `removing no longer managed certificates: ${errorMessage(e)}`;
      if (res.removed.length) ledger.setNeedsCommit(name, true);
      dlog.error(res.error);
    } finally {
      await target.close().catch(() => undefined);
    }
    return res;
  });
}
