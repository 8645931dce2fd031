// The objects that this run's (or an earlier uncommitted run's) certificates replaced, removed from the
// device: in the candidate configuration before the one commit, or after it for targets whose deployed
// configuration must stop using an object before it can be deleted (removeAfterCommit).
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import type { Target } from '../devices/target.js';
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
  for (const r of deps.ledger.replacedObjects(target.name)) {
    if (failedProfiles.has(r.profile)) continue;
    if (!present.has(r.objectName)) {
      gone.push(r.id);
      continue;
    }
    try {
      await target.remove(r.objectName);
      if (opts.owesCommit) deps.ledger.setNeedsCommit(target.name, true);
      removed.push(r.id);
      present.delete(r.objectName);
      deps.ledger.event('removed', opts.owesCommit ? `${r.objectName} (with the next commit)` : r.objectName, r.profile, target.name);
      res.removed.push(r.objectName);
      log.info(`removed the replaced object ${r.objectName}`);
    } catch (e) {
      res.warnings.push(`could not remove ${r.objectName}: ${errorMessage(e)} (retried next run)`);
      log.warn(`could not remove ${r.objectName}: ${errorMessage(e)}`);
    }
  }
  return { removed, gone };
}

/** removeAfterCommit targets: the deployed configuration no longer uses the replaced objects, so they
 *  are deleted now, each for good (no commit follows; a failure is retried by the next run). */
export async function removeAfterCommit(
  target: Target, present: Set<string>, failedProfiles: Set<string>, deps: DeviceRunDeps, res: DeviceResult, log: Logger,
): Promise<void> {
  const { removed, gone } = await removeReplaced(target, present, failedProfiles, deps, res, log, { owesCommit: false });
  for (const id of [...removed, ...gone]) deps.ledger.markRemoved(id);
}
