// The Target interface: one device (an FTD through FDM, a PAN-OS firewall, ...). The engine knows only this.
import type { z } from 'zod';
import type { CertInfo, CsrSpec, KeySpec } from '../pki/types.js';
import type { Logger } from '../core/log.js';
import type { TlsTrust } from '../http/client.js';
import type { Manager } from './manager.js';

/** One place where a device uses a certificate. `kind` values are the driver's own (see bindSchema). */
export interface Binding {
  kind: string;
  /** For kinds that name a consumer (an SSL/TLS service profile, a decryption rule ...). */
  name?: string;
}

export interface DeviceCert {
  /** Object name on the device. */
  name: string;
  /** Leaf PEM when the device shows it; the engine parses it into `info` when the driver did not. */
  certPem?: string;
  info?: CertInfo;
  hasKey: boolean;
  /** A key + CSR generated on the device, waiting for its signed certificate. */
  pendingCsr?: boolean;
  /** Where the (candidate) configuration uses this certificate. */
  bindings: Binding[];
  isCa?: boolean;
  /** What else the device says about it, for `status` (e.g. FMC: enrollment type and state). */
  detail?: string;
  /** Held as far as the device's API allows, but a step only an operator can do is still owed (FMC
   *  before 7.7: add the enrollment object to the FTD in the UI). Counts as installed for planning (it is
   *  not ordered again); the run reports the pair as failed with this text until the step is done. */
  owed?: string;
}

/** What install() can tell the engine: the certificate is stored, but an operator's step is owed. */
export interface InstallResult {
  owed?: string;
}

/** What a device needs to enroll itself (so that its key never leaves it): at a CA over EST, or self-signed. */
export type DeviceEnrollment = EstEnrollment | { protocol: 'self-signed' };

/** EST (RFC 7030): the device asks the CA itself. */
export interface EstEnrollment {
  protocol: 'est';
  /** EST base URL, e.g. https://ca.example.com/.well-known/est */
  url: string;
  username: string;
  password: string;
  /** SHA-256 fingerprint (hex) of the CA certificate the device must see at /cacerts. */
  caFingerprint: string;
}

/** What removeMany() did with one object: deleted now, already not there, or refused with this error. */
export type RemoveOutcome = { name: string; result: 'removed' | 'gone' } | { name: string; result: 'failed'; error: unknown };

export interface CommitResult {
  /** false when the device said there was nothing to commit. */
  committed: boolean;
  jobId?: string;
  messages?: string[];
  /** Something the report should show although the commit succeeded (e.g. an HA peer not in sync). */
  warnings?: string[];
}

/** A (profile, device) pair of the configuration with the bindings it asks for. */
export interface ProfileBindings {
  profile: string;
  device: string;
  bindings: Binding[];
}

/** Which configuration objects are fwcert's on this device (its certificate objects, by name). */
export interface CommitScope {
  owns(objectName: string): boolean;
}

/** A device that receives a managed target's configuration (a firewall under a Panorama template). */
export interface Receiver {
  device: string;
  /** The certificate it runs where the binding points, when it could be read. */
  certPem?: string;
  objectName?: string;
  problem?: string;
}

export interface OpenInfo {
  model?: string;
  version?: string;
  haRole?: 'active' | 'standby' | 'standalone';
}

