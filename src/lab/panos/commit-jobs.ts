// Commits, the job queue and commit/config locks (reference section 7). A commit is enqueued as a
// job (PEND -> ACT -> FIN, result PEND -> OK|FAIL, progress 0..100, details lines) and takes
// commitDurationMs; the running config changes only when the job finishes OK. An admin-scoped
// partial commit copies only that admin's candidate changes.
import { validateForCommit } from './commit-validation.js';
import { panosTime, type ConfigStore } from './config-store.js';
import { ApiError, Code } from './envelope.js';
import type { PanosKnobs } from './knobs.js';
import { el, escapeText, leaf, serialize, type XNode } from './xml-tree.js';

export type JobStatus = 'PEND' | 'ACT' | 'FIN';
export type JobResult = 'PEND' | 'OK' | 'FAIL';

export interface Job {
  id: number;
  type: 'Commit' | 'Validate' | 'AutoCom';
  user: string;
  description: string;
  /** Admins whose changes the commit covers; undefined = everything. */
  admins?: string[];
  tenq: Date;
  tdeq?: Date;
  tfin?: Date;
  status: JobStatus;
  result: JobResult;
  details: string[];
  warnings: string[];
  timer?: NodeJS.Timeout;
}

export interface CommitRequest {
  user: string;
  description: string;
  admins?: string[];
  force: boolean;
}

interface Lock {
  comment: string;
  created: Date;
}

export class CommitJobs {
  private readonly jobs: Job[] = [];
  private nextId = 1;
  readonly commitLocks = new Map<string, Lock>();
  readonly configLocks = new Map<string, Lock>();
  private closed = false;

  constructor(
    private readonly store: ConfigStore,
    private readonly knobs: () => PanosKnobs,
    /** The other admin that the lock knobs name when they are `true`. */
    private readonly otherAdmin: string,
    private readonly onCommitted: () => void,
    /** What a commit checks (a Panorama checks each template's own tree instead). */
    private readonly validate_: (config: XNode) => string[] = validateForCommit,
  ) {
    // A booted firewall has its auto-commit job 1 behind it, so the first API commit is job 2.
    const boot = new Date();
    this.jobs.push({
      id: this.nextId++,
      type: 'AutoCom',
      user: '',
      description: '',
      tenq: boot,
      tdeq: boot,
      tfin: boot,
      status: 'FIN',
      result: 'OK',
      details: ['Configuration committed successfully'],
      warnings: [],
    });
  }

  // ---- locks ----------------------------------------------------------------------------------

  private holder(knob: boolean | string, locks: Map<string, Lock>, user: string): string | undefined {
    const fromKnob = knob === true ? this.otherAdmin : typeof knob === 'string' && knob !== '' ? knob : undefined;
    if (fromKnob && fromKnob !== user) return fromKnob;
    for (const admin of locks.keys()) if (admin !== user) return admin;
    return undefined;
  }

  /** Config writes by `user` while another admin holds a config lock are refused. */
  assertConfigWritable(user: string): void {
    const h = this.holder(this.knobs().configLocked, this.configLocks, user);
    if (h) throw new ApiError(Code.OPERATION_NOT_POSSIBLE, [`Config for scope shared is currently locked by ${h}`]);
  }

  addLock(kind: 'commit' | 'config', user: string, comment: string): string {
    const locks = kind === 'commit' ? this.commitLocks : this.configLocks;
    const h = this.holder(kind === 'commit' ? this.knobs().commitLocked : this.knobs().configLocked, locks, user);
    if (h) throw new ApiError(Code.OPERATION_NOT_POSSIBLE, [kind === 'commit' ? `Commit lock is already held by ${h}` : `Config for scope shared is currently locked by ${h}`]);
    if (locks.has(user)) {
      if (kind === 'config') throw new ApiError(Code.OPERATION_NOT_POSSIBLE, ['You already own a config lock for scope shared']);
      throw new ApiError(Code.OPERATION_NOT_POSSIBLE, [`Commit lock is already held by ${user}`]);
    }
    locks.set(user, { comment, created: new Date() });
    return kind === 'commit' ? 'Successfully acquired commit lock' : 'Successfully acquired lock';
  }

