// Deployment (reference §5, pitfalls 8-9): nothing is live until a deploy. Skip when pendingchanges is
// empty, POST /operational/deploy, poll the job until it ends; only DEPLOYED is success.
// A web-UI certificate deploy restarts the FDM web server: connections drop, 503s and 401s follow.
// We then keep polling (the session logs in again), find the job in GET /operational/deploy, and never
// start a second deploy while one is queued or running (NetForge's recovery).
import { setTimeout as sleep } from 'node:timers/promises';
import { DeviceError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { CommitResult } from '../target.js';
import { FdmApiError } from './errors.js';
import type { FdmSession } from './session.js';
import type { CliDeploymentError, DeploymentStatus, FdmList } from './types.js';

export interface DeployTiming {
  pollIntervalMs: number;
  timeoutMs: number;
}

const RUNNING = new Set(['QUEUED', 'DEPLOYING']);
const FINAL = new Set(['DEPLOYED', 'DEPLOY_FAILED', 'DEPLOY_TIMEOUT']);
const UNAVAILABLE_STATUS = new Set([401, 408, 502, 503, 504]);

function finished(job: DeploymentStatus): boolean {
  if (RUNNING.has(job.state)) return false;
  return FINAL.has(job.state) || (typeof job.endTime === 'number' && job.endTime !== -1);
}

/** No answer, or an answer that means "the web server is restarting / the token died with it". */
function isDisruption(e: unknown): boolean {
  return e instanceof FdmApiError && (e.transport || UNAVAILABLE_STATUS.has(e.status ?? 0) || (e.status ?? 0) >= 500);
}

/** The human-readable lines of a job: status message, CLI error, per-task messages. */
export function jobMessages(job: DeploymentStatus): string[] {
  const lines = [
    job.statusMessage ?? '',
    job.cliErrorMessage ?? '',
    ...(job.statusMessages ?? []),
    ...(job.deploymentStatusMessages ?? []).map((m) => [m.taskName, m.message].filter(Boolean).join(': ')),
  ].map((l) => l.trim());
  return [...new Set(lines.filter(Boolean))];
}

export class FdmDeployer {
  constructor(
    private readonly session: FdmSession,
    private readonly device: string,
    private readonly log: Logger,
    private readonly timing: DeployTiming,
  ) {}

  async deploy(note: string): Promise<CommitResult> {
    const deadline = Date.now() + this.timing.timeoutMs;
    const pending = await this.pendingChanges();
    if (pending === 0) {
      this.log.info(`${this.device}: no pending changes; nothing to deploy`);
      return { committed: false };
    }
    // FDM's deploy takes no description: the note goes to our log only.
    this.log.info(`${this.device}: deploying ${pending} pending change(s) (${note})`);
    const job = await this.waitFor(await this.start(deadline), deadline);
    const messages = jobMessages(job);
    if (job.state !== 'DEPLOYED') {
      const cli = job.state === 'DEPLOY_FAILED' ? await this.cliErrors(job.id) : [];
      throw new DeviceError(
        `${this.device}: deployment ${job.id} ended in ${job.state}${job.statusMessage ? `: ${job.statusMessage}` : ''}${cli.length ? ` — device says: ${cli[0]}` : ''}`,
        [...new Set([...cli, ...messages])],
        job.state === 'DEPLOY_TIMEOUT',
      );
    }
    this.log.info(`${this.device}: deployment ${job.id} finished: ${job.statusMessage ?? 'DEPLOYED'}`);
    return { committed: true, jobId: job.id, messages };
  }

  /**
   * What the device refused in a failed deployment: GET /operational/deploymenterrors/{id}
   * (getCliDeploymentError of the FDM Swagger specification: `cliErrorMessage` and the refused
   * `cliLines`). The path id being the deployment's id is inferred. Best effort: [] when unavailable.
   */
  private async cliErrors(deploymentId: string): Promise<string[]> {
    try {
      const err = await this.session.call<CliDeploymentError>('GET', `operational/deploymenterrors/${encodeURIComponent(deploymentId)}`);
      const lines = (err?.cliErrorMessage ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
      const cli = (err?.cliLines ?? []).filter((l): l is string => typeof l === 'string' && l.trim() !== '');
      return [...lines, ...(cli.length ? [`refused CLI: ${cli.map((l) => l.trim()).join(' / ')}`] : [])];
    } catch (e) {
      this.log.debug(`${this.device}: no deployment error details for ${deploymentId}: ${(e as Error).message}`);
      return [];
    }
  }

  /** Number of pending changes (the list's total `count` when given, else the first page's length). */
  private async pendingChanges(): Promise<number> {
    const body = await this.session.call<FdmList<unknown>>('GET', 'operational/pendingchanges', { query: { offset: 0, limit: 100 } });
    const count = body?.paging?.count;
    return typeof count === 'number' && count >= 0 ? Math.max(count, body?.items?.length ?? 0) : (body?.items?.length ?? 0);
  }

  private async jobs(): Promise<DeploymentStatus[]> {
    const body = await this.session.call<FdmList<DeploymentStatus>>('GET', 'operational/deploy');
    return body?.items ?? [];
  }

  private async runningJob(): Promise<DeploymentStatus | undefined> {
    return (await this.jobs()).filter((j) => RUNNING.has(j.state)).sort((a, b) => (b.queuedTime ?? 0) - (a.queuedTime ?? 0))[0];
  }

  /**
   * POST the deploy. When the POST gets no clear answer it may still have been accepted, so look for a
   * queued/running job before trying once more. When FDM refuses because a deployment is already running,
   * wait for that one: if it took our changes, it is our result.
   */
  private async start(deadline: number): Promise<DeploymentStatus> {
    for (let attempt = 1; ; attempt++) {
      try {
        const job = await this.session.call<DeploymentStatus>('POST', 'operational/deploy');
        if (!job?.id) throw new DeviceError(`${this.device}: POST /operational/deploy returned no job id`);
        this.log.info(`${this.device}: deployment ${job.id} ${job.state ?? 'QUEUED'}`);
        return job;
      } catch (e) {
        if (attempt >= 2) throw e;
        if (isDisruption(e)) {
          this.log.warn(`${this.device}: no clear answer to the deploy request (${(e as Error).message}); looking for the job`);
          await sleep(this.timing.pollIntervalMs);
          const running = await this.retryWhileUnavailable(() => this.runningJob(), deadline);
          if (running) return running;
          if ((await this.pendingChanges()) === 0) {
            const latest = (await this.jobs()).sort((a, b) => (b.queuedTime ?? 0) - (a.queuedTime ?? 0))[0];
            if (latest) return latest;
          }
          continue;
        }
        if (e instanceof FdmApiError && e.status === 422) {
          const running = await this.runningJob();
          if (!running) throw new DeviceError(`${this.device}: FDM refused to start the deployment: ${e.descriptions.join('; ') || e.message}`, e.descriptions);
          this.log.info(`${this.device}: deployment ${running.id} is already ${running.state}; waiting for it first`);
          const done = await this.waitFor(running, deadline);
          if ((await this.pendingChanges()) === 0) return done;
          continue;
        }
        throw e;
      }
    }
  }

  /** Repeat `fn` through restarts of the FDM web server, until the deadline. */
  private async retryWhileUnavailable<T>(fn: () => Promise<T>, deadline: number): Promise<T> {
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        if (!isDisruption(e) || Date.now() >= deadline) throw e;
        this.log.debug(`${this.device}: FDM API unavailable (${(e as Error).message}); retrying`);
        await sleep(this.timing.pollIntervalMs);
      }
    }
  }

  /** Poll the job until it has ended. After a disruption, find it again in the job list before polling on. */
  private async waitFor(job: DeploymentStatus, deadline: number): Promise<DeploymentStatus> {
    let current = job;
    let lost = false;
    for (;;) {
      if (finished(current)) return current;
      if (Date.now() >= deadline) {
        throw new DeviceError(
          `${this.device}: deployment ${current.id} is still ${current.state} after ${Math.round(this.timing.timeoutMs / 1000)} s (deploy_timeout_s); it keeps running on the device`,
          jobMessages(current),
          true,
        );
      }
      await sleep(this.timing.pollIntervalMs);
      try {
        if (lost) {
          current = await this.relocate(current);
          lost = false;
          continue;
        }
        const fresh = await this.session.call<DeploymentStatus>('GET', `operational/deploy/${encodeURIComponent(current.id)}`);
        if (fresh) current = fresh;
      } catch (e) {
        if (isDisruption(e) || (e instanceof FdmApiError && e.status === 404)) {
          if (!lost) this.log.info(`${this.device}: lost contact with FDM while deployment ${current.id} runs (${(e as Error).message}); the web server may be restarting, waiting`);
          lost = true;
          continue;
        }
        throw e;
      }
    }
  }

  /** After a disruption: the same job if FDM still knows it, else the job that is running now. */
  private async relocate(job: DeploymentStatus): Promise<DeploymentStatus> {
    const jobs = await this.jobs();
    const same = jobs.find((j) => j.id === job.id);
    if (same) return same;
    const running = jobs.filter((j) => RUNNING.has(j.state)).sort((a, b) => (b.queuedTime ?? 0) - (a.queuedTime ?? 0))[0];
    if (running) {
      this.log.info(`${this.device}: deployment ${job.id} is gone from the job list; following running deployment ${running.id}`);
      return running;
    }
    const pending = await this.pendingChanges();
    if (pending === 0) {
      this.log.warn(`${this.device}: deployment ${job.id} is gone from the job list, but no changes are pending; treating it as deployed`);
      return { ...job, state: 'DEPLOYED', statusMessage: 'no pending changes left after the FDM web server restart' };
    }
    throw new DeviceError(`${this.device}: deployment ${job.id} disappeared and ${pending} change(s) are still pending; run again to deploy them`, [], true);
  }
}
