// The Issuer interface: one CA account (Sectigo SCM, ACME, ...). The engine knows only this.
import type { z } from 'zod';
import type { CsrSpec, KeySpec, SubjectSpec } from '../pki/types.js';
import type { Logger } from '../core/log.js';
import type { TlsTrust } from '../http/client.js';
import type { DeviceEnrollment } from '../devices/target.js';

/** A reference to an order/certificate at a CA; stored in the ledger as JSON. Never holds secrets. */
export interface CaRef {
  /** Name of the CA account in fwcert.yaml. */
  ca: string;
  /** The CA's own id (SCM sslId, ACME certificate URL, ...). */
  id: string;
  /** CA-specific extra ids (SCM renewId, ACME order URL, ...). */
  extra?: Record<string, string>;
}

export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation';

export const REVOCATION_REASONS: readonly RevocationReason[] = [
  'unspecified',
  'keyCompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
];

/** The certificate profile as the issuer sees it (already validated). */
export interface IssueProfile {
  name: string;
  subject: SubjectSpec;
  /** All names, CN first when there is one. */
  sans: string[];
  key: KeySpec;
  validation: 'DV' | 'OV' | 'EV';
  /** The profile's CA-specific section, parsed by the issuer's profileOptionsSchema. */
  caOptions: unknown;
}

/** What the engine knows about a request whose answer never arrived. */
export interface LostRequest {
  /** The order the request renewed (renewal by id carries no request tag of its own). */
  previous?: CaRef;
  csrPem: string;
  /** When the request was recorded, just before it was sent. */
  sentAt: Date;
  /** CA ids the ledger already holds for other needs: never the lost request's order. */
  knownIds?: string[];
}

/** What `check` needs to know of a profile. */
export type CheckProfile = Pick<IssueProfile, 'name' | 'caOptions'> & { key?: KeySpec };

export type CollectResult =
  | { state: 'pending'; retryAfterMs: number; detail?: string }
  | { state: 'issued'; leafPem: string; chainPem: string[] /* leaf's issuer first */ };

export interface Issuer {
  readonly name: string;
  readonly capabilities: { keyTypes: KeySpec[]; revoke: boolean; renewById: boolean };
  /** How long one run waits for a pending order before leaving it to the next run (ms). */
  readonly collectWaitMs?: number;
  /** `requestId` is unique per request and stays the same when a request is sent again. */
  submit(req: { csrPem: string; csr: CsrSpec; profile: IssueProfile; previous?: CaRef; requestId?: string }): Promise<CaRef>;
  /** Finds the order an earlier submit with this requestId created, when that call's answer was lost.
   *  `lost` describes that submit: the order it renewed (if any), its CSR and when it was sent. */
  find?(requestId: string, profile: IssueProfile, lost?: LostRequest): Promise<CaRef | undefined>;
  collect(ref: CaRef): Promise<CollectResult>;
  revoke(ref: CaRef, reason: RevocationReason, certPem?: string): Promise<void>;
  status?(ref: CaRef): Promise<'valid' | 'revoked' | 'expired' | 'unknown'>;
  /** Renewal window suggested by the CA (ACME ARI); undefined when the CA has no opinion. */
  suggestedWindow?(certPem: string): Promise<{ start: Date; end: Date } | undefined>;
  /** A CA that devices can enroll at themselves (EST): where and how. Used for targets with enrollOnDevice. */
  deviceEnrollment?(): Promise<DeviceEnrollment>;
  /** Live check for `fwcert check` and before a run orders: what works, as lines; throws with what does not.
   *  With `profiles`, also whether the CA can issue for each (SCM cert_type and term offered ...). */
  check?(profiles?: CheckProfile[]): Promise<string[]>;
  close?(): Promise<void>;
}

/** What the engine hands a CA driver when it builds one. */
export interface IssuerContext {
  name: string;
  log: Logger;
  /** Durable key/value store for the driver (ACME account key ...); values are encrypted at rest when sealed=true. */
  store: { get(key: string): string | undefined; set(key: string, value: string, sealed?: boolean): void };
  /** The config file's folder: relative paths in the CA's options (hook commands) resolve against it. */
  baseDir?: string;
}

/** A CA type: its config schema and factory. Registered in ca/registry.ts. */
export interface IssuerType<Options = unknown, Credentials = unknown> {
  type: string;
  /** Key of the CA-specific section in a certificate profile (e.g. `sectigo:`), if any. */
  profileKey?: string;
  /** Extra keys of the `cas.<name>` entry besides `type` and `credentials` (strict zod object). */
  optionsSchema: z.ZodType<Options>;
  /** Shape of the (possibly encrypted) credentials file; null when the CA type takes none. */
  credentialsSchema: z.ZodType<Credentials> | null;
  profileOptionsSchema?: z.ZodType<unknown>;
  /** `maxInFlight`: cas.<name>.max_in_flight, the orders a run keeps open at once (a driver may size its connections by it). */
  create(ctx: IssuerContext, settings: { options: Options; credentials: Credentials | undefined; tls: TlsTrust; timeoutMs?: number; maxInFlight?: number }): Issuer;
}
