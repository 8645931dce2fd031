// The objects that this run's (or an earlier uncommitted run's) certificates replaced, removed from the
// device: in the candidate configuration before the one commit, or after it for targets whose deployed
// configuration must stop using an object before it can be deleted (removeAfterCommit).
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import type { RemoveOutcome, Target } from '../devices/target.js';
import type { DeviceResult } from './report.js';
import type { DeviceRunDeps } from './device-run.js';

/** Ledger ids deleted now, and those already gone from the device; both are marked removed once committed. */
export interface Removal {
  removed: number[];
  gone: number[];
}

/**
 * Deletes, in the candidate configuration, the replaced objects, so that the one commit that follows
 * takes them out of service together. Profiles whose item failed in this run keep their old object.
 */
export async function removeReplaced(
  target: Target, present: Set<string>, failedProfiles: Set<string>, deps: DeviceRunDeps, res: DeviceResult, log: Logger,
  opts: { owesCommit: boolean } = { owesCommit: true },
): Promise<Removal> {
  const removed: number[] = [];
  const gone: number[] = [];
  const due: { id: number; objectName: string; profile: string }[] = [];
  for (const r of deps.ledger.replacedObjects(target.name)) {
    if (failedProfiles.has(r.profile)) continue;
    if (!present.has(r.objectName)) gone.push(r.id);
    else due.push(r);
  }
  const outcomes = await removeAll(target, due.map((r) => r.objectName));
  for (const r of due) {
    const o = outcomes.get(r.objectName) ?? { name: r.objectName, result: 'failed', error: new Error('the device gave no answer for it') };
    if (o.result === 'failed') {
      res.warnings.push(`could not remove ${r.objectName}: ${errorMessage(o.error)} (retried next run)`);
      log.warn(`could not remove ${r.objectName}: ${errorMessage(o.error)}`);
      continue;
    }
    // 'gone' (the device had nothing left to delete) counts as removed, as remove() of a missing object
    // does: it was there when the run read the device, so the commit must still carry its absence.
    present.delete(r.objectName);
    if (opts.owesCommit) deps.ledger.setNeedsCommit(target.name, true);
    removed.push(r.id);
    deps.ledger.event('removed', opts.owesCommit ? `${r.objectName} (with the next commit)` : r.objectName, r.profile, target.name);
    res.removed.push(r.objectName);
    log.info(o.result === 'gone' ? `the replaced object ${r.objectName} was already gone` : `removed the replaced object ${r.objectName}`);
  }
  return { removed, gone };
}

/** Every object deleted: in one batch where the target has removeMany(), else one remove() each. */
async function removeAll(target: Target, names: string[]): Promise<Map<string, RemoveOutcome>> {
  let outcomes: RemoveOutcome[];
  if (target.removeMany && names.length > 1) {
    outcomes = await target.removeMany(names).catch((error: unknown) => names.map((name) => ({ name, result: 'failed' as const, error })));
  } else {
    outcomes = [];
    for (const name of names) {
      try {
        await target.remove(name);
        outcomes.push({ name, result: 'removed' });
      } catch (error) {
        outcomes.push({ name, result: 'failed', error });
      }
    }
  }
  return new Map(outcomes.map((o) => [o.name, o]));
}

/** removeAfterCommit targets: the deployed configuration no longer uses the replaced objects, so they
 *  are deleted now, each for good (no commit follows; a failure is retried by the next run). */
export async function removeAfterCommit(
  target: Target, present: Set<string>, failedProfiles: Set<string>, deps: DeviceRunDeps, res: DeviceResult, log: Logger,
): Promise<void> {
  const { removed, gone } = await removeReplaced(target, present, failedProfiles, deps, res, log, { owesCommit: false });
  for (const id of [...removed, ...gone]) deps.ledger.markRemoved(id);
}
