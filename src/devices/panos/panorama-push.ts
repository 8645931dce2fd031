// Commit on Panorama, then push (commit-all) a template or template stack, and read the per-device
// results (reference section 7; pan-os-python PanoramaCommit / PanoramaCommitAll).
//   commit:  <commit><partial><admin><member>ADMIN</member></admin></partial><description/></commit>
//   push:    <commit-all><template-stack><name>S</name><description/>[<admin><member>ADMIN</member></admin>]
//            [<device><member>SERIAL</member>...</device>]</template-stack></commit-all>   (type=commit&action=all)
//   job:     show jobs id N -> <job>... <devices><entry><serial-no/><devicename/><result>OK|FAIL</result>
//            <details><msg><errors><line/>...</errors></msg></details></entry></devices></job>
import { DeviceError } from '../../core/errors.js';
import type { PanosSession } from './api.js';
import { enqueuedJobId, isBusyRefusal, jobDone, parseJob, type JobState } from './commit.js';
import { PanosApiError } from './envelope.js';
import type { TemplateKind } from './panorama-locations.js';
import { allText, asArray, child, el, members, textEl, textOf } from './xml.js';

export interface DevicePushResult {
  serial: string;
  name: string;
  result: string;
  messages: string[];
}

export interface PushJobState extends JobState {
  devices: DevicePushResult[];
}

export function buildPushCmd(kind: TemplateKind, name: string, opts: { description: string; admin?: string; serials?: string[] }): string {
  return el(
    'commit-all',
    el(
      kind,
      textEl('name', name),
      textEl('description', opts.description),
      opts.admin ? el('admin', textEl('member', opts.admin)) : '',
      opts.serials?.length ? el('device', members(opts.serials)) : '',
    ),
  );
}

export function parsePushJob(reply: { result: unknown }): PushJobState | undefined {
  const base = parseJob(reply as Parameters<typeof parseJob>[0]);
  if (!base) return undefined;
  const devices = asArray(child(reply.result, 'job', 'devices', 'entry')).map((e) => ({
    serial: (textOf(child(e, 'serial-no')) ?? textOf(child(e, 'serial')) ?? '').trim(),
    name: (textOf(child(e, 'devicename')) ?? '').trim(),
    result: (textOf(child(e, 'result')) ?? '').trim().toUpperCase(),
    messages: allText(child(e, 'details')).map((s) => s.trim()).filter(Boolean),
  }));
  return { ...base, devices };
}

export interface PollSettings {
  timeoutS: number;
  pollIntervalS: number;
  log: (msg: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

const MAX_BUSY_ATTEMPTS = 8;

/** Sends a commit-kind request, retrying busy refusals (another commit running, locks) with backoff. */
export async function enqueue(s: PanosSession, params: Record<string, string>, what: string, cfg: PollSettings): Promise<{ jobId?: string; messages: string[] }> {
  const sleep = cfg.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      const reply = await s.call(params, { what });
      return { jobId: enqueuedJobId(reply), messages: reply.messages };
    } catch (e) {
      const busy = e instanceof PanosApiError && isBusyRefusal([e.message, ...e.detail]);
      const wait = Math.min(30_000, cfg.pollIntervalS * 1000 * 2 ** attempt);
      if (!busy || attempt >= MAX_BUSY_ATTEMPTS) throw e;
      cfg.log(`Panorama busy (${(e as PanosApiError).detail[0] ?? (e as Error).message}); retrying ${what} in ${Math.round(wait / 1000)} s`);
      await sleep(wait);
    }
  }
}

/** Polls `show jobs id` until the job is done (FIN, or progress 100 with a result). */
export async function waitForJob(s: PanosSession, jobId: string, what: string, cfg: PollSettings): Promise<PushJobState> {
  const sleep = cfg.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = Date.now();
  const deadline = started + cfg.timeoutS * 1000;
  const maxDelay = Math.min(30_000, cfg.pollIntervalS * 15_000);
  let delay = cfg.pollIntervalS * 1000;
  let lastNote = Date.now();
  for (;;) {
    await sleep(Math.max(0, Math.min(delay, deadline - Date.now())));
    const poll = await s.op(el('show', el('jobs', textEl('id', jobId))), {}, { idempotent: true, what: `show job ${jobId}` });
    const job = parsePushJob(poll);
    if (!job) throw new DeviceError(`Panorama: show jobs id ${jobId} returned no job`, poll.messages);
    if (jobDone(job)) return job;
    if (Date.now() >= deadline) {
      throw new DeviceError(`Panorama: ${what} (job ${jobId}) still ${job.status || 'running'} after ${cfg.timeoutS} s; it keeps running on Panorama, check it there`, job.details, true);
    }
    if (Date.now() - lastNote >= 30_000) {
      cfg.log(`Panorama: ${what} (job ${jobId}) ${job.status || 'running'}, ${job.progress ?? '?'}% after ${Math.round((Date.now() - started) / 1000)} s`);
      lastNote = Date.now();
    }
    delay = Math.min(maxDelay, delay * 1.5);
  }
}
