// Which certificates changed level since the last time alerts were sent, and the text a person reads.
import { rowKey, type Level, type StatusRow } from '../engine/status-row.js';

export interface LevelChange {
  key: string;
  from: Level;
  to: Level;
  row: StatusRow;
}

/** Rows whose level differs from the remembered one (a row never seen counts as ok); and the new memory. */
export function levelChanges(rows: StatusRow[], remembered: Record<string, Level>): { changes: LevelChange[]; next: Record<string, Level> } {
  const next: Record<string, Level> = {};
  const changes: LevelChange[] = [];
  for (const row of rows) {
    const key = rowKey(row);
    if (key in next) continue;
    next[key] = row.level;
    const from = remembered[key] ?? 'ok';
    if (from !== row.level) changes.push({ key, from, to: row.level, row });
  }
  return { changes, next };
}

function describeRow(r: StatusRow): string {
  const what = [r.device, r.profile, r.objectName].filter(Boolean).join(' / ');
  const days = r.daysLeft !== undefined ? `, ${r.daysLeft} days left (until ${r.notAfter?.slice(0, 10)})` : '';
  return `${what}: ${r.state}${days}${r.note ? ` — ${r.note}` : ''}`;
}

export function summaryLine(changes: LevelChange[]): string {
  const worse = changes.filter((c) => levelRank(c.to) > levelRank(c.from)).length;
  const better = changes.length - worse;
  return `fwcert: ${changes.length} certificate(s) changed level${worse ? `, ${worse} worse` : ''}${better ? `, ${better} recovered` : ''}`;
}

function levelRank(l: Level): number {
  return ['ok', 'warn', 'error', 'critical'].indexOf(l);
}

/** Plain text: one line per change, worst first. Slack and Teams show it as is. */
export function alertText(changes: LevelChange[]): string {
  const sorted = [...changes].sort((a, b) => levelRank(b.to) - levelRank(a.to));
  return [summaryLine(changes), ...sorted.map((c) => `${c.to.toUpperCase()} (was ${c.from.toUpperCase()}) ${describeRow(c.row)}`)].join('\n');
}
