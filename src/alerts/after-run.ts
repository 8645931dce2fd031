// What alerts and metrics see after a run: every managed certificate as the ledger now knows it, with
// the run's failures on top (a failed item is an error row), and the run's outcome per device.
import type { Config } from '../config/model.js';
import type { Logger } from '../core/log.js';
import { runFailed, type RunReport } from '../engine/report.js';
import { fleetStatus } from '../engine/status.js';
import { worst, type StatusRow } from '../engine/status-row.js';
import type { LastRun } from './memory.js';

export function lastRunOf(r: RunReport): LastRun {
  const failures: Record<string, number> = {};
  for (const d of r.devices) failures[d.device] = d.reachable ? d.items.filter((i) => i.outcome === 'failed').length + (d.error && !d.items.some((i) => i.outcome === 'failed') ? 1 : 0) : Math.max(1, d.items.length);
  return { startedAt: r.startedAt, at: r.finishedAt, success: !runFailed(r), failures };
}

export async function rowsAfterRun(cfg: Config, r: RunReport, log: Logger): Promise<StatusRow[]> {
  const a = cfg.monitoring.alerts;
  // The run has just seen the devices and asked the CA: the ledger is current, no second round of calls.
  const st = await fleetStatus(cfg, { warnDays: a.warnDays, criticalDays: a.criticalDays, log, ledgerOnly: true, caCheck: false });
  for (const d of r.devices) {
    for (const i of d.items.filter((x) => x.outcome === 'failed')) {
      const row = st.rows.find((x) => x.kind === 'managed' && x.device === i.device && x.profile === i.profile);
      if (!row) continue;
      row.level = worst(row.level, 'error');
      row.state = 'failed';
      row.note = `${i.action} failed: ${i.error ?? 'unknown error'}`;
    }
  }
  return st.rows;
}
