// Deployment jobs (reference §5): POST /operational/deploy queues a job that goes
// QUEUED -> DEPLOYING -> DEPLOYED | DEPLOY_FAILED | DEPLOY_TIMEOUT. Jobs run one at a time; the
// candidate is snapshotted when the job starts deploying and becomes the deployed configuration
// only when it succeeds. Job bodies follow the Postman recordings quoted in the reference.
import { randomUUID } from 'node:crypto';
import type { ConfigStore } from './store.js';

export type DeployState = 'QUEUED' | 'DEPLOYING' | 'DEPLOYED' | 'DEPLOY_FAILED' | 'DEPLOY_TIMEOUT';
export type DeployOutcome = 'success' | 'failure' | 'timeout';

export interface StatusMessage {
  taskName: string;
  timestamp: number;
  message: string;
  properties: Record<string, unknown>;
  taskState: 'STARTED' | 'FINISHED' | 'IN_PROGRESS' | null;
  type: 'deploymentstatusmessage';
}

export interface DeployJob {
  id: string;
  statusMessage: string | null;
  statusMessages: string[] | null;
  modifiedObjects: Record<string, string[]>;
  cliErrorMessage: string | null;
  queuedTime: number;
  startTime: number;
  endTime: number;
  state: DeployState;
  name: string;
  deploymentStatusMessages: StatusMessage[];
}

/**
 * FDM Swagger `CliDeploymentError` (getCliDeploymentError, GET /operational/deploymenterrors/{objId}):
 * the CLI block the device refused during a deployment.
 */
export interface CliDeploymentError {
  deploymentStatusUuid: string;
  cliErrorMessage: string;
  blockType: 'FDM_CLI_DEFAULT' | 'FDM_CLI' | 'SMART_CLI' | 'FLEX_CLI';
  blockUuid: string;
  errorLineId: number;
  negateLine: boolean;
  blockStartLineId: number;
  blockEndLineId: number;
  cliLines: string[];
  id: string;
  type: 'CliDeploymentError';
}

export interface DeployEnv {
  durationMs(): number;
  /** Decides (and consumes the knob for) how the job that starts now will end. */
  nextOutcome(): DeployOutcome;
  snapshotCandidate(): ConfigStore;
  /** Called once a job reached DEPLOYED: the snapshot is now the running configuration. */
  applyDeployed(snapshot: ConfigStore): void;
}

const HIDDEN = { hideFromUi: true };

function task(taskName: string, message: string, taskState: StatusMessage['taskState'], properties: Record<string, unknown> = HIDDEN): StatusMessage {
  return { taskName, timestamp: Date.now(), message, properties, taskState, type: 'deploymentstatusmessage' };
}

