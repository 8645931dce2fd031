// The validated, resolved configuration the engine and CLI work with.
import type { Binding, TargetType } from '../devices/target.js';
import type { ManagerType } from '../devices/manager.js';
import type { IssuerType } from '../ca/issuer.js';
import type { KeySpec, SubjectSpec } from '../pki/types.js';
import type { TlsTrust } from '../http/client.js';
import type { LogLevel } from '../core/log.js';
import type { Monitoring } from './monitoring.js';

export interface RenewalPolicy {
  beforeDays: number;
  beforeFraction: number;
}

export interface ManagerEntry {
  name: string;
  type: ManagerType;
  url: string;
  options: unknown;
  credentials: unknown;
  tls: TlsTrust;
  timeoutMs: number;
}

export interface DeviceEntry {
  name: string;
  type: TargetType;
  /** The device's URL; for a managed device, its manager's URL. */
  url: string;
  /** Managed devices: the `managers:` entry they are reached through. */
  manager?: string;
  options: unknown;
  credentials: unknown;
  tls: TlsTrust;
  timeoutMs: number;
}

export interface CaEntry {
  name: string;
  /** The config file's folder (relative paths in the CA's options). */
  dir?: string;
  type: IssuerType;
  options: unknown;
  credentials: unknown;
  tls: TlsTrust;
  timeoutMs: number;
}

export interface ProfileTarget {
  device: string;
  bindings: Binding[];
}

export interface Profile {
  name: string;
  /** "file:line" where the profile is defined, for messages. */
  where: string;
  ca: string;
  caOptions: unknown;
  validation: 'DV' | 'OV' | 'EV';
  subject: SubjectSpec;
  /** All names: the CN first (when it is a name), then the SANs, no duplicates. */
  names: string[];
  key: KeySpec;
  keyGeneration: 'auto' | 'device' | 'local';
  renewal: RenewalPolicy;
  targets: ProfileTarget[];
}

export interface Config {
  file: string;
  dir: string;
  log: { level: LogLevel; file?: string };
  ledgerPath: string;
  passphrase?: string;
  renewal: RenewalPolicy;
  concurrency: number;
  /** Work not finished this long after a run started is abandoned and reported as failed. */
  maxRunMs: number;
  cas: Map<string, CaEntry>;
  managers: Map<string, ManagerEntry>;
  devices: Map<string, DeviceEntry>;
  profiles: Profile[];
  warnings: string[];
  /** probes:, alerts:, hooks: */
  monitoring: Monitoring;
}
