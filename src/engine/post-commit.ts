// `hooks: post_commit:` — commands run per device after a successful commit (the certbot/acme.sh
// deploy-hook convention): environment FWCERT_DEVICE, FWCERT_PROFILES, FWCERT_SERIALS, FWCERT_OBJECTS
// (comma-separated), bounded time, output captured into the run report. A failing hook is a warning.
import type { HookEntry } from '../config/monitoring.js';
import { runCommand } from '../core/command.js';
import type { Logger } from '../core/log.js';
import { redact } from '../core/redact.js';
import type { HookReport, ItemResult } from './report.js';

export async function runPostCommitHooks(hooks: HookEntry[], device: string, done: ItemResult[], log: Logger): Promise<HookReport[]> {
  const out: HookReport[] = [];
  for (const h of hooks.filter((x) => !x.devices || x.devices.includes(device))) {
    const env = {
      FWCERT_DEVICE: device,
      FWCERT_PROFILES: done.map((i) => i.profile).join(','),
      FWCERT_SERIALS: done.map((i) => i.serial ?? '').join(','),
      FWCERT_OBJECTS: done.map((i) => i.objectName ?? '').join(','),
    };
    const r = await runCommand(h.command, h.args, env, h.timeoutMs);
    const rep: HookReport = { command: [h.command, ...h.args].join(' '), exitCode: r.exitCode, output: redact(r.output), ...(r.error ? { error: r.error } : {}) };
    if (r.error) log.warn(`post-commit hook ${rep.command} ${r.error}${rep.output ? `: ${rep.output.slice(-300)}` : ''}`);
    else log.info(`post-commit hook ${rep.command} done`);
    out.push(rep);
  }
  return out;
}
