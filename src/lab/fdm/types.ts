// Shapes shared by the files of the FDM emulator. Nothing here is shared with the FDM driver:
// the lab must not inherit the driver's reading of the API.

export type { EmulatorHandle } from '../emulator.js';

export type HaMode = 'standalone' | 'active' | 'standby';

/** A fault to inject into the next `count` calls matching "<METHOD> <path-prefix>". */
export interface FaultSpec {
  /** An HTTP status to answer with, or 'reset' to drop the connection without an answer. */
  status: number | 'reset';
  count: number;
}

export interface FdmKnobs {
  /** Delay added to every API call. */
  latencyMs: number;
  /** Time a deploy job takes from QUEUED to its final state. */
  deployDurationMs: number;
  /** true = the next deploy ends DEPLOY_FAILED; a number = the next N deploys. */
  failNextDeploy: boolean | number;
  /** true = the next deploy ends DEPLOY_TIMEOUT; a number = the next N deploys. */
  deployTimeout: boolean | number;
  /** How long the FDM web server is down after a deploy that changed the web UI certificate. */
  webRestartMs: number;
  /** How the API behaves while the web server restarts: 503 answers or dropped connections. */
  webRestartMode: '503' | 'reset';
  /**
   * After the web-server restart, the API itself presents the newly deployed web UI certificate
   * (as a real FDM does: the web UI certificate is the management HTTPS certificate). Off by
   * default because it breaks clients that pinned the lab's own certificate.
   */
  webuiCertOnApi: boolean;
  /** Access-token lifetime (password grant), seconds. The reference: 1800. */
  tokenTtlS: number;
  /** Refresh-token lifetime, seconds. The reference: 2400. */
  refreshTtlS: number;
  /** Setting it to true expires every access token issued so far (refresh tokens stay valid). */
  expireTokensNow: boolean;
  /** Access tokens expire after this many more authenticated calls (null = off). One-shot. */
  expireAfterCalls: number | null;
  /** Status for a missing/expired/unknown access token; FTDAnsible treats 401 and 408 alike. */
  expiredTokenStatus: 401 | 408;
  /** Maximum concurrent password sessions (null = unlimited; the reference documents no limit). */
  maxSessions: number | null;
  /** Fault injection, keyed "<METHOD> <path-prefix>" (path after /api/fdm/<ver>, or "*" method). */
  failNext: Record<string, FaultSpec>;
  haMode: HaMode;
  /** HA pair (haMode active): how long the standby imports a deployed change (configStatus
   * SECONDARY_IMPORTING_CONFIG, haHealthStatus PROCESSING) before the sync ends. */
  haSyncMs: number;
  /** How the next HA config sync after a deploy ends: IN_SYNC, or OUT_OF_SYNC (the standby did not
   * take the change; haHealthStatus UNHEALTHY). Sticky until changed. */
  haSyncOutcome: 'IN_SYNC' | 'OUT_OF_SYNC';
  /**
   * The device's newest API version, a preset: setting it sets supportedVersions (v1..vN),
   * latestAlias (N >= 3, FTD 6.4) and softwareVersion to match (v2 = FTD 6.3: no /ravpns, no web UI
   * certificate; v3 = 6.4; v5 = 6.6, the first with WebUICertificate.trustChain; v6 = 7.0).
   */
  apiVersion: string;
  /** Versions GET /api/versions reports and the server accepts besides "latest"; the highest one
   * decides which resources and model fields exist (see api-spec.ts). */
  supportedVersions: string[];
  /** Whether the "latest" alias is accepted (FTD >= 6.4). */
  latestAlias: boolean;
  softwareVersion: string;
  /**
   * Certificate object names: 'full' applies the 6.2.3 pattern ^[a-zA-Z0-9][a-zA-Z0-9.+-]*$ to the
   * whole name; 'prefix' only checks the first character (the documented pattern is unanchored).
   */
  certNamePattern: 'full' | 'prefix';
}

/** A reference to another object, as FDM embeds it: {id, type, name[, version]}. */
export interface ObjRef {
  id: string;
  type: string;
  name?: string;
  version?: string;
}

/** A stored configuration object. Private keys live here but never leave through GET or state. */
export interface FdmObject {
  id: string;
  version: string;
  name: string;
  type: string;
  [field: string]: unknown;
}

export type CollectionName =
  | 'internalcertificates'
  | 'externalcacertificates'
  | 'internalcacertificates'
  | 'webuicertificates'
  | 'sslpolicies'
  | 'ravpns';

export interface StartFdmOptions {
  name: string;
  port?: number;
  tls?: { certPem: string; keyPem: string };
  users: { username: string; password: string }[];
  haMode?: HaMode;
  knobs?: Partial<FdmKnobs>;
}
