// A device's one commit (or deploy) for everything the run changed on it. The ledger keeps owing the
// commit until it succeeds; a failed commit leaves the running configuration untouched, so the items
// it carried are reported failed and the next run commits them.
import type { Profile } from '../config/model.js';
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import { commitScope } from './commit-scope.js';
import { failureDetail, type DeviceWork } from './device-item.js';
import { runPostCommitHooks } from './post-commit.js';
import { removeAfterCommit, type Removal } from './replaced.js';
import type { DeviceResult } from './report.js';

export interface CommitInput {
  profiles: Profile[];
  /** Replaced objects deleted in the candidate before the commit. */
  removal: Removal;
  /** Device-level configuration (Target.converge) changed too. */
  convergedChanged: boolean;
  /** Object names on the device after this run's installs and removals. */
  present: Set<string>;
}

export async function commitDevice(work: DeviceWork, input: CommitInput, res: DeviceResult, log: Logger): Promise<void> {
  const { target, deps } = work;
  const { removal } = input;
  const done = res.items.filter((i) => i.outcome === 'done');
  const what = [
    ...done.map((i) => `${i.action} ${i.profile}`), ...(res.removed.length ? [`remove ${res.removed.join(', ')}`] : []),
    ...(input.convergedChanged ? ['device configuration'] : []),
  ];
  const note = `fwcert: ${what.join(', ') || 'complete earlier changes'}`;
  try {
    const cr = await target.commit(note, commitScope(target, input.profiles, deps.ledger));
    res.committed = cr.committed;
    res.commitJob = cr.jobId;
    res.warnings.push(...(cr.warnings ?? []));
    deps.ledger.setNeedsCommit(target.name, false);
    deps.ledger.markCommitted(target.name);
    for (const id of [...removal.removed, ...removal.gone]) deps.ledger.markRemoved(id);
    deps.ledger.event('committed', `${note}${cr.jobId ? ` (job ${cr.jobId})` : ''}`, undefined, target.name);
    log.info(`committed${cr.jobId ? ` (job ${cr.jobId})` : ''}`);
    if (target.capabilities.removeAfterCommit) await removeAfterCommit(target, input.present, work.failedProfiles, deps, res, log);
    if (deps.postCommit?.length && done.length) {
      res.hooks = await runPostCommitHooks(deps.postCommit, target.name, done, log);
      for (const h of res.hooks) if (h.error) res.warnings.push(`post-commit hook ${h.command} ${h.error}`);
    }
  } catch (e) {
    // The candidate keeps the changes (and removals); the ledger still owes the commit.
    deps.ledger.setNeedsCommit(target.name, true);
    res.error = `commit failed: ${errorMessage(e)}`;
    res.detail = failureDetail(e);
    for (const i of done) {
      i.outcome = 'failed';
      i.error = 'installed, but the commit failed; the next run commits it';
    }
    if (res.removed.length) res.warnings.push(`the removal of ${res.removed.join(', ')} is not committed either (the next run commits it)`);
    res.removed = [];
    deps.ledger.event('commit-failed', errorMessage(e), undefined, target.name);
    log.error({ err: e }, res.error);
  }
}
