// A configuration that manages nothing (no profile, or no profile with a target) would let a cron job
// "succeed" every night while renewing nothing: run, enroll, renew, status and check all refuse it
// with exit 2. The one exception is `run --remove-retired`, so that an admin who removed the last
// profile can still delete what fwcert installed before (see retire.ts).
import { existsSync, statSync } from 'node:fs';
import type { Config } from '../config/model.js';
import { ConfigError } from '../core/errors.js';
import { Ledger } from '../ledger/ledger.js';
import { retiredRecords } from './retire.js';

/** Why the config manages nothing, or undefined when some profile has a target. */
export function managesNothing(cfg: Config): string | undefined {
  if (cfg.profiles.some((p) => p.targets.length > 0)) return undefined;
  return cfg.profiles.length === 0
    ? `${cfg.file}: this configuration manages nothing: it defines no certificate profile (add profiles: or profiles_dir: with at least one profile)`
    : `${cfg.file}: this configuration manages nothing: no profile has a target device`;
}

/** How many certificates fwcert installed for pairs the config no longer has, on devices it still
 *  configures (only these can be removed). Reads an existing ledger; never creates one. */
export function retiredOnConfiguredDevices(cfg: Config, devices?: string[]): number {
  if (!existsSync(cfg.ledgerPath) || statSync(cfg.ledgerPath).size === 0) return 0;
  const ledger = new Ledger(cfg.ledgerPath, cfg.passphrase);
  try {
    return retiredRecords(cfg, ledger).filter((r) => cfg.devices.has(r.device) && (!devices?.length || devices.includes(r.device))).length;
  } finally {
    ledger.close();
  }
}

/** Throws the exit-2 error when the config manages nothing, with a hint when there is something to retire. */
export function assertManagesSomething(cfg: Config): void {
  const why = managesNothing(cfg);
  if (!why) return;
  const retired = retiredOnConfiguredDevices(cfg);
  const hint = retired
    ? `\n${retired} certificate(s) fwcert installed earlier are still on configured devices: \`fwcert run --remove-retired\` deletes those no binding uses`
    : '';
  throw new ConfigError(`${why}${hint}`);
}
