// What a run did, per device and per certificate: printed as a table or --json, and the exit code.
import type { Action } from './plan.js';

export type Outcome = 'ok' | 'done' | 'planned' | 'pending' | 'failed' | 'skipped';

export interface ItemResult {
  profile: string;
  device: string;
  /** 'unknown' when the device could not be reached, so nothing could be planned. */
  action: Action | 'unknown';
  reason: string;
  outcome: Outcome;
  objectName?: string;
  serial?: string;
  notAfter?: string;
  caId?: string;
  error?: string;
  detail?: string[];
}

/** A `hooks: post_commit:` command run after the device's commit. */
export interface HookReport {
  command: string;
  exitCode: number | null;
  output: string;
  error?: string;
}

export interface DeviceResult {
  device: string;
  reachable: boolean;
  error?: string;
  detail?: string[];
  committed: boolean;
  commitJob?: string;
  removed: string[];
  /** `run --remove-retired --dry-run`: objects of retired pairs that a real run would delete. */
  wouldRemove?: string[];
  /** Leftovers of interrupted or failed attempts (a key + CSR fwcert generated on the device) that were deleted. */
  cleaned?: string[];
  warnings: string[];
  items: ItemResult[];
  /** post_commit hooks run after this device's commit. */
  hooks?: HookReport[];
}

export interface RunReport {
  command: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  devices: DeviceResult[];
}

export function runFailed(r: RunReport): boolean {
  return r.devices.some((d) => !d.reachable || d.error || d.items.some((i) => i.outcome === 'failed'));
}
