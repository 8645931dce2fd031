// Shapes of the FDM REST objects this driver reads and writes (only the fields it uses).
// Field names follow the FDM API (spec-v2 / DevNet reference), not our own vocabulary.

/** A reference to another FDM object: `{ id, type, name [, version] }`. */
export interface FdmRef {
  id: string;
  type: string;
  name?: string;
  version?: string;
}

/** Every FDM object carries these; `version` is the optimistic-concurrency token a PUT must echo. */
export interface FdmObject {
  id: string;
  type: string;
  name?: string;
  version?: string;
  links?: { self?: string };
  [field: string]: unknown;
}

export interface InternalCertificate extends FdmObject {
  name: string;
  certType?: 'UPLOAD' | 'SELFSIGNED' | string;
  /** PEM, or the mask "*********" on builds that hide it on GET. */
  cert?: string;
  /** Always masked or absent on GET; sent as PEM on POST/PUT. */
  privateKey?: string;
  isSystemDefined?: boolean;
}

export interface ExternalCaCertificate extends FdmObject {
  name: string;
  cert?: string;
  isSystemDefined?: boolean;
}

export interface WebUiCertificate extends FdmObject {
  certificate?: FdmRef;
  trustChain?: FdmRef[];
}

export interface SslPolicy extends FdmObject {
  internalCertificates?: FdmRef[];
}

export interface RaVpn extends FdmObject {
  vpnGatewaySettings?: { serverCertificate?: FdmRef; [field: string]: unknown };
}

export interface Paging {
  prev?: string[];
  next?: string[];
  limit?: number;
  offset?: number;
  count?: number;
  pages?: number;
}

export interface FdmList<T> {
  items: T[];
  paging?: Paging;
}

export type DeployState = 'QUEUED' | 'DEPLOYING' | 'DEPLOYED' | 'DEPLOY_FAILED' | 'DEPLOY_TIMEOUT';

export interface DeploymentStatus {
  id: string;
  state: DeployState | string;
  queuedTime?: number;
  startTime?: number;
  /** -1 until the job has finished. */
  endTime?: number;
  statusMessage?: string | null;
  statusMessages?: string[] | null;
  cliErrorMessage?: string | null;
  deploymentStatusMessages?: { taskName?: string; message?: string; taskState?: string }[];
  name?: string;
}

export interface SystemInfo {
  softwareVersion?: string;
  databaseInfo?: { buildVersion?: string };
  platformModel?: string;
  modelNumber?: string;
  [field: string]: unknown;
}

/** FDM Swagger `CliDeploymentError` (GET /operational/deploymenterrors/{objId}). */
export interface CliDeploymentError {
  deploymentStatusUuid?: string;
  cliErrorMessage?: string | null;
  cliLines?: unknown[];
  errorLineId?: number;
}

/** FDM Swagger `HAStatus` (getHAStatus, /devices/default/operational/ha/status/default). */
export interface HaStatus {
  nodeRole?: string | null;
  nodeState?: string;
  peerNodeState?: string;
  /** `HAConfigStatus`: IN_SYNC | PRIMARY_IMPORTING_CONFIG | SECONDARY_IMPORTING_CONFIG | OUT_OF_SYNC | UNKNOWN. */
  configStatus?: string | null;
  /** `HAHealthStatus`: HEALTHY | PROCESSING | UNHEALTHY | CRITICAL. */
  haHealthStatus?: string | null;
}

/** Token endpoint answer (password and refresh grants). */
export interface TokenResponse {
  access_token: string;
  expires_in: number;
  token_type?: string;
  refresh_token: string;
  refresh_expires_in: number;
}

export const OBJECT_PATHS = {
  internalCertificates: 'object/internalcertificates',
  externalCaCertificates: 'object/externalcacertificates',
  internalCaCertificates: 'object/internalcacertificates',
  webUiCertificates: 'devicesettings/default/webuicertificates',
  sslPolicies: 'policy/sslpolicies',
  raVpns: 'ravpns',
} as const;

export function toRef(obj: FdmObject): FdmRef {
  return { id: obj.id, type: obj.type, name: obj.name };
}
