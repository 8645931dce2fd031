// Read-only device information: GET /operational/systeminfo/default (shape of the firepyer sample
// quoted in the reference §1) and the HA status (not documented in the reference: inferred).
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

/**
 * INFERRED: the reference documents no HA endpoint. This mirrors the FDM "HAStatus" model as
 * commonly seen (nodeState/peerNodeState/configStatus/haHealthStatus), served at
 * /devices/default/operational/ha/status/default (and without the trailing /default).
 */
export function haStatus(mode: HaMode, selfUrl: string) {
  const states: Record<HaMode, { nodeRole: string | null; nodeState: string; peerNodeState: string; configStatus: string }> = {
    standalone: { nodeRole: null, nodeState: 'SINGLE_NODE', peerNodeState: 'HA_UNKNOWN_NODE', configStatus: 'UNKNOWN' },
    active: { nodeRole: 'HA_PRIMARY', nodeState: 'HA_ACTIVE_NODE', peerNodeState: 'HA_STANDBY_NODE', configStatus: 'IN_SYNC' },
    standby: { nodeRole: 'HA_SECONDARY', nodeState: 'HA_STANDBY_NODE', peerNodeState: 'HA_ACTIVE_NODE', configStatus: 'IN_SYNC' },
  };
  return {
    ...states[mode],
    haHealthStatus: mode === 'standalone' ? 'UNKNOWN' : 'HEALTHY',
    disabledReason: '',
    disabledTimestamp: null,
    id: 'default',
    type: 'hastatus',
    links: { self: selfUrl },
  };
}
