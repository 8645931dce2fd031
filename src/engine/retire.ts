// `run --remove-retired`: deletes the certificates fwcert installed for a (profile, device) pair the
// config no longer has, only when asked. An object a device still uses is left in place with a
// warning (rebind it first); one already gone is just marked removed. One commit per device.
// With --dry-run it only reads each device's inventory and reports what it would remove. Drivers that
// create objects for device options or bindings (FMC trust anchors, known-key internal certificates) delete
// those the config dropped (retireOwn), first.
import type { Config } from '../config/model.js';
import type { Logger } from '../core/log.js';
import type { ProfileBindings } from '../devices/target.js';
import { errorMessage } from '../core/errors.js';
import type { Ledger, CertRecord } from '../ledger/ledger.js';
import { deviceStore, type Targets } from './build.js';
import { commitScope } from './commit-scope.js';
import type { DeviceResult } from './report.js';

/** Ledger records of pairs the config no longer names (still installed or active). */
export function retiredRecords(cfg: Config, ledger: Ledger): CertRecord[] {
  return ledger.inService().filter((r) => !cfg.profiles.some((p) => p.name === r.profile && p.targets.some((t) => t.device === r.device)));
}

/** Every (profile, device) pair the config has, with its bindings (for the drivers' retireOwn). */
function configuredPairs(cfg: Config): ProfileBindings[] {
  return cfg.profiles.flatMap((p) => p.targets.map((t) => ({ profile: p.name, device: t.device, bindings: t.bindings })));
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
      let inventory = await target.inventory();
      // The driver's own objects first: taking a known-key object out of its rule frees the retired certificate too.
      const own = !target.retireOwn ? undefined : await target.retireOwn(dryRun, configuredPairs(cfg));
      if (own) {
        res.removed.push(...own.removed);
        if (own.wouldRemove.length) (res.wouldRemove ??= []).push(...own.wouldRemove);
        for (const o of own.removed) ledger.event('removed', `${o}, no longer configured`, undefined, name);
        if (own.problems.length) res.error = own.problems.join('; ');
        if (own.removed.length || own.wouldRemove.length) inventory = await target.inventory();
      }
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
      const certsRemoved = res.removed.length - (own?.removed.length ?? 0);
      if (certsRemoved || own?.changed) {
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