export interface Target {
  readonly name: string;
  readonly capabilities: {
    onDeviceKeygen: boolean;
    keyTypes: KeySpec[];
    maxNameLength: number;
    /** `status` lists every certificate the device holds, also those no profile manages (FMC trustpoints). */
    listsEveryCertificate?: boolean;
    /** Objects a renewal replaced are deleted AFTER the commit, not in the same change: for devices
     *  where deleting is an operation on the live device (an FMC trustpoint) that the device refuses
     *  while its deployed configuration still uses the object. No second commit follows. */
    removeAfterCommit?: boolean;
  };
  /** Login, HA role check: throws a DeviceError on an HA standby/passive unit. */
  open(): Promise<OpenInfo>;
  inventory(): Promise<DeviceCert[]>;
  /** Everything the device holds, CA and trust-store certificates included (isCa), for `status --all`;
   *  drivers whose inventory() already lists them need not implement it. */
  inventoryAll?(): Promise<DeviceCert[]>;
  /** What the device lacks for these bindings (e.g. a named decryption rule that does not exist), as
   *  messages; reads only. Bindings the driver creates when absent are not problems. */
  checkBindings?(bindings: Binding[]): Promise<string[]>;
  /** Device-level configuration the driver keeps from its own device entry, apart from the planner's
   *  certificates (FMC: trust anchors). Once per run (not dry runs) after inventory(), before any
   *  certificate work; `changed` makes the device take part in the run's commit. `problems` fail the
   *  device in the report (exit 1) without stopping its certificate work. */
  converge?(): Promise<{ changed: boolean; problems: string[] }>;
  /** Throws a DeviceError when `name` breaks the device's naming rules (called before any write). */
  validateName(name: string): void;
  generateCsr?(name: string, spec: CsrSpec): Promise<string>;
  /** generateCsr in two steps, for a driver that reads the CSRs of several new keys at once: resolves when
   *  the key is made on the device (the engine gives the device to this step only); csr() gives its request.
   *  A driver that has it also has generateCsr. */
  generateKey?(name: string, spec: CsrSpec): Promise<{ csr(): Promise<string> }>;
  /** The device enrolls `name` itself at the CA (EST): key, request and certificate stay on the device. */
  enrollOnDevice?(name: string, spec: CsrSpec, enrollment: DeviceEnrollment): Promise<{ leafPem: string; chainPem: string[] }>;
  install(name: string, cert: { leafPem: string; chainPem: string[]; keyPem?: string }): Promise<void | InstallResult>;
  /** Points every binding at `name`; returns the certificate names they pointed at before. */
  bind(name: string, bindings: Binding[]): Promise<{ binding: Binding; previous?: string }[]>;
  remove(name: string): Promise<void>;
  /** remove() of several objects in as few calls as the device allows (PAN-OS: one multi-config), for the
   *  objects a run's renewals replaced. One outcome per name, in order; never throws for one object's
   *  failure (that object's outcome says it), so each object is reported and retried on its own. */
  removeMany?(names: string[]): Promise<RemoveOutcome[]>;
  /** Commit/deploy this connector's changes and wait for the job; throws a DeviceError when it fails.
   *  `scope` says which objects are fwcert's, for devices whose commit would also push others' changes. */
  commit(note: string, scope?: CommitScope): Promise<CommitResult>;
  /** After open(): why these bindings cannot be made on this device (e.g. too old a release), or undefined.
   *  Asked before anything is ordered, so a pair that cannot work costs no certificate. */
  unsupportedBindings?(bindings: Binding[]): string | undefined;
  close(): Promise<void>;
  /** `run --remove-retired`, after inventory(): deletes what the driver created for device options or bindings the
   *  config no longer has (FMC trust anchors, known-key internal certificates); `configured` is every (profile, device)
   *  pair the config still has. `problems` are steps it cannot do (the device reports an error); `changed` makes
   *  the device commit. Called before the retired certificates are removed, and inventory() is read again after
   *  it removed something, so that a binding it took away no longer holds a certificate in place. */
  retireOwn?(dryRun: boolean, configured: ProfileBindings[]): Promise<{ removed: string[]; wouldRemove: string[]; problems: string[]; changed?: boolean }>;
  /** Targets that push to several devices (a Panorama template): what each of them runs for the
   * certificate bound as `bindings` (status shows one row per receiving device). Called after
   * close(): it reads through the manager's session, which lives until the command ends. */
  receivers?(cert: { objectName: string; bindings: Binding[] }): Promise<Receiver[]>;
}

/** Reads files a device entry's options name, at load (paths relative to the configuration folder). */
export interface OptionFiles {
  /** The device entry's name. */
  device: string;
  /** The file's text, or undefined after reporting why it cannot be read (at = key path inside the entry). */
  read(path: string, at: (string | number)[], maxBytes: number): string | undefined;
  /** A problem with the option at `at` (reported as file:line, exit 2). */
  problem(at: (string | number)[], message: string): void;
}

export interface TargetContext {
  name: string;
  log: Logger;
  /** The driver's durable key/value store in the ledger (`run`; absent where nothing is written). */
  store?: { get(key: string): string | undefined; set(key: string, value: string, sealed?: boolean): void };
}

/** A device type: its config schema, binding schema and factory. Registered in devices/registry.ts. */
export interface TargetType<Options = unknown, Credentials = unknown> {
  type: string;
  /** A device reached through a manager (FMC, Panorama): its entry names `manager:` instead of a `url:`. */
  managed?: true;
  /** Extra keys of the `devices.<name>` entry besides type/url/credentials/tls (strict zod object). */
  optionsSchema: z.ZodType<Options>;
  credentialsSchema: z.ZodType<Credentials>;
  /** The profile's `targets[].bind` object for this device type -> Binding[]. */
  bindSchema: z.ZodType<Binding[]>;
  /** Checked at load for every profile that targets a device of this type (file:line, exit 2). */
  profileLimits?: {
    /** Longest profile name the device can carry as an object name, and why. */
    nameMax?: { length: number; why: string };
    /** Set when keys cannot be made on the device: why (key.generate: device is refused). */
    noDeviceKeys?: string;
  };
  /** Reads and checks the files the options name (load time, file:line problems); returns the options to use. */
  loadOptionFiles?(options: Options, files: OptionFiles): Options;
  /** Load time: why a profile named `profile` cannot target the device `device` with these options (file:line at the profile's name, exit 2). */
  profileNameProblem?(options: Options, profile: string, device: string): string | undefined;
  /** Managed devices: the tag the driver puts in object names on the manager; two devices of one manager with the same tag are refused at load (exit 2). */
  objectNameTag?(device: string): string;
  /** Binding kinds that hold one object per manager, not per device: a profile may use each on one device per manager (load, exit 2). */
  perManagerBindings?: string[];
  /** Its targets implement retireOwn(): `run --remove-retired` visits a device of this type when this says
   *  (from the device's store) that the driver created objects there. */
  hasOwnObjects?(store: NonNullable<TargetContext['store']>): boolean;
  create(
    ctx: TargetContext,
    settings: {
      /** The device's own URL; for a managed type, its manager's URL. */
      url: string;
      options: Options;
      credentials: Credentials;
      tls: TlsTrust;
      timeoutMs: number;
      /** Managed types only: this run's Manager instance of the device's `manager:` entry. */
      manager?: Manager;
    },
  ): Target;
}