  removeLock(kind: 'commit' | 'config', user: string, admin?: string): string {
    const locks = kind === 'commit' ? this.commitLocks : this.configLocks;
    const who = admin ?? user;
    if (!locks.delete(who)) throw new ApiError(Code.OPERATION_NOT_POSSIBLE, [`${kind === 'commit' ? 'Commit' : 'Config'} lock is not currently held by ${who}`]);
    return kind === 'commit' ? 'Successfully removed commit lock' : 'Successfully released lock';
  }

  locksXml(kind: 'commit' | 'config'): string {
    const locks = kind === 'commit' ? this.commitLocks : this.configLocks;
    const knob = kind === 'commit' ? this.knobs().commitLocked : this.knobs().configLocked;
    const entries = [...locks.entries()].map(([admin, l]) => ({ admin, ...l }));
    const knobHolder = knob === true ? this.otherAdmin : typeof knob === 'string' && knob !== '' ? knob : undefined;
    if (knobHolder && !locks.has(knobHolder)) entries.push({ admin: knobHolder, comment: '', created: new Date() });
    const tag = kind === 'commit' ? 'commit-locks' : 'config-locks';
    const body = entries
      .map((e) => serialize(el('entry', { name: e.admin }, [leaf('created', panosTime(e.created)), leaf('comment', e.comment), leaf('type', 'shared')])))
      .join('');
    return `<${tag}>${body}</${tag}>`;
  }

  // ---- commits --------------------------------------------------------------------------------

  private active(): Job | undefined {
    return this.jobs.find((j) => j.status === 'ACT');
  }

  /** Enqueues a commit; undefined when the scope has nothing to commit. */
  commit(req: CommitRequest): Job | undefined {
    const h = this.holder(this.knobs().commitLocked, this.commitLocks, req.user);
    if (h) throw new ApiError(Code.OPERATION_NOT_POSSIBLE, [`Commit lock is already held by ${h}`]);
    const busy = this.jobs.some((j) => j.status !== 'FIN' && (j.type === 'Commit' || j.type === 'Validate'));
    if (busy && this.knobs().commitConcurrency === 'busy') {
      // Wording classified as "busy" by pan-os-python [PANOS classify_exception]; code *(inferred)*.
      throw new ApiError(Code.OPERATION_NOT_POSSIBLE, ['Another commit/validate is in progress. Please try again later']);
    }
    const hasChanges = req.admins ? this.store.pending(req.admins).length > 0 : this.store.hasPendingChanges();
    if (!hasChanges && !req.force) return undefined;
    return this.enqueue('Commit', req.user, req.description, req.admins);
  }

  /** A job id from the same sequence (Panorama's commit-all jobs share it with commits). */
  reserveId(): number {
    return this.nextId++;
  }

  validate(user: string): Job {
    return this.enqueue('Validate', user, '', undefined);
  }

  private enqueue(type: Job['type'], user: string, description: string, admins: string[] | undefined): Job {
    const job: Job = {
      id: this.nextId++,
      type,
      user,
      description,
      ...(admins ? { admins } : {}),
      tenq: new Date(),
      status: 'PEND',
      result: 'PEND',
      details: [],
      warnings: [],
    };
    this.jobs.push(job);
    this.startNext();
    return job;
  }

  private startNext(): void {
    if (this.closed || this.active()) return;
    const job = this.jobs.find((j) => j.status === 'PEND');
    if (!job) return;
    job.status = 'ACT';
    job.tdeq = new Date();
    // The commit takes the candidate as it is when the job starts.
    const next = job.type === 'Commit' ? this.store.buildRunning(job.admins) : this.store.buildRunning();
    this.scheduleFinish(job, next);
  }

  /** A job runs until commitDurationMs has passed since it started; the knob is read live, so a
   * test can hold a job ACT with a long duration and release it by lowering the knob. */
  private duration(): number {
    return Math.max(0, this.knobs().commitDurationMs);
  }

