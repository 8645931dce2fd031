// What alerts remember between runs, kept in the ledger: the last level of each certificate row (so an
// alert fires on a change of level, not on every run) and the last run's outcome (for metrics).
import type { Ledger } from '../ledger/ledger.js';
import type { Level } from '../engine/status-row.js';

export interface LastRun {
  /** When the run started and finished. */
  startedAt?: string;
  at: string;
  success: boolean;
  /** Failed items (or 1 for an unreachable device) per device. */
  failures: Record<string, number>;
}

const NS = 'alerts';

export class AlertMemory {
  private readonly store: ReturnType<Ledger['store']>;
  constructor(ledger: Ledger) {
    this.store = ledger.store(NS);
  }

  /** Levels last delivered through `channel` (each webhook and the email have their own memory). */
  levels(channel: string): Record<string, Level> {
    return JSON.parse(this.store.get(`levels:${channel}`) ?? '{}') as Record<string, Level>;
  }

  setLevels(channel: string, levels: Record<string, Level>): void {
    this.store.set(`levels:${channel}`, JSON.stringify(levels));
  }

  lastRun(): LastRun | undefined {
    const v = this.store.get('last-run');
    return v ? (JSON.parse(v) as LastRun) : undefined;
  }

  setLastRun(r: LastRun): void {
    this.store.set('last-run', JSON.stringify(r));
  }
}
