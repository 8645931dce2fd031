// Writes the HTML status page: the report plus what the ledger knows of the last run and its failures.
import type { Config } from '../config/model.js';
import { AlertMemory } from '../alerts/memory.js';
import { writeTextfile } from '../alerts/prometheus.js';
import { Ledger } from '../ledger/ledger.js';
import type { StatusReport } from '../engine/status.js';
import { renderHtml, type FailureNote } from './html.js';

const FAILURE_EVENTS = new Set(['failed', 'commit-failed']);

export function writeStatusPage(cfg: Config, report: StatusReport, file: string): void {
  const ledger = new Ledger(cfg.ledgerPath, cfg.passphrase);
  try {
    const lastRun = new AlertMemory(ledger).lastRun();
    const since = lastRun?.startedAt ?? lastRun?.at;
    const failures: FailureNote[] = since
      ? ledger
          .history(500)
          .filter((e) => FAILURE_EVENTS.has(e.action) && e.at >= since)
          .map((e) => ({ at: e.at, device: e.device ?? undefined, profile: e.profile ?? undefined, detail: e.detail ?? e.action }))
      : [];
    writeTextfile(file, renderHtml({ report, lastRun, failures }));
  } finally {
    ledger.close();
  }
}
