// Durable state (SQLite): what was issued, where it is installed, pending CA orders, devices that
// still owe a commit, old objects still to remove, and a history of events. Never holds secrets
// in clear: private keys of pending orders and driver secrets are sealed (ledger/seal.ts).
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { CaRef } from '../ca/issuer.js';
import { Sealer } from './seal.js';

export type RecordState = 'installed' | 'active' | 'superseded' | 'removed' | 'revoked';

export interface CertRecord {
  id: number;
  profile: string;
  device: string;
  objectName: string;
  ca: string;
  caRef?: CaRef;
  serial: string;
  notBefore: string;
  notAfter: string;
  names: string[];
  keySpec: string;
  fingerprint: string;
  state: RecordState;
  installedAt: string;
  committedAt?: string;
  removedAt?: string;
}

export interface PendingOrder {
  profile: string;
  device: string;
  ca: string;
  caRef: CaRef;
  objectName: string;
  csrPem: string;
  /** Sealed private key when it was made locally; absent when the device holds the key. */
  sealedKey?: string;
  /** Fingerprint of what the order is for (names, key, CA): a changed profile makes it stale. */
  needHash: string;
  createdAt: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS certificates (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  profile TEXT NOT NULL, device TEXT NOT NULL, object_name TEXT NOT NULL,
  ca TEXT NOT NULL, ca_ref TEXT, serial TEXT NOT NULL, not_before TEXT NOT NULL, not_after TEXT NOT NULL,
  names TEXT NOT NULL, key_spec TEXT NOT NULL, fingerprint TEXT NOT NULL,
  state TEXT NOT NULL, installed_at TEXT NOT NULL, committed_at TEXT, removed_at TEXT
);
CREATE INDEX IF NOT EXISTS certificates_pd ON certificates(profile, device, state);
CREATE TABLE IF NOT EXISTS orders (
  profile TEXT NOT NULL, device TEXT NOT NULL, ca TEXT NOT NULL, ca_ref TEXT NOT NULL,
  object_name TEXT NOT NULL, csr_pem TEXT NOT NULL, sealed_key TEXT, need_hash TEXT NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (profile, device)
);
CREATE TABLE IF NOT EXISTS key_intents (
  device TEXT NOT NULL, object_name TEXT NOT NULL, profile TEXT NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (device, object_name)
);
CREATE TABLE IF NOT EXISTS devices (device TEXT PRIMARY KEY, needs_commit INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, sealed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, profile TEXT, device TEXT, action TEXT NOT NULL, detail TEXT
);
`;

interface Row {
  id: number; profile: string; device: string; object_name: string; ca: string; ca_ref: string | null;
  serial: string; not_before: string; not_after: string; names: string; key_spec: string; fingerprint: string;
  state: RecordState; installed_at: string; committed_at: string | null; removed_at: string | null;
}

function toRecord(r: Row): CertRecord {
  return {
    id: r.id, profile: r.profile, device: r.device, objectName: r.object_name, ca: r.ca,
    caRef: r.ca_ref ? (JSON.parse(r.ca_ref) as CaRef) : undefined,
    serial: r.serial, notBefore: r.not_before, notAfter: r.not_after, names: JSON.parse(r.names) as string[],
    keySpec: r.key_spec, fingerprint: r.fingerprint, state: r.state, installedAt: r.installed_at,
    committedAt: r.committed_at ?? undefined, removedAt: r.removed_at ?? undefined,
  };
}

export class Ledger {
  private readonly db: Database.Database;
  private readonly sealer: Sealer;
  /** Prepared once per ledger: a run asks the same few questions for every certificate. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly path: string, passphrase?: string) {
    // Private: the ledger names every device, certificate and CA order (0700 folder, 0600 file; SQLite
    // gives its -wal/-shm files the database file's mode).
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, 'a', 0o600));
    chmodSync(path, 0o600);
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    // The temporary b-trees of ORDER BY and UNION in memory (they hold a few rows here): with SQLite's
    // default temporary store, current() (twice per certificate of a run) cost 0.3-0.6 ms a call in a
    // 500-certificate ledger, 15-35 us with this.
    this.db.pragma('temp_store = MEMORY');
    this.db.exec(SCHEMA);
    if (passphrase) {
      let salt = this.meta('seal_salt');
      if (!salt) {
        salt = randomBytes(16).toString('base64');
        this.setMeta('seal_salt', salt);
      }
      this.sealer = Sealer.fromPassphrase(passphrase, Buffer.from(salt, 'base64'));
    } else {
      this.sealer = Sealer.fromKeyFile(`${path}.key`);
    }
  }

  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  private meta(key: string): string | undefined {
    return (this.sql('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  private setMeta(key: string, value: string): void {
    this.sql('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /**
   * Runs `fn`'s writes as one transaction: all of them or none are durable, with one sync of the
   * write-ahead log instead of one per statement. Only for writes that may become durable together;
   * a write that must be durable before something else happens (an order before the CA is asked)
   * is made, on its own, before that.
   */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Writes waiting for the next group commit (see together). */
  private queued: { fn: () => void; done: (err?: unknown) => void }[] = [];

  /**
   * Runs `fn`'s writes as one transaction of their own, like transaction(), but committed together
   * with the other writes asked for in the same turn of the event loop: every certificate of a fleet
   * run records its order, its CA answer and its install at about the same moments as hundreds of
   * others, and each commit costs a sync of the write-ahead log. Resolves once the writes are durable,
   * so a caller that must not act before them (an order is recorded before the CA is asked) awaits it.
   * Each `fn` is a savepoint: one that throws is undone alone and rejects its own caller only. Reads
   * made before it resolves do not see its writes.
   */
  together(fn: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.commitQueued());
      this.queued.push({ fn, done: (err) => (err === undefined ? resolve() : reject(err)) });
    });
  }

  private commitQueued(): void {
    const batch = this.queued;
    this.queued = [];
    const failed = new Map<number, unknown>();
    try {
      this.db.transaction(() => {
        batch.forEach((w, i) => {
          try {
            this.db.transaction(w.fn)(); // nested: a savepoint
          } catch (e) {
            failed.set(i, e);
          }
        });
      })();
    } catch (e) {
      for (const w of batch) w.done(e); // the commit itself failed: nothing of the batch is durable
      return;
    }
    batch.forEach((w, i) => w.done(failed.has(i) ? (failed.get(i) ?? new Error('ledger write failed')) : undefined));
  }

  seal(plain: string): string {
    return this.sealer.seal(plain);
  }

  unseal(sealed: string): string {
    return this.sealer.unseal(sealed);
  }

  // ---- certificates ------------------------------------------------------------------------

  recordInstalled(r: Omit<CertRecord, 'id' | 'state' | 'installedAt' | 'committedAt' | 'removedAt'>, now = new Date()): number {
    const res = this
      .sql(
        `INSERT INTO certificates (profile, device, object_name, ca, ca_ref, serial, not_before, not_after, names, key_spec,
           fingerprint, state, installed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'installed', ?)`,
      )
      .run(r.profile, r.device, r.objectName, r.ca, r.caRef ? JSON.stringify(r.caRef) : null, r.serial, r.notBefore, r.notAfter,
        JSON.stringify(r.names), r.keySpec, r.fingerprint, now.toISOString());
    return Number(res.lastInsertRowid);
  }

  /** Records a certificate fwcert found on a device and adopted (named like the profile, right names). */
  adopt(r: Omit<CertRecord, 'id' | 'state' | 'installedAt' | 'committedAt' | 'removedAt'>, now = new Date()): void {
    const id = this.recordInstalled(r, now);
    this.sql(`UPDATE certificates SET state = 'active', committed_at = ? WHERE id = ?`).run(now.toISOString(), id);
  }

  /** The record fwcert considers current for (profile, device): newest installed, else active. */
  current(profile: string, device: string): CertRecord | undefined {
    const row = this
      .sql(
        `SELECT * FROM certificates WHERE profile = ? AND device = ? AND state IN ('installed', 'active', 'revoked')
         ORDER BY CASE state WHEN 'installed' THEN 0 WHEN 'active' THEN 1 ELSE 2 END, id DESC LIMIT 1`,
      )
      .get(profile, device) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Every certificate currently in service or waiting for a commit. */
  inService(): CertRecord[] {
    return (this.sql(`SELECT * FROM certificates WHERE state IN ('installed', 'active', 'revoked') ORDER BY device, profile, id`).all() as Row[]).map(toRecord);
  }

  /** After a successful commit on `device`: installed -> active, the older active ones -> superseded. */
  markCommitted(device: string, now = new Date()): void {
    const tx = this.db.transaction(() => {
      const installed = this.sql(`SELECT * FROM certificates WHERE device = ? AND state = 'installed'`).all(device) as Row[];
      for (const r of installed) {
        this
          .sql(`UPDATE certificates SET state = 'superseded' WHERE profile = ? AND device = ? AND state IN ('active', 'revoked') AND id < ? AND object_name <> ?`)
          .run(r.profile, r.device, r.id, r.object_name);
        this
          .sql(`UPDATE certificates SET state = 'removed', removed_at = ? WHERE profile = ? AND device = ? AND state IN ('active', 'revoked') AND id < ? AND object_name = ?`)
          .run(now.toISOString(), r.profile, r.device, r.id, r.object_name);
        this.sql(`UPDATE certificates SET state = 'active', committed_at = ? WHERE id = ?`).run(now.toISOString(), r.id);
      }
    });
    tx();
  }

  /** Old objects on `device` that a successful commit replaced and that are still to be deleted. */
  pendingRemovals(device: string): CertRecord[] {
    return (this.sql(`SELECT * FROM certificates WHERE device = ? AND state = 'superseded' ORDER BY id`).all(device) as Row[]).map(toRecord);
  }

  /**
   * Old objects on `device` to delete in the same commit that puts their replacements in service: the
   * ones an earlier commit already replaced, and those a certificate installed (not yet committed)
   * for the same profile under another name replaces. After that commit, markCommitted() supersedes them.
   */
  replacedObjects(device: string): CertRecord[] {
    return (
      this
        .sql(
          `SELECT * FROM certificates c WHERE device = ? AND (state = 'superseded' OR (state IN ('active', 'revoked') AND EXISTS (
             SELECT 1 FROM certificates n WHERE n.profile = c.profile AND n.device = c.device AND n.state = 'installed'
               AND n.id > c.id AND n.object_name <> c.object_name))) ORDER BY id`,
        )
        .all(device) as Row[]
    ).map(toRecord);
  }

  /** Every CA id the ledger holds for CA account `ca`: issued certificates and pending orders. */
  caIds(ca: string): string[] {
    const rows = this.sql('SELECT ca_ref FROM certificates WHERE ca = ? AND ca_ref IS NOT NULL UNION SELECT ca_ref FROM orders WHERE ca = ?').all(ca, ca) as { ca_ref: string }[];
    return [...new Set(rows.map((r) => (JSON.parse(r.ca_ref) as CaRef).id).filter(Boolean))];
  }

  /** Every object name fwcert recorded on `device`: certificates in any state and pending orders. */
  objectNames(device: string): string[] {
    const rows = this
      .sql('SELECT object_name AS n FROM certificates WHERE device = ? UNION SELECT object_name AS n FROM orders WHERE device = ?')
      .all(device, device) as { n: string }[];
    return rows.map((r) => r.n);
  }

  markRemoved(id: number, now = new Date()): void {
    this.sql(`UPDATE certificates SET state = 'removed', removed_at = ? WHERE id = ?`).run(now.toISOString(), id);
  }

  markRevoked(id: number): void {
    this.sql(`UPDATE certificates SET state = 'revoked' WHERE id = ?`).run(id);
  }

  // ---- orders ------------------------------------------------------------------------------

  order(profile: string, device: string): PendingOrder | undefined {
    const r = this.sql('SELECT * FROM orders WHERE profile = ? AND device = ?').get(profile, device) as
      | { profile: string; device: string; ca: string; ca_ref: string; object_name: string; csr_pem: string; sealed_key: string | null; need_hash: string; created_at: string }
      | undefined;
    if (!r) return undefined;
    return {
      profile: r.profile, device: r.device, ca: r.ca, caRef: JSON.parse(r.ca_ref) as CaRef, objectName: r.object_name,
      csrPem: r.csr_pem, sealedKey: r.sealed_key ?? undefined, needHash: r.need_hash, createdAt: r.created_at,
    };
  }

  orders(): PendingOrder[] {
    const keys = this.sql('SELECT profile, device FROM orders ORDER BY device, profile').all() as { profile: string; device: string }[];
    return keys.map((k) => this.order(k.profile, k.device)!);
  }

  saveOrder(o: PendingOrder): void {
    this
      .sql(
        `INSERT INTO orders (profile, device, ca, ca_ref, object_name, csr_pem, sealed_key, need_hash, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(profile, device) DO UPDATE SET ca = excluded.ca, ca_ref = excluded.ca_ref, object_name = excluded.object_name,
           csr_pem = excluded.csr_pem, sealed_key = excluded.sealed_key, need_hash = excluded.need_hash, created_at = excluded.created_at`,
      )
      .run(o.profile, o.device, o.ca, JSON.stringify(o.caRef), o.objectName, o.csrPem, o.sealedKey ?? null, o.needHash, o.createdAt);
  }

  clearOrder(profile: string, device: string): void {
    this.sql('DELETE FROM orders WHERE profile = ? AND device = ?').run(profile, device);
  }

  // ---- objects about to be created on a device ---------------------------------------------

  /** Written BEFORE a key is generated on a device, so that an object left by a crash or a failed
   *  attempt is known to be fwcert's and cleaned up by the next run. */
  recordKeyIntent(i: { device: string; objectName: string; profile: string }, now = new Date()): void {
    this
      .sql('INSERT INTO key_intents (device, object_name, profile, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(device, object_name) DO UPDATE SET profile = excluded.profile, created_at = excluded.created_at')
      .run(i.device, i.objectName, i.profile, now.toISOString());
  }

  keyIntents(device: string): { device: string; objectName: string; profile: string; createdAt: string }[] {
    return this
      .sql('SELECT device, object_name AS objectName, profile, created_at AS createdAt FROM key_intents WHERE device = ? ORDER BY created_at')
      .all(device) as never;
  }

  clearKeyIntent(device: string, objectName: string): void {
    this.sql('DELETE FROM key_intents WHERE device = ? AND object_name = ?').run(device, objectName);
  }

  /** True when the key intent for `objectName` (made at `intentAt`) became a recorded certificate: a record
   *  of that name still on the device, or one written since the intent. A record removed before the intent
   *  is an earlier certificate that had the same name (names come back: p, p-<date>, p, ...), not its outcome. */
  intentBecameCertificate(device: string, objectName: string, intentAt: string): boolean {
    return this.sql(`SELECT 1 FROM certificates WHERE device = ? AND object_name = ? AND (state <> 'removed' OR installed_at >= ?) LIMIT 1`)
      .get(device, objectName, intentAt) !== undefined;
  }

  // ---- devices -----------------------------------------------------------------------------

  needsCommit(device: string): boolean {
    return ((this.sql('SELECT needs_commit FROM devices WHERE device = ?').get(device) as { needs_commit: number } | undefined)?.needs_commit ?? 0) === 1;
  }

  setNeedsCommit(device: string, value: boolean): void {
    this
      .sql('INSERT INTO devices (device, needs_commit) VALUES (?, ?) ON CONFLICT(device) DO UPDATE SET needs_commit = excluded.needs_commit')
      .run(device, value ? 1 : 0);
  }

  // ---- driver key/value store ---------------------------------------------------------------

  store(prefix: string): { get(key: string): string | undefined; set(key: string, value: string, sealed?: boolean): void } {
    return {
      get: (key) => {
        const r = this.sql('SELECT value, sealed FROM kv WHERE key = ?').get(`${prefix}:${key}`) as { value: string; sealed: number } | undefined;
        if (!r) return undefined;
        return r.sealed ? this.unseal(r.value) : r.value;
      },
      set: (key, value, sealed = false) => {
        this
          .sql('INSERT INTO kv (key, value, sealed) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, sealed = excluded.sealed')
          .run(`${prefix}:${key}`, sealed ? this.seal(value) : value, sealed ? 1 : 0);
      },
    };
  }

  // ---- history -----------------------------------------------------------------------------

  event(action: string, detail: string, profile?: string, device?: string, now = new Date()): void {
    this.sql('INSERT INTO events (at, profile, device, action, detail) VALUES (?, ?, ?, ?, ?)').run(now.toISOString(), profile ?? null, device ?? null, action, detail);
  }

  history(limit = 100): { at: string; profile: string | null; device: string | null; action: string; detail: string | null }[] {
    return this.sql('SELECT at, profile, device, action, detail FROM events ORDER BY id DESC LIMIT ?').all(limit) as never;
  }

  close(): void {
    this.db.close();
  }
}
