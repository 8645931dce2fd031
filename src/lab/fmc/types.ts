// Shapes of the FMC emulator: options, knobs and the records it keeps. Section numbers (§n) refer to
// the FMC part of the project's Cisco FDM/FMC API reference (§7 auth/limits, §8 certificates/deploy).
import type { EmulatorHandle } from '../emulator.js';

export type { EmulatorHandle };

/** Software versions the lab can play; the certificate install API exists from 7.7 (§8). */
export type FmcVersion = '7.2' | '7.4' | '7.7';

export interface FmcKnobs {
  latencyMs: number;
  version: FmcVersion;
  /** Requests per user per sliding minute before 429 (§7: 120/min). */
  rateLimitPerMin: number;
  /** The next N API calls answer 429 whatever the rate (a "429 storm"). */
  storm429: number;
  /** Seconds sent in Retry-After with 429s; null sends none (FMC documents none; fmcapi sleeps 30 s). */
  retryAfterS: number | null;
  tokenTtlS: number;
  /** Ages every live token past its lifetime now (applied, then reset to false). */
  expireTokensNow: boolean;
  /** After this many more API calls, someone else logs in with the same user (kills the session). */
  foreignLoginAfterCalls: number | null;
  /** How long a managecertificates / deployment task stays running. */
  taskDurationMs: number;
  /** Device (or HA pair) names whose next deployment fails, with how many times. */
  failDeployFor: Record<string, number>;
  /** The next N managecertificates tasks end FAILED. */
  failNextCertTask: number;
  /** The next N EST / self-signed enrollments finish on the device, but the FMC shows the identity
   *  certificate InProgress until a REFRESH (seed 003: "Sometimes, a manual refresh might be required"). */
  identityNeedsRefresh: number;
  /** Names of devices on which "another admin" makes a pending change right now (applied, then cleared). */
  foreignChangeOn: string[];
  /** PUT object/internalcertificates/{id} answers 200 but keeps the old certificate (see decryption.ts). */
  internalCertPutKeepsCert: boolean;
  /** How GET answers an internal certificate object's cert: as uploaded (PEM), or as a PKCS#7 (see decryption.ts). */
  internalCertAnswerForm: 'pem' | 'pkcs7';
}

export interface FmcUser {
  username: string;
  password: string;
}

export interface StartFmcOptions {
  name: string;
  users: FmcUser[];
  /** Standalone FTDs; each gets a data-plane ravpn port. */
  ftds: string[];
  /** HA pairs: pair name with its two units; one ravpn port per pair (the active unit answers). */
  haPairs?: { name: string; primary: string; secondary: string }[];
  /** Clusters: cluster name with its control unit and data units; one ravpn port per cluster. */
  clusters?: { name: string; control: string; data: string[] }[];
  /** PEM of CA certificates an FTD trusts when it talks to an EST server (besides the fingerprint). */
  knobs?: Partial<FmcKnobs>;
  port?: number;
}

export interface Ref {
  id: string;
  name: string;
  type: string;
}

export interface Domain {
  uuid: string;
  name: string;
}

/** A managed FTD or an HA pair: what certificates are enrolled on and what is deployed to. */
export interface Managed {
  ref: Ref;
  /** Units of an HA pair or a cluster (control unit first), for the device records list. */
  units?: Ref[];
  /**
   * A cluster's own id (deviceclusters/ftddevicecluster, policy assignment targets). Its certificates and
   * deployments go to the control unit's id, which is ref.id (see model.ts: inferred).
   */
  clusterId?: string;
  domain: string;
  model: string;
  swVersion: string;
  trustpoints: Map<string, Trustpoint>;
  /** Pending (undeployed) changes: who changed what. */
  pending: PendingChange[];
  /** The configuration version the device runs, and what it deployed. */
  deployed: { ravpnCertEnrollmentId?: string; at: number; knownKeySerials?: string[] };
  deployments: Deployment[];
}

export interface Trustpoint {
  id: string;
  /** Always the enrollment object's name (seed 003: "a trustpoint ... with the same name"). */
  name: string;
  enrollmentId: string;
  enrollmentType: string;
  status: 'IN_PROGRESS' | 'AVAILABLE' | 'FAILED';
  identityPem?: string;
  keyPem?: string;
  caPems: string[];
  message?: string;
  /** What the device enrolled but the FMC has not synchronized yet (identityNeedsRefresh). */
  held?: { identityPem?: string; keyPem?: string; caPems: string[] };
}

export interface PendingChange {
  entity: Ref;
  user: string;
  at: number;
}

export interface Deployment {
  id: string;
  jobId: string;
  status: 'DEPLOYING' | 'SUCCEEDED' | 'FAILED';
  deploymentNote: string;
  startTime: number;
  endTime?: number;
  message?: string;
}

export interface Task {
  id: string;
  taskType: 'DEVICE_CERTIFICATE' | 'DEPLOYMENT';
  status: 'PENDING' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'DEPLOYING' | 'DEPLOYED';
  message: string;
  subTasks: { target: string; status: string; message: string }[];
}