export class DeployService {
  private readonly jobs: DeployJob[] = [];
  private readonly errors = new Map<string, CliDeploymentError>();
  private running: DeployJob | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly env: DeployEnv) {}

  /** Queues a deployment and returns the QUEUED job (200 in the recordings). */
  enqueue(username: string): DeployJob {
    const job: DeployJob = {
      id: randomUUID(),
      statusMessage: null,
      statusMessages: null,
      modifiedObjects: {},
      cliErrorMessage: null,
      queuedTime: Date.now(),
      startTime: -1,
      endTime: -1,
      state: 'QUEUED',
      name: `User (${username}) Triggered Deployment`,
      deploymentStatusMessages: [],
    };
    this.jobs.push(job);
    const snapshot = structuredClone(job);
    this.pump();
    return snapshot;
  }

  get(id: string): DeployJob | undefined {
    return this.jobs.find((j) => j.id === id);
  }

  /**
   * The CLI error of a failed deployment. The spec names the path parameter only `objId`; that it is the
   * deployment's id (the error's `deploymentStatusUuid`) is inferred, so the error's own id works too.
   */
  cliError(id: string): CliDeploymentError | undefined {
    return this.errors.get(id) ?? [...this.errors.values()].find((e) => e.id === id);
  }

  /** Oldest first, as in the recorded history. */
  list(): DeployJob[] {
    return [...this.jobs];
  }

  /** DELETE /operational/deploy/{id}: only finished jobs leave the history. */
  remove(id: string): 'deleted' | 'unknown' | 'active' {
    const i = this.jobs.findIndex((j) => j.id === id);
    if (i < 0) return 'unknown';
    const state = this.jobs[i]!.state;
    if (state === 'QUEUED' || state === 'DEPLOYING') return 'active';
    this.jobs.splice(i, 1);
    return 'deleted';
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, Math.max(0, ms));
    this.timers.add(t);
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const next = this.jobs.find((j) => j.state === 'QUEUED');
    if (!next) return;
    this.running = next;
    const total = this.env.durationMs();
    // A fifth of the time queued, the rest deploying (the sandbox took ~1.6 s of 99 s queued).
    const queuedFor = Math.floor(total / 5);
    this.later(queuedFor, () => this.startDeploying(next, total - queuedFor));
  }

  private startDeploying(job: DeployJob, remainingMs: number): void {
    const outcome = this.env.nextOutcome();
    const snapshot = this.env.snapshotCandidate();
    job.state = 'DEPLOYING';
    job.startTime = Date.now();
    job.deploymentStatusMessages.push(
      task('PendingChangesTask', 'Task begin', 'STARTED'),
      task('PendingChangesTask', 'Task complete in 1ms', 'FINISHED'),
      task('ChangeStateToDeployingTask', 'Task begin', 'STARTED'),
      task('ChangeStateToDeployingTask', 'Task complete in 1ms', 'FINISHED'),
      task('ConfigDispatcherDeploymentTask', 'Task begin', 'STARTED'),
      task('ConfigDispatcherDeploymentTask', 'CD currently executing  PREPARE ', 'IN_PROGRESS'),
    );
    this.later(remainingMs, () => this.finish(job, outcome, snapshot));
  }

  private finish(job: DeployJob, outcome: DeployOutcome, snapshot: ConfigStore): void {
    job.endTime = Date.now();
    if (outcome === 'success') {
      job.deploymentStatusMessages.push(
        task('ConfigDispatcherDeploymentTask', 'CD currently executing LINA_APPLY', 'IN_PROGRESS'),
        task('ConfigDispatcherDeploymentTask', 'CD currently executing  FINALIZE ', 'IN_PROGRESS'),
        task('', 'Deployed successfully', null, {}),
        task('ConfigDispatcherDeploymentTask', `Task complete in ${job.endTime - job.startTime}ms`, 'FINISHED'),
        task('ChangeStateToDeployedTask', 'Task begin', 'STARTED'),
        task('ChangeStateToDeployedTask', 'Task complete in 1ms', 'FINISHED'),
      );
      job.state = 'DEPLOYED';
      job.statusMessage = 'Deployed successfully';
      job.statusMessages = ['Deployed successfully'];
      job.modifiedObjects = { 'All objects': [''] };
      this.env.applyDeployed(snapshot);
    } else if (outcome === 'failure') {
      // No recorded failure body exists: the fields are the spec's, the wording is inferred.
      const msg = 'Deployment failed: the device rejected the configuration (lab: failNextDeploy)';
      job.deploymentStatusMessages.push(
        task('ConfigDispatcherDeploymentTask', 'CD currently executing LINA_APPLY', 'IN_PROGRESS'),
        task('', msg, null, {}),
        task('ConfigDispatcherDeploymentTask', `Task failed in ${job.endTime - job.startTime}ms`, 'FINISHED'),
      );
      job.state = 'DEPLOY_FAILED';
      job.statusMessage = msg;
      job.statusMessages = [msg];
      job.cliErrorMessage = 'ERROR: configuration could not be applied (lab fault injection)';
      // Lines in the spec example's style ("WARNING: ...", "ERROR: ..."); the wording is the lab's.
      this.errors.set(job.id, {
        deploymentStatusUuid: job.id,
        cliErrorMessage: 'ERROR: Failed to apply the certificate configuration\nERROR: crypto ca trustpoint: the certificate could not be imported (lab: failNextDeploy)',
        blockType: 'FDM_CLI',
        blockUuid: randomUUID(),
        errorLineId: 2,
        negateLine: false,
        blockStartLineId: 1,
        blockEndLineId: 3,
        cliLines: ['crypto ca trustpoint fwcert-lab', ' enrollment terminal', ' keypair fwcert-lab'],
        id: randomUUID(),
        type: 'CliDeploymentError',
      });
    } else {
      const msg = 'Deployment timed out (lab: deployTimeout)';
      job.deploymentStatusMessages.push(task('', msg, null, {}));
      job.state = 'DEPLOY_TIMEOUT';
      job.statusMessage = msg;
      job.statusMessages = [msg];
    }
    this.running = null;
    this.pump();
  }
}
