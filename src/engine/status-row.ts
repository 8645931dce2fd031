// One row of the status report: a certificate fwcert can see (on a device, in the ledger, or served
// on a TLS endpoint) with a level that monitoring and alerts act on. Every source of rows (devices,
// the ledger, probes, later the FMC) produces this one shape.
import { daysLeft } from './policy.js';

/** Severity, worst last. `warn` at the warn threshold (default 90 days), `critical` at the critical one (30). */
export type Level = 'ok' | 'warn' | 'error' | 'critical';
export const LEVELS: readonly Level[] = ['ok', 'warn', 'error', 'critical'];

/** What the row is about: a profile's certificate, one the config no longer names, one fwcert does not manage, a CA, an endpoint. */
export type RowKind = 'managed' | 'retired' | 'unmanaged' | 'ca' | 'probe';

export interface StatusRow {
  kind: RowKind;
  /** The device name; for a probe, its label (host:port unless named). */
  device: string;
  profile?: string;
  level: Level;
  /** ok | expiring | expired | missing | pending-commit | revoked | no-key | wrong-names | untrusted | not-served | no-longer-managed | unreachable | probe-failed */
  state: string;
  source: 'device' | 'ledger' | 'probe';
  objectName?: string;
  serial?: string;
  notAfter?: string;
  daysLeft?: number;
  subject?: string;
  issuer?: string;
  ca?: string;
  caId?: string;
  /** Where the device uses it (binding kind:name), or where a probe found it. */
  bindings?: string[];
  pendingOrder?: string;
  /** For pending-commit: what the running (deployed) configuration still uses. */
  running?: { objectName?: string; serial?: string; notAfter?: string };
  note?: string;
}

export interface Thresholds {
  warnDays: number;
  criticalDays: number;
}

export function rank(l: Level): number {
  return LEVELS.indexOf(l);
}

export function worst(...levels: Level[]): Level {
  return levels.reduce<Level>((a, b) => (rank(b) > rank(a) ? b : a), 'ok');
}

/** Level and state from the days left of a certificate. */
export function expiryLevel(notAfter: Date, now: Date, t: Thresholds): { level: Level; state: string; daysLeft: number } {
  const d = daysLeft(notAfter, now);
  if (notAfter.getTime() <= now.getTime()) return { level: 'critical', state: 'expired', daysLeft: d };
  if (d < t.criticalDays) return { level: 'critical', state: 'expiring', daysLeft: d };
  if (d < t.warnDays) return { level: 'warn', state: 'expiring', daysLeft: d };
  return { level: 'ok', state: 'ok', daysLeft: d };
}

/** A stable key for one row, for alert memory ("what level did this certificate have last time"). */
export function rowKey(r: Pick<StatusRow, 'kind' | 'device' | 'profile' | 'objectName' | 'subject'>): string {
  switch (r.kind) {
    case 'managed':
      return `managed/${r.device}/${r.profile}`;
    case 'probe':
      return `probe/${r.device}/${r.profile ?? ''}/${r.subject ?? ''}`;
    default:
      return `${r.kind}/${r.device}/${r.profile ?? ''}/${r.objectName ?? ''}`;
  }
}
