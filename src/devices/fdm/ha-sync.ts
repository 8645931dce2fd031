// After a deploy on the active unit of an HA pair: did the standby take the change? FDM syncs the
// deployed configuration to the peer; the FDM Swagger specification's HAStatus (getHAStatus,
// /devices/default/operational/ha/status/default) shows it in `configStatus` (HAConfigStatus enum:
// IN_SYNC, PRIMARY_IMPORTING_CONFIG, SECONDARY_IMPORTING_CONFIG, OUT_OF_SYNC, UNKNOWN) and
// `haHealthStatus` (HEALTHY, PROCESSING, UNHEALTHY, CRITICAL).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../core/log.js';
import type { FdmSession } from './session.js';
import type { HaStatus } from './types.js';

const IMPORTING = new Set(['PRIMARY_IMPORTING_CONFIG', 'SECONDARY_IMPORTING_CONFIG']);

/** Waits (bounded) for the pair to settle; returns a warning for the report when the standby is not in sync. */
export async function checkHaSync(
  session: FdmSession,
  device: string,
  log: Logger,
  timing: { pollIntervalMs: number; timeoutMs: number },
): Promise<string | undefined> {
  const deadline = Date.now() + timing.timeoutMs;
  let last: HaStatus | undefined;
  for (;;) {
    try {
      last = await session.call<HaStatus>('GET', 'devices/default/operational/ha/status/default');
    } catch (e) {
      return `the HA configuration sync to the standby unit could not be checked after the deploy: ${(e as Error).message}`;
    }
    const status = last?.configStatus ?? 'UNKNOWN';
    if (status === 'IN_SYNC') {
      log.info(`${device}: the standby unit took the deployed change (HA configuration IN_SYNC)`);
      return undefined;
    }
    if (!IMPORTING.has(status) || Date.now() >= deadline) break;
    await sleep(timing.pollIntervalMs);
  }
  const status = last?.configStatus ?? 'UNKNOWN';
  const health = last?.haHealthStatus ? `, HA health ${last.haHealthStatus}` : '';
  const still = IMPORTING.has(status) ? ` after ${Math.round(timing.timeoutMs / 1000)} s` : '';
  return `deployed on the active unit, but the standby unit has not taken the change: HA configuration status ${status}${health}${still}; check the pair (Device > High Availability) before a failover`;
}
