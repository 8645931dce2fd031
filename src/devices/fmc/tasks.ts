// FMC jobs: POSTs that answer metadata.task.id are polled at GET job/taskstatuses/{id}. PENDING, RUNNING,
// IN_PROGRESS, DEPLOYING and UNKNOWN mean running; FAILED is a failure (terraform-provider-fmc
// internal/provider/utils.go FMCWaitForJobToFinish).
import { DeviceError } from '../../core/errors.js';
import type { FmcApi } from './api.js';
import type { TaskAnswer, TaskStatus } from './types.js';

const RUNNING = new Set(['PENDING', 'RUNNING', 'IN_PROGRESS', 'DEPLOYING', 'UNKNOWN']);

export function taskIdOf(answer: TaskAnswer | undefined, what: string, fmc: string): string {
  const id = answer?.metadata?.task?.id;
  if (!id) throw new DeviceError(`${fmc}: the FMC answered ${what} without metadata.task.id`);
  return id;
}

export async function waitForTask(api: FmcApi, id: string, opts: { pollMs: number; timeoutMs: number; what: string }): Promise<TaskStatus> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const t = await api.call<TaskStatus>('GET', `job/taskstatuses/${encodeURIComponent(id)}`);
    const status = String(t?.status ?? 'UNKNOWN').toUpperCase();
    if (!RUNNING.has(status)) return { ...t!, status };
    if (Date.now() > deadline) throw new DeviceError(`${api.fmc}: ${opts.what} (task ${id}) still ${status} after ${Math.round(opts.timeoutMs / 1000)} s`, [], true);
    await new Promise((r) => setTimeout(r, opts.pollMs));
  }
}
