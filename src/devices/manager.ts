// A manager is a central controller that configures many firewalls: Cisco FMC for FTDs, Panorama for
// PAN-OS firewalls. It owns what its devices share in one run: one session (FMC allows one per user),
// one rate limit, and one deployment/push for all of them. Devices under a manager are Targets of a
// `managed` TargetType; the engine builds ONE Manager per manager per run and hands it to each of them.
import type { z } from 'zod';
import type { Logger } from '../core/log.js';
import type { TlsTrust } from '../http/client.js';

export interface Manager {
  readonly name: string;
  /** Called once per run, before any of its devices starts, with the devices that take part. */
  begin?(devices: string[]): void;
  /** Ends the session. Called once at the end of the run, after every device's Target.close(). */
  close(): Promise<void>;
}

export interface ManagerContext {
  name: string;
  log: Logger;
}

export interface ManagerSettings<Options, Credentials> {
  url: string;
  options: Options;
  credentials: Credentials;
  tls: TlsTrust;
  timeoutMs: number;
}

/** A manager type: its config schema and factory. Registered in devices/registry.ts. */
export interface ManagerType<Options = unknown, Credentials = unknown> {
  type: string;
  /** Extra keys of the `managers.<name>` entry besides type/url/credentials/tls/timeout_s (strict zod object). */
  optionsSchema: z.ZodType<Options>;
  credentialsSchema: z.ZodType<Credentials>;
  create(ctx: ManagerContext, settings: ManagerSettings<Options, Credentials>): Manager;
}
