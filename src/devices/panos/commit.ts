// Admin-scoped commit and job polling (reference section 7). The commit is always partial and scoped
// to fwcert's own admin: a full commit would also commit other admins' half-finished changes
// (acme.sh #4197). Busy/lock refusals are retried with backoff; the job is polled until FIN.
import { DeviceError } from '../../core/errors.js';
import type { CommitResult } from '../target.js';
import type { PanosSession } from './api.js';
import { PanosApiError, type PanosReply } from './envelope.js';
import { allText, child, el, textEl, textOf } from './xml.js';

/**
 * `<commit><description>NOTE</description><partial><admin><member>ADMIN</member></admin></partial></commit>`:
 * the description first, where pan-os-python's FirewallCommit.element() puts it (before `<partial>`).
 */
export function buildCommitCmd(admin: string, description: string): string {
  return el('commit', textEl('description', description), el('partial', el('admin', textEl('member', admin))));
}

export interface JobState {
  id: string;
  /** ACT | PEND | FIN (FAIL on some releases) */
  status: string;
  /** PEND | OK | FAIL */
  result: string;
  progress?: number;
  details: string[];
  warnings: string[];
}

/** `show jobs id N` reply -> job fields. */
export function parseJob(reply: Pick<PanosReply, 'result'>): JobState | undefined {
  const job = child(reply.result, 'job');
  if (job === undefined) return undefined;
  const j = Array.isArray(job) ? job[0] : job;
  const text = (k: string) => (textOf(child(j, k)) ?? '').trim();
  const progressText = text('progress');
  return {
    id: text('id'),
    status: text('status').toUpperCase(),
    result: text('result').toUpperCase(),
    progress: /^\d+$/.test(progressText) ? Number(progressText) : undefined,
    details: allText(child(j, 'details')).map((s) => s.trim()).filter(Boolean),
    warnings: allText(child(j, 'warnings')).map((s) => s.trim()).filter(Boolean),
  };
}

/** Finished = status FIN (pan-python) or progress 100 with a final result (pango). */
export function jobDone(j: JobState): boolean {
  if (j.status === 'FIN' || j.status === 'FAIL') return true;
  return j.progress === 100 && (j.result === 'OK' || j.result === 'FAIL');
}

/** Job id from the enqueue reply: `<result><job>2</job>` or the "enqueued with jobid 2" line. */
export function enqueuedJobId(reply: PanosReply): string | undefined {
  const job = textOf(child(reply.result, 'job'))?.trim();
  if (job) return job;
  for (const line of reply.messages) {
    const m = /jobid\s+(\d+)/i.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

export function noChangesToCommit(reply: Pick<PanosReply, 'messages'>): boolean {
  return reply.messages.some((m) => /no changes to commit/i.test(m));
}

// Refusals that go away by themselves: another commit/validate/install running, a commit or config
// lock held by someone else, an HA sync in progress (pan-os-python classify_exception).
const BUSY = [
  /another commit\/validate is in progress/i,
  /a commit is in progress/i,
  /commit is in progress/i,
  /while an install is in progress/i,
  /commit lock is already held/i,
  /configuration is locked by/i,
  /is currently locked/i,
  /another sync is in progress/i,
  /failed to synchronize running configuration with ha peer/i,
];

export function isBusyRefusal(messages: readonly string[]): boolean {
  return messages.some((m) => BUSY.some((re) => re.test(m)));
}

export interface CommitSettings {
  admin: string;
  description: string;
  timeoutS: number;
  pollIntervalS: number;
  log: (msg: string) => void;
  /** Injected for tests of the schedule; real sleeps otherwise. */
  sleep?: (ms: number) => Promise<void>;
}

const MAX_BUSY_ATTEMPTS = 8;

export async function commitAndWait(s: PanosSession, name: string, cfg: CommitSettings): Promise<CommitResult> {
  const sleep = cfg.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = Date.now();
  const deadline = started + cfg.timeoutS * 1000;
  const maxDelay = Math.min(30_000, cfg.pollIntervalS * 15_000);
  const cmd = buildCommitCmd(cfg.admin, cfg.description);

  let reply: PanosReply | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      // `action=partial` as acme.sh and Keyfactor send it with admin-scoped commits.
      reply = await s.call({ type: 'commit', action: 'partial', cmd }, { what: `commit (changes of ${cfg.admin})` });
      break;
    } catch (e) {
      const busy = e instanceof PanosApiError && isBusyRefusal([e.message, ...e.detail]);
      const wait = Math.min(maxDelay, cfg.pollIntervalS * 1000 * 2 ** attempt);
      if (!busy || attempt >= MAX_BUSY_ATTEMPTS || Date.now() + wait > deadline) throw e;
      cfg.log(`${name}: device busy (${(e as PanosApiError).detail[0] ?? e.message}); retrying the commit in ${Math.round(wait / 1000)} s`);
      await sleep(wait);
    }
  }

  if (noChangesToCommit(reply)) return { committed: false, messages: reply.messages };
  const jobId = enqueuedJobId(reply);
  if (!jobId) throw new DeviceError(`${name}: commit was accepted but the reply names no job`, reply.messages);
  cfg.log(`${name}: commit job ${jobId} enqueued`);

  let delay = cfg.pollIntervalS * 1000;
  let lastProgress = Date.now();
  for (;;) {
    await sleep(delay);
    const poll = await s.op(el('show', el('jobs', textEl('id', jobId))), {}, { idempotent: true, what: `show job ${jobId}` });
    const job = parseJob(poll);
    if (!job) throw new DeviceError(`${name}: show jobs id ${jobId} returned no job`, poll.messages);
    if (jobDone(job)) {
      if (job.result === 'OK') return { committed: true, jobId, messages: [...job.details, ...job.warnings] };
      throw new DeviceError(`${name}: commit job ${jobId} failed (result ${job.result || job.status})${job.details[0] ? `: ${job.details[0]}` : ''}`, job.details);
    }
    if (Date.now() + delay > deadline) {
      throw new DeviceError(
        `${name}: commit job ${jobId} still ${job.status || 'running'} (${job.progress ?? '?'}%) after ${cfg.timeoutS} s; it keeps running on the device, check it there`,
        job.details,
        true,
      );
    }
    // Large configurations commit for many minutes: say so now and then, so nobody thinks it hangs.
    if (Date.now() - lastProgress >= 30_000) {
      cfg.log(`${name}: commit job ${jobId} ${job.status || 'running'}, ${job.progress ?? '?'}% after ${Math.round((Date.now() - started) / 1000)} s`);
      lastProgress = Date.now();
    }
    delay = Math.min(maxDelay, delay * 1.5);
  }
}

