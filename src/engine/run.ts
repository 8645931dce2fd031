// A whole run: every selected device through its pipeline, in parallel (bounded), one report.
import type { Issuer } from '../ca/issuer.js';
import type { Config, Profile } from '../config/model.js';
import type { Logger } from '../core/log.js';
import { UsageError } from '../core/errors.js';
import { Ledger } from '../ledger/ledger.js';
import { buildIssuer, Targets } from './build.js';
import { runDevice, type Mode } from './device-run.js';
import { Limit } from '../core/limit.js';
import { assertManagesSomething, managesNothing, retiredOnConfiguredDevices } from './manages-nothing.js';
import { CaPreflight } from './preflight.js';
import { removeRetired } from './retire.js';
import { RunLock } from './lock.js';
import { RunDeadline } from './run-deadline.js';
import type { RunReport } from './report.js';

export interface RunOptions {
  command: Mode;
  profiles?: string[];
  devices?: string[];
  dryRun?: boolean;
  force?: boolean;
  /** Also delete certificates of pairs the config no longer has (status: "no longer managed"). */
  removeRetired?: boolean;
  concurrency?: number;
  now?: Date;
  log: Logger;
}

/** Checks --profile/--device names against the config (exit 2 on a typo, before anything happens).
 *  `retiredOnly`: the config manages nothing, and the run only removes retired certificates. */
export function selectProfiles(cfg: Config, profiles?: string[], devices?: string[], retiredOnly = false): Profile[] {
  if (!retiredOnly) assertManagesSomething(cfg);
  const unknownP = (profiles ?? []).filter((n) => !cfg.profiles.some((p) => p.name === n));
  if (unknownP.length) throw new UsageError(`unknown profile ${unknownP.join(', ')} (defined: ${cfg.profiles.map((p) => p.name).join(', ') || 'none'})`);
  const unknownD = (devices ?? []).filter((n) => !cfg.devices.has(n));
  if (unknownD.length) throw new UsageError(`unknown device ${unknownD.join(', ')} (defined: ${[...cfg.devices.keys()].join(', ') || 'none'})`);
  return cfg.profiles
    .filter((p) => !profiles?.length || profiles.includes(p.name))
    .map((p) => ({ ...p, targets: p.targets.filter((t) => !devices?.length || devices.includes(t.device)) }))
    .filter((p) => p.targets.length > 0);
}

export async function runEngine(cfg: Config, opts: RunOptions): Promise<RunReport> {
  const startedAt = new Date();
  // With no profile left, `--remove-retired` may still delete what fwcert installed before.
  const retiredOnly = !!opts.removeRetired && managesNothing(cfg) !== undefined && retiredOnConfiguredDevices(cfg, opts.devices) > 0;
  const selected = selectProfiles(cfg, opts.profiles, opts.devices, retiredOnly);
  const lock = opts.dryRun ? undefined : RunLock.acquire(`${cfg.ledgerPath}.lock`);
  const ledger = new Ledger(cfg.ledgerPath, cfg.passphrase);
  const issuers = new Map<string, Issuer>();
  const targets = new Targets(cfg, opts.log, ledger);
  const deadline = new RunDeadline(cfg.maxRunMs);
  try {
    const caLimits = new Map<string, Limit>();
    for (const caName of new Set(selected.map((p) => p.ca))) {
      issuers.set(caName, buildIssuer(cfg.cas.get(caName)!, opts.log, ledger));
      caLimits.set(caName, new Limit(cfg.cas.get(caName)!.maxInFlight));
    }
    const byDevice = new Map<string, Profile[]>();
    for (const p of selected) for (const t of p.targets) byDevice.set(t.device, [...(byDevice.get(t.device) ?? []), p]);
    const jobs = [...byDevice.entries()];
    const preflight = new CaPreflight(issuers);
    opts.log.info(`${opts.dryRun ? 'planning' : opts.command} ${selected.length} profile(s) on ${jobs.length} device(s)`);
    const devices = await targets.forEach(jobs.map(([name]) => name), opts.concurrency ?? cfg.concurrency, (target, name) =>
      deadline.race(name, byDevice.get(name)!, () =>
        runDevice(target, byDevice.get(name)!, {
          ledger, issuers, caLimits, log: opts.log, now: opts.now ?? new Date(), mode: opts.command, force: !!opts.force, dryRun: !!opts.dryRun, preflight,
          postCommit: cfg.monitoring.hooks.postCommit,
        }),
      ),
    );
    if (opts.removeRetired) devices.push(...(await removeRetired(cfg, ledger, targets, opts.log, opts.devices, !!opts.dryRun)));
    return { command: opts.command, dryRun: !!opts.dryRun, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), devices };
  } finally {
    // After max_run_s, work left behind may hold connections open: do not wait for them to close.
    const closing = Promise.all([targets.close(), ...[...issuers.values()].map((i) => i.close?.().catch(() => undefined))]);
    if (!deadline.passed) await closing;
    deadline.dispose();
    ledger.close();
    lock?.release();
  }
}
