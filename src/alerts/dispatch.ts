// After `run` and `status`: the Prometheus textfile, then alerts for the certificates whose level
// changed since the last alerts (webhooks, email). The new levels are remembered only when every
// channel took the alert (per channel), so a failed delivery is tried again by the next run.
import { createHash } from 'node:crypto';
import type { Config } from '../config/model.js';
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import { Ledger } from '../ledger/ledger.js';
import type { StatusRow } from '../engine/status-row.js';
import { levelChanges, type LevelChange } from './changes.js';
import { sendEmail } from './email.js';
import { AlertMemory, type LastRun } from './memory.js';
import { renderMetrics, writeTextfile } from './prometheus.js';
import { sendWebhook, webhookBody } from './webhook.js';

export interface AlertOutcome {
  changes: LevelChange[];
  sent: string[];
  errors: string[];
  prometheusFile?: string;
}

/** Remembers a run's outcome (for metrics and the HTML report), also when no alert channel is configured. */
export function recordLastRun(cfg: Config, lastRun: LastRun): void {
  const ledger = new Ledger(cfg.ledgerPath, cfg.passphrase);
  try {
    new AlertMemory(ledger).setLastRun(lastRun);
  } finally {
    ledger.close();
  }
}

export async function publish(
  cfg: Config,
  rows: StatusRow[],
  opts: { log: Logger; prometheusFile?: string; lastRun?: LastRun; now?: Date },
): Promise<AlertOutcome> {
  const ledger = new Ledger(cfg.ledgerPath, cfg.passphrase);
  const out: AlertOutcome = { changes: [], sent: [], errors: [] };
  try {
    const memory = new AlertMemory(ledger);
    if (opts.lastRun) memory.setLastRun(opts.lastRun);
    const file = opts.prometheusFile ?? cfg.monitoring.alerts.prometheusFile;
    if (file) {
      try {
        writeTextfile(file, renderMetrics(rows, memory.lastRun()));
        out.prometheusFile = file;
      } catch (e) {
        out.errors.push(`prometheus textfile ${file}: ${errorMessage(e)}`);
      }
    }
    const { webhooks, email } = cfg.monitoring.alerts;
    const at = (opts.now ?? new Date()).toISOString();
    // Each channel remembers what it delivered: one that failed gets the same changes next time, the others do not repeat them.
    const channels: { id: string; label: string; send: (c: LevelChange[]) => Promise<void> }[] = [
      ...webhooks.map((w) => ({ id: `webhook:${createHash('sha256').update(w.url).digest('hex').slice(0, 16)}`, label: `webhook ${new URL(w.url).host}`, send: (c: LevelChange[]) => sendWebhook(w, webhookBody(c, at)) })),
      ...(email ? [{ id: 'email', label: `email to ${email.to.join(', ')}`, send: (c: LevelChange[]) => sendEmail(email, c) }] : []),
    ];
    for (const ch of channels) {
      const { changes, next } = levelChanges(rows, memory.levels(ch.id));
      if (changes.length > out.changes.length) out.changes = changes;
      if (!changes.length) {
        memory.setLevels(ch.id, next);
        continue;
      }
      try {
        await ch.send(changes);
        memory.setLevels(ch.id, next);
        out.sent.push(ch.label);
      } catch (e) {
        out.errors.push(`${ch.label}: ${errorMessage(e)}`);
      }
    }
    for (const s of out.sent) opts.log.info(`alert sent: ${s}`);
    for (const e of out.errors) opts.log.error(`alert not delivered: ${e}`);
    return out;
  } finally {
    ledger.close();
  }
}
