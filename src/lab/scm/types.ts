// Shapes of the SCM emulator: its options, knobs, handle and the certificate records it keeps.
import type { CsrInfo } from '../../pki/types.js';
import type { LabCa } from '../ca.js';
import type { EmulatorHandle } from '../emulator.js';

export type { EmulatorHandle };

export interface ScmUser {
  login: string;
  /** Password login on /api/...; absent = this user can only log in with a client certificate. */
  password?: string;
  /** SHA-256 of the client certificate ("AB:CD:..." or plain hex) for /private/api/... logins. */
  clientCertFingerprint?: string;
}

/** A certificate profile as GET /types lists it. */
export interface ScmCertType {
  id: number;
  name: string;
  description?: string;
  terms: number[];
  /** e.g. { RSA: ['2048','4096'], EC: ['P-256'] }; a missing family is not allowed for this profile. */
  keyTypes: { RSA?: string[]; EC?: string[] };
  /** false = renewById/renew answer -180. Default true. */
  allowRenew?: boolean;
  /** Shown as `validationType` in details. Default "Organization Validation (OV)". */
  validationType?: string;
  /** Organizations (or departments) that may order this profile; absent = every organization. */
  orgIds?: number[];
}

export interface ScmCustomField {
  id: number;
  name: string;
  mandatory: boolean;
}

/** One injected failure: the next `count` calls of an operation answer this instead. */
export interface FaultSpec {
  status?: number;
  code?: number;
  description?: string;
  count?: number;
  /** Destroy the connection instead of answering (a TCP reset as the client sees it). */
  reset?: boolean;
  /** Carry the request out, then destroy the connection: the answer is lost on the way back
   *  (the case where a client cannot know whether its enrollment happened). */
  dropAnswer?: boolean;
}

export interface ScmKnobs {
  /** Delay before every API answer (not /__lab). */
  latencyMs: number;
  /** How many collect calls answer "pending" before a certificate is issued (per certificate). */
  pendingPolls: number;
  /** Error code of the pending answer: 0 "Being processed by Sectigo" (SSL, default), -183 (S/MIME), -1400, -109, -103. */
  pendingCode: number;
  /**
   * The tenant's domain control pre-validation. false = enroll and renew must carry `dcvMode`
   * (and `dcvEmail` for EMAIL), else 400 -7 "dcvMode is required but missing." ([DOC] enroll table:
   * "required if DCV pre-validation disabled"; the code and text are inferred from the -7 template).
   */
  domainPreValidation: boolean;
  /** New enrollments wait in status Requested until POST /approve/{sslId}. */
  requireApproval: boolean;
  /** Statuses from which renewById / renew are accepted (others: -105). Uncertain in the reference. */
  renewableStatuses: string[];
  /**
   * WWW-Authenticate header of every 401. [OAS] declares the header on its UnauthorizedError answer,
   * naming the token server; the `Bearer authorization_uri="..."` layout follows the REST
   * enrollment API's description [ENR] (inferred for the header-login API).
   */
  wwwAuthenticate: string;
  /** Keyed by operation (enroll, collect, renew, renewById, revoke, details, list, replace, ...). */
  failNext: Record<string, FaultSpec | undefined>;
}

export interface ScmEmulatorOptions {
  port?: number;
  host?: '127.0.0.1';
  tls?: { certPem: string; keyPem: string };
  ca: LabCa;
  customerUri: string;
  users: ScmUser[];
  orgIds?: number[];
  certTypes?: ScmCertType[];
  customFields?: ScmCustomField[];
  knobs?: Partial<ScmKnobs>;
}

export interface ScmEmulatorHandle extends EmulatorHandle {
  /** `${url}/api/ssl/v1` — what a config's `url` option points at. */
  baseUrl: string;
  /** `${url}/private/api/ssl/v1` — the client-certificate login variant. */
  privateBaseUrl: string;
  ca: LabCa;
}

export type ScmStatus =
  | 'Requested'
  | 'Approved'
  | 'Declined'
  | 'Applied'
  | 'Issued'
  | 'Revoked'
  | 'Expired'
  | 'Replaced';

/** What the emulated CA knows about one sslId. */
export interface CertRecord {
  sslId: number;
  renewId: string;
  orderNumber: number;
  orgId: number;
  certTypeId: number;
  term: number;
  csrPem: string;
  csr: CsrInfo;
  /** keyType as details show it: "RSA - 2048", "EC - P-256". */
  keyLabel: string;
  commonName: string;
  /** The enroll request's subjAltNames, as listed (the CN may or may not be among them). */
  subjAltNames: string[];
  comments: string;
  externalRequester: string;
  customFields: { name: string; value: string }[];
  requester: string;
  /** Stored status; Issued turns into Expired on read once notAfter has passed. */
  status: ScmStatus;
  /** Collect calls that still answer "pending" before issuance. */
  pendingLeft: number;
  requested: Date;
  approved?: Date;
  declined?: Date;
  issued?: Date;
  revoked?: Date;
  replaced?: Date;
  renewedDate?: Date;
  reasonCode?: number;
  /** The issued leaf (replace swaps it for a new one under the same sslId). */
  leafPem?: string;
  /** Upper-case hex without colons. */
  serial?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** renewById/renew: the sslId this one renews; it becomes Replaced when this one is issued. */
  renewsSslId?: number;
  /** Set on the old record once a renewal of it was requested. */
  renewed: boolean;
}

export interface Counters {
  [operation: string]: number;
}
