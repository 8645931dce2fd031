// One deployment request for the FTDs fwcert changed on one FMC (§8 + pitfall 13 of the reference):
// GET deployment/deployabledevices for the versions, refuse devices whose pending changes are not ours,
// POST deployment/deploymentrequests once, poll its task, then read each device's own deployment result
// (GET deployment/deployabledevices/{id}/deployments, status SUCCEEDED: FMCAnsible deployment.yml).
import { DeviceError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { CommitResult } from '../target.js';
import type { FmcApi } from './api.js';
import { taskIdOf, waitForTask } from './tasks.js';
import type { DeployableDevice, Deployment, PendingChange, TaskAnswer } from './types.js';

export interface DeployTarget {
  /** fwcert's device entry name (for messages). */
  device: string;
  /** FMC uuid of the device or HA pair. */
  id: string;
  fmcName: string;
  /** Deploy even when someone else's changes are pending too. */
  deployForeign: boolean;
}

export interface DeployOptions {
  pollMs: number;
  timeoutMs: number;
}

/** Per device: the commit result or the reason it was not deployed. */
export type DeployOutcome = Map<string, CommitResult | Error>;

function describe(c: PendingChange): string {
  const e = c.entity;
  return `${e?.type ?? 'object'} ${e?.name ?? e?.id ?? '?'} by ${c.user?.name ?? 'an unknown user'}`;
}

export async function deployDevices(api: FmcApi, targets: DeployTarget[], note: string, opts: DeployOptions, log: Logger): Promise<DeployOutcome> {
  const out: DeployOutcome = new Map();
  if (!targets.length) return out;
  const deadline = Date.now() + opts.timeoutMs;
  // Terraform waits for running deployments first: a device being deployed cannot take another one.
  let deployable: DeployableDevice[];
  for (;;) {
    deployable = await api.all<DeployableDevice>('deployment/deployabledevices');
    const busy = deployable.filter((d) => d.isDeploying && targets.some((t) => t.id === d.device?.id));
    if (!busy.length) break;
    if (Date.now() > deadline) {
      for (const t of targets) out.set(t.device, new DeviceError(`${t.device}: a deployment by someone else is still running on the FMC`, [], true));
      return out;
    }
    await new Promise((r) => setTimeout(r, opts.pollMs));
  }
  const chosen: { t: DeployTarget; version: string }[] = [];
  for (const t of targets) {
    const d = deployable.find((x) => x.device?.id === t.id);
    if (!d) {
      out.set(t.device, { committed: false, messages: ['nothing to deploy'] });
      continue;
    }
    const pending = await api.all<PendingChange>(`deployment/deployabledevices/${encodeURIComponent(t.id)}/pendingchanges`);
    const foreign = pending.filter((c) => c.user?.name !== undefined && c.user.name !== api.username);
    if (foreign.length && !t.deployForeign) {
      out.set(t.device, new DeviceError(
        `${t.device}: not deployed: the FMC holds changes for ${t.fmcName} that are not fwcert's (${foreign.map(describe).join('; ')}); ` +
          'deploy them from the FMC, or set deploy_foreign_changes: true for this device; fwcert retries on the next run',
      ));
      continue;
    }
    if (foreign.length) log.warn(`${t.device}: deploying together with changes that are not fwcert's: ${foreign.map(describe).join('; ')}`);
    chosen.push({ t, version: String(d.version ?? '') });
  }
  if (!chosen.length) return out;
  // Versions are change timestamps; the newest one covers every selected device's changes.
  const version = chosen.map((c) => c.version).sort((a, b) => (BigInt(a || '0') < BigInt(b || '0') ? -1 : 1)).at(-1)!;
  let taskId: string;
  try {
    const answer = await api.call<TaskAnswer>('POST', 'deployment/deploymentrequests', {
      json: { type: 'DeploymentRequest', version, forceDeploy: false, ignoreWarning: true, deviceList: chosen.map((c) => c.t.id), deploymentNote: note.slice(0, 256) },
    });
    taskId = taskIdOf(answer, 'the deployment request', api.fmc);
  } catch (e) {
    for (const c of chosen) out.set(c.t.device, e as Error);
    return out;
  }
  log.info(`${api.fmc}: deployment ${taskId} started for ${chosen.map((c) => c.t.fmcName).join(', ')}`);
  let task;
  try {
    task = await waitForTask(api, taskId, { pollMs: opts.pollMs, timeoutMs: Math.max(1000, deadline - Date.now()), what: 'the deployment' });
  } catch (e) {
    for (const c of chosen) out.set(c.t.device, e as Error);
    return out;
  }
  for (const { t } of chosen) {
    try {
      const runs = await api.all<Deployment>(`deployment/deployabledevices/${encodeURIComponent(t.id)}/deployments`);
      const mine = runs.find((r) => r.jobId === taskId) ?? runs[0];
      const status = String(mine?.status ?? task.status).toUpperCase();
      if (status === 'SUCCEEDED' || status === 'DEPLOYED' || status === 'SUCCESS') out.set(t.device, { committed: true, jobId: taskId });
      else {
        const why = mine?.message ?? mine?.statusMessage ?? task.message ?? status;
        out.set(t.device, new DeviceError(`${t.device}: the FMC deployment ${taskId} to ${t.fmcName} ended ${status}: ${why}; fwcert deploys it again on the next run`, [], true));
      }
    } catch (e) {
      out.set(t.device, new DeviceError(`${t.device}: cannot read the result of deployment ${taskId}: ${errorMessage(e)}`, [], true));
    }
  }
  return out;
}
