// Read-only device information: GET /operational/systeminfo/default (shape of the firepyer sample
// quoted in the reference §1) and the HA status (the FDM Swagger specification's HAStatus).
import type { HaMode } from './types.js';

export function systemInfo(opts: {
  softwareVersion: string;
  selfUrl: string;
  applianceUuid: string;
  bootTime: number;
  hostname: string;
}) {
  // "6.6.1-91" -> buildVersion "6.6.1" (both recorded in the sample).
  const buildVersion = opts.softwareVersion.split('-')[0]!;
  return {
    applianceUuid: opts.applianceUuid,
    currentTime: Date.now(),
    databaseInfo: {
      buildVersion,
      configDBVersion: 'itrncf35kvb2q',
      firewallConfigChecksum: 'kptuzmstdl7ve',
      id: '00000001-0000-0000-0000-000000000001',
      isBootstrapSuccessFul: true,
      restoredFromBackup: 'NONE',
      schemaVersion: '91',
      softwareVersion: opts.softwareVersion,
      type: 'databaseinfo',
    },
    id: 'default',
    ipv4: '127.0.0.1',
    ipv6: null,
    hostname: opts.hostname,
    links: { self: opts.selfUrl },
    managementInterfaceName: 'br1',
    modelId: 'B',
    modelNumber: '75',
    platformModel: 'Cisco Firepower Threat Defense for KVM',
    serialNumber: '9A1B2C3D4E5',
    softwareVersion: opts.softwareVersion,
    systemUptime: opts.bootTime,
    type: 'systeminformation',
  };
}

/** FDM Swagger `HAConfigStatus` enum. */
export type HaConfigStatus = 'IN_SYNC' | 'PRIMARY_IMPORTING_CONFIG' | 'SECONDARY_IMPORTING_CONFIG' | 'OUT_OF_SYNC' | 'UNKNOWN';
/** FDM Swagger `HAHealthStatus` enum. */
export type HaHealthStatus = 'HEALTHY' | 'PROCESSING' | 'UNHEALTHY' | 'CRITICAL';

/**
 * GET /devices/default/operational/ha/status/{objId} (objId "default"), operation getHAStatus of the
 * FDM Swagger specification (FTDAnsible's ngfw_with_ex.json, API v2): model `HAStatus` = nodeRole
 * (HA_PRIMARY | HA_SECONDARY), nodeState / peerNodeState (`HANodeState`: SINGLE_NODE, HA_ACTIVE_NODE,
 * HA_STANDBY_NODE, ...), configStatus (`HAConfigStatus`), haHealthStatus (`HAHealthStatus`), id,
 * type (default "HAStatus"). A single unit's nodeRole and haHealthStatus are null *(inferred: the
 * enums have no value for "no HA")*.
 */
export function haStatus(mode: HaMode, selfUrl: string, sync: { configStatus: HaConfigStatus; haHealthStatus: HaHealthStatus }) {
  const states: Record<HaMode, { nodeRole: string | null; nodeState: string; peerNodeState: string }> = {
    standalone: { nodeRole: null, nodeState: 'SINGLE_NODE', peerNodeState: 'HA_UNKNOWN_NODE' },
    active: { nodeRole: 'HA_PRIMARY', nodeState: 'HA_ACTIVE_NODE', peerNodeState: 'HA_STANDBY_NODE' },
    standby: { nodeRole: 'HA_SECONDARY', nodeState: 'HA_STANDBY_NODE', peerNodeState: 'HA_ACTIVE_NODE' },
  };
  const single = mode === 'standalone';
  return {
    ...states[mode],
    configStatus: single ? 'UNKNOWN' : sync.configStatus,
    haHealthStatus: single ? null : sync.haHealthStatus,
    id: 'default',
    type: 'HAStatus',
    links: { self: selfUrl },
  };
}
