// In-memory state of the emulated SCM tenant: certificate records by sslId, id generators and
// per-operation call counters (GET /__lab/state exposes all of it).
import { randomBytes } from 'node:crypto';
import type { CertRecord, Counters, ScmStatus } from './types.js';

const RENEW_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 20 characters like the documented "gu03sW6WENt7GTvDTuOP". */
function newRenewId(): string {
  return [...randomBytes(20)].map((b) => RENEW_ID_ALPHABET[b % RENEW_ID_ALPHABET.length]).join('');
}

export const OPERATIONS = [
  'types',
  'customFields',
  'enroll',
  'collect',
  'details',
  'list',
  'count',
  'renewById',
  'renew',
  'revoke',
  'replace',
  'approve',
  'decline',
  'authFailed',
] as const;

export type NewRecord = Omit<CertRecord, 'sslId' | 'renewId' | 'orderNumber' | 'renewed'>;

export class ScmStore {
  private readonly records = new Map<number, CertRecord>();
  // Realistic-looking, distinct id spaces so a client mixing sslId and orderNumber gets caught.
  private nextSslId = 1001;
  private nextOrderNumber = 7344001;
  readonly counters: Counters = Object.fromEntries(OPERATIONS.map((op) => [op, 0]));

  count(operation: string): void {
    this.counters[operation] = (this.counters[operation] ?? 0) + 1;
  }

  add(fields: NewRecord): CertRecord {
    const rec: CertRecord = {
      ...fields,
      sslId: this.nextSslId++,
      renewId: newRenewId(),
      orderNumber: this.nextOrderNumber++,
      renewed: false,
    };
    this.records.set(rec.sslId, rec);
    return rec;
  }

  get(sslId: number): CertRecord | undefined {
    return this.records.get(sslId);
  }

  byRenewId(renewId: string): CertRecord | undefined {
    return [...this.records.values()].find((r) => r.renewId === renewId);
  }

  /** `serial` in any spelling: colons or not, any case, leading zeros or not. */
  bySerial(serial: string): CertRecord | undefined {
    const want = normalizeSerial(serial);
    if (!want) return undefined;
    return [...this.records.values()].find((r) => r.serial !== undefined && normalizeSerial(r.serial) === want);
  }

  all(): CertRecord[] {
    return [...this.records.values()].sort((a, b) => a.sslId - b.sslId);
  }
}

export function normalizeSerial(serial: string): string {
  return serial.replace(/[:\s]/g, '').toUpperCase().replace(/^0+/, '');
}

/** Issued certificates past notAfter read as Expired, as SCM reports them. */
export function effectiveStatus(rec: CertRecord, now = new Date()): ScmStatus {
  if (rec.status === 'Issued' && rec.notAfter && rec.notAfter.getTime() < now.getTime()) return 'Expired';
  return rec.status;
}

/** "0A1B2C" -> "0A:1B:2C" (the form SCM shows and accepts in /revoke/serial). */
export function colonSerial(hex: string): string {
  const even = hex.length % 2 ? `0${hex}` : hex;
  return (even.match(/../g) ?? []).join(':').toUpperCase();
}