  private scheduleFinish(job: Job, next: XNode): void {
    const remaining = job.tdeq!.getTime() + this.duration() - Date.now();
    if (remaining <= 0) {
      job.timer = setTimeout(() => this.finish(job, next), 0);
      return;
    }
    job.timer = setTimeout(() => this.scheduleFinish(job, next), Math.min(remaining, 50));
  }

  private failureLines(): string[] | undefined {
    const k = this.knobs();
    const f = k.failNextCommit;
    if (f === false || f === 0 || (Array.isArray(f) && f.length === 0)) return undefined;
    if (Array.isArray(f)) {
      k.failNextCommit = false;
      return f;
    }
    k.failNextCommit = typeof f === 'number' && f > 1 ? f - 1 : false;
    return ['Validation Error:', ' commit failed by the lab knob failNextCommit', 'Commit failed'];
  }

  private finish(job: Job, next: XNode): void {
    delete job.timer;
    const problems = this.validate_(next);
    const injected = job.type === 'Commit' ? this.failureLines() : undefined;
    job.status = 'FIN';
    job.tfin = new Date();
    if (problems.length) {
      job.result = 'FAIL';
      job.details = [...problems, job.type === 'Commit' ? 'Commit failed' : 'Validation failed'];
    } else if (injected) {
      job.result = 'FAIL';
      job.details = injected;
    } else {
      job.result = 'OK';
      if (job.type === 'Commit') {
        this.store.applyCommit(next);
        job.details = ['Configuration committed successfully'];
        this.onCommitted();
      } else job.details = ['Configuration is valid'];
    }
    this.startNext();
  }

  // ---- show jobs ------------------------------------------------------------------------------

  get(id: number): Job | undefined {
    return this.jobs.find((j) => j.id === id);
  }

  all(): Job[] {
    return [...this.jobs];
  }

  progress(job: Job): number {
    if (job.status === 'FIN') return 100;
    if (job.status === 'PEND' || !job.tdeq) return 0;
    const d = this.duration();
    if (d === 0) return 99;
    return Math.min(99, Math.floor(((Date.now() - job.tdeq.getTime()) / d) * 100));
  }

  /** `<job>` as `show jobs id N` prints it [PUP spec, PANOS _parse_job_results]. */
  jobXml(job: Job): string {
    const time = (d: Date | undefined) => (d ? panosTime(d).slice(11) : '');
    const queuedAhead = job.status === 'PEND' ? this.jobs.filter((j) => j.status !== 'FIN' && j.id < job.id).length : 0;
    const parts = [
      leaf('tenq', panosTime(job.tenq)),
      leaf('tdeq', job.tdeq ? time(job.tdeq) : '00:00:00'),
      leaf('id', String(job.id)),
      leaf('user', job.user),
      leaf('type', job.type),
      leaf('status', job.status),
      leaf('queued', job.status === 'PEND' ? 'YES' : 'NO'),
      leaf('stoppable', job.status === 'FIN' ? 'no' : 'yes'),
      leaf('result', job.result),
      leaf('tfin', job.status === 'FIN' ? time(job.tfin) : 'Still Active'),
      leaf('description', job.description),
      leaf('positionInQ', String(queuedAhead)),
      leaf('progress', String(this.progress(job))),
      el('details', {}, job.details.map((l) => leaf('line', l))),
      el('warnings', {}, job.warnings.map((w) => leaf('line', w))),
    ];
    return serialize(el('job', {}, parts));
  }

  enqueuedXml(job: Job): string {
    return `<msg><line>${escapeText(`${job.type === 'Validate' ? 'Validate' : 'Commit'} job enqueued with jobid ${job.id}`)}</line></msg><job>${job.id}</job>`;
  }

  summary(): Array<Record<string, unknown>> {
    return this.jobs.map((j) => ({
      id: j.id,
      type: j.type,
      user: j.user,
      status: j.status,
      result: j.result,
      progress: this.progress(j),
      admins: j.admins ?? null,
      description: j.description,
      details: j.details,
    }));
  }

  close(): void {
    this.closed = true;
    for (const j of this.jobs) if (j.timer) clearTimeout(j.timer);
  }
}
