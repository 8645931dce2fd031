// One device, start to end: observe, plan, then every certificate that needs one ordered at once
// (CSR -> CA), each installed + bound as soon as it is issued, the objects they replaced removed, and
// ONE commit for all of it. Commits/deploys are atomic: the running configuration goes from "old
// bound" to "new bound, old gone" in one step, and a failed commit leaves it untouched.
import type { Issuer } from '../ca/issuer.js';
import type { Profile } from '../config/model.js';
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import { Limit } from '../core/limit.js';
import type { Target } from '../devices/target.js';
import type { Ledger } from '../ledger/ledger.js';
import type { HookEntry } from '../config/monitoring.js';
import { withInfo, type ParsedCert } from './inventory.js';
import { removeLeftovers } from './leftovers.js';
import { startLocalKeys } from './keys-ahead.js';
import { keyOnDevice } from './obtain.js';
import type { CaPreflight } from './preflight.js';
import type { DeviceResult } from './report.js';
import { observeDevice } from './device-observe.js';
import { failureDetail, MODE_ACTIONS, resultOf, settleItem, startChecks, type DeviceWork } from './device-item.js';
import { removeAfterCommit, removeReplaced } from './replaced.js';
import { commitDevice } from './device-commit.js';

export type Mode = 'run' | 'enroll' | 'renew';

export interface DeviceRunDeps {
  ledger: Ledger;
  issuers: Map<string, Issuer>;
  log: Logger;
  now: Date;
  mode: Mode;
  force: boolean;
  dryRun: boolean;
  /** Per CA: its orders in flight, shared by every device of the run (cas.<name>.max_in_flight). */
  caLimits?: Map<string, Limit>;
  /** Checks before ordering (CA can issue it, device can use it); a pair that fails them is skipped. */
  preflight?: CaPreflight;
  /** hooks: post_commit: commands for after a successful commit. */
  postCommit?: HookEntry[];
}

export async function runDevice(target: Target, profiles: Profile[], deps: DeviceRunDeps): Promise<DeviceResult> {
  const log = deps.log.child({ device: target.name });
  const res: DeviceResult = { device: target.name, reachable: false, committed: false, removed: [], warnings: [], items: [] };
  let inventory: ParsedCert[];
  let localKeys = new Map<string, Promise<string>>();
  try {
    await target.open();
    // Local keys the ledger says will be needed are made (off the event loop) while the inventory is read.
    if (!deps.dryRun) localKeys = startLocalKeys(profiles.filter((p) => !safeKeyOnDevice(p, target)), target.name, deps, log);
    inventory = withInfo(await target.inventory(), log);
    res.reachable = true;
  } catch (e) {
    res.error = errorMessage(e);
    res.detail = failureDetail(e);
    log.error({ err: e }, `cannot reach ${target.name}`);
    res.items = profiles.map((p) => ({
      profile: p.name, device: target.name, action: 'unknown' as const, reason: 'device unreachable', outcome: 'failed' as const, error: res.error,
    }));
    await target.close().catch(() => undefined);
    return res;
  }
  try {
    if (!deps.dryRun) {
      const { cleaned, warnings } = await removeLeftovers(target, profiles, inventory, deps.ledger, log);
      res.warnings.push(...warnings);
      if (cleaned.length) {
        res.cleaned = cleaned;
        inventory = inventory.filter((c) => !cleaned.includes(c.name));
      }
    }
    const items = await observeDevice(target, profiles, deps, inventory, log);
    if (deps.dryRun) {
      res.items = items.map((it) => resultOf(it, it.action === 'ok' ? 'ok' : MODE_ACTIONS[deps.mode].includes(it.action) ? 'planned' : 'skipped'));
      return res;
    }
    // Device-level configuration outside the planner (FMC trust anchors), before the certificates.
    const converged = target.converge
      ? await target.converge().catch((e: unknown) => ({ changed: false, problems: [errorMessage(e)] }))
      : { changed: false, problems: [] };
    for (const p of converged.problems) log.error(p);
    if (converged.problems.length) res.error = converged.problems.join('; ');
    const work: DeviceWork = {
      target, deps, taken: new Set(inventory.map((c) => c.name)), lock: new Limit(1), localKeys, failedProfiles: new Set(),
      checks: startChecks(items, target, deps),
    };
    // Every item at once: CA orders overlap, device calls take turns (work.lock).
    const outcomes = await Promise.all(items.map((item) => settleItem(item, work, log)));
    res.items = outcomes.map((o) => o.result);
    // A failed item keeps the object it would have replaced.
    for (const o of outcomes) if (o.result.outcome === 'failed') work.failedProfiles.add(o.result.profile);
    let changed = converged.changed || outcomes.some((o) => o.changed);
    const present = new Set(inventory.map((c) => c.name));
    for (const o of outcomes) if (o.result.outcome === 'done' && o.result.objectName) present.add(o.result.objectName);
    const afterCommit = !!target.capabilities.removeAfterCommit;
    const removal = afterCommit ? { removed: [], gone: [] } : await removeReplaced(target, present, work.failedProfiles, deps, res, log);
    changed ||= res.removed.length > 0;
    if (!changed && !deps.ledger.needsCommit(target.name)) {
      for (const id of removal.gone) deps.ledger.markRemoved(id);
      if (afterCommit) await removeAfterCommit(target, present, work.failedProfiles, deps, res, log);
      return res;
    }
    await commitDevice(work, { profiles, removal, convergedChanged: converged.changed, present }, res, log);
    return res;
  } finally {
    await target.close().catch(() => undefined);
  }
}

/** keyOnDevice() without its error: a profile that cannot have its key on the device just gets none early. */
function safeKeyOnDevice(p: Profile, target: Target): boolean {
  try {
    return keyOnDevice(p, target);
  } catch {
    return true;
  }
}
