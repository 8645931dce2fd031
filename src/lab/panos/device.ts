// Everything one emulated firewall holds, shared by the request handlers, plus the guard every
// write passes (HA passive peer, config lock).
import type { ApiKeys } from './auth.js';
import type { KeyVault } from './cert-entry.js';
import type { CommitJobs } from './commit-jobs.js';
import type { ConfigStore } from './config-store.js';
import { ApiError, Code } from './envelope.js';
import type { PanosKnobs } from './knobs.js';

export interface DeviceInfo {
  hostname: string;
  serial: string;
  model: string;
  swVersion: string;
  ipAddress: string;
  bootedAt: Date;
}

export interface Device {
  info: DeviceInfo;
  store: ConfigStore;
  vault: KeyVault;
  knobs: PanosKnobs;
  keys: ApiKeys;
  jobs: CommitJobs;
  counters: Record<string, number>;
  /** Requests by "type sub-operation xpath", so a benchmark can tell inventory reads from the rest. */
  requestsByPath: Record<string, number>;
  /** Unexpected handler failures (answered as code 2), kept for tests and debugging. */
  internalErrors: string[];
}

/** Writes and commits: refused on the passive HA peer with 15 "Operation denied" [D-ERR, reference
 * section 8; message text *(inferred)*], and while another admin holds a config lock. */
export function assertWritable(device: Device, admin: string): void {
  if (device.knobs.haState === 'passive') {
    throw new ApiError(Code.OPERATION_DENIED, ['Operation denied: this device is the passive member of an HA pair; make changes on the active peer']);
  }
  device.jobs.assertConfigWritable(admin);
}
