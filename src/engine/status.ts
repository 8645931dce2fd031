// Fleet status that tells the truth: per (profile, device) the certificate in service, whether the
// running configuration has it yet (pending commit), whether the CA revoked it, whether it pairs with
// a key, carries the profile's names and chains to a CA on the device; certificates the config no
// longer names; with --all every other certificate on the devices; and the configured TLS probes.
import type { Issuer } from '../ca/issuer.js';
import type { Config, Profile } from '../config/model.js';
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import type { Binding, Receiver, Target } from '../devices/target.js';
import { parseCertificate } from '../pki/index.js';
import { Ledger, type CertRecord } from '../ledger/ledger.js';
import { buildIssuer, Targets } from './build.js';
import { profileCerts, withInfo, type ParsedCert } from './inventory.js';
import { pickCurrent } from './plan.js';
import { mapBounded } from './pool.js';
import { parseAddress, probeEndpoint } from './probe.js';
import { expiryLevel, worst, type Level, type StatusRow, type Thresholds } from './status-row.js';
import { fmcManagers } from '../sftunnel/options.js';
import { sftunnelStatusRows } from '../sftunnel/status-rows.js';

export type { Level, StatusRow } from './status-row.js';

export interface StatusReport {
  at: string;
  warnDays: number;
  criticalDays: number;
  rows: StatusRow[];
  unreachable: { device: string; error: string }[];
  /** --all: unmanaged and CA rows were asked for, so they count for the exit code too. */
  all?: boolean;
}

export interface StatusOptions extends Thresholds {
  log: Logger;
  now?: Date;
  /** Do not contact devices (the CA is still asked about revocations). */
  ledgerOnly?: boolean;
  /** Every certificate on every device, not only the managed ones. */
  all?: boolean;
  /** Run the configured probes (default true; never with ledgerOnly). */
  probe?: boolean;
  /** Ask the CA whether certificates were revoked (default true). */
  caCheck?: boolean;
}

/** Days left -> level in the vocabulary of `sftunnel status` (expired apart from critical). */
export function levelOf(days: number, warnDays: number, criticalDays: number): 'ok' | 'warn' | 'critical' | 'expired' {
  if (days < 0) return 'expired';
  if (days < criticalDays) return 'critical';
  if (days < warnDays) return 'warn';
  return 'ok';
}

interface Ctx {
  cfg: Config;
  ledger: Ledger;
  opts: StatusOptions;
  now: Date;
  caStatus(record: CertRecord): Promise<string | undefined>;
}

const bindingLabel = (b: { kind: string; name?: string }) => (b.name ? `${b.kind}:${b.name}` : b.kind);

/** The newest committed record of a pair: what the running configuration uses. */
function runningRecord(ledger: Ledger, profile: string, device: string): CertRecord | undefined {
  return ledger.inService().filter((r) => r.profile === profile && r.device === device && r.state !== 'installed').at(-1);
}

function sameNames(a: string[], b: string[]): boolean {
  const n = (x: string[]) => [...new Set(x.map((s) => s.toLowerCase()))].sort().join(',');
  return n(a) === n(b);
}

/** Applies the pending-commit and revocation facts the ledger and the CA know to a row. */
async function ledgerFacts(row: StatusRow, record: CertRecord | undefined, ctx: Ctx): Promise<void> {
  if (!record || record.serial !== row.serial) return;
  if (record.state === 'installed') {
    const run = runningRecord(ctx.ledger, record.profile, record.device);
    row.state = 'pending-commit';
    row.running = run ? { objectName: run.objectName, serial: run.serial, notAfter: run.notAfter } : undefined;
    const runLevel: Level = run ? expiryLevel(new Date(run.notAfter), ctx.now, ctx.opts).level : 'critical';
    row.level = worst(row.level, 'warn', runLevel);
    addNote(row, run
      ? `installed, not yet committed: the running configuration still uses ${run.objectName} (serial ${run.serial}); the next run commits it`
      : 'installed, not yet committed: the running configuration has no certificate for this profile; the next run commits it');
  }
  const revoked = record.state === 'revoked' || (await ctx.caStatus(record)) === 'revoked';
  if (revoked) {
    row.state = 'revoked';
    row.level = 'critical';
    addNote(row, 'revoked at the CA; the next run replaces it');
  }
}

function addNote(row: StatusRow, note: string): void {
  row.note = row.note ? `${row.note}; ${note}` : note;
}

/** The issuer of `leaf` among the device's CA certificates (by subject DN); undefined when none lists it. */
function chainsOnDevice(leaf: ParsedCert, inventory: ParsedCert[]): boolean {
  const i = leaf.info!;
  if (i.selfIssued) return false;
  return inventory.some((c) => c.isCa && c.info?.subjectDn === i.issuerDn);
}

async function managedRow(p: Profile, dev: string, inventory: ParsedCert[] | undefined, maxLen: number, ctx: Ctx): Promise<StatusRow> {
  const record = ctx.ledger.current(p.name, dev);
  const order = ctx.ledger.order(p.name, dev);
  const base: StatusRow = {
    kind: 'managed', device: dev, profile: p.name, ca: p.ca, level: 'ok', state: 'ok', source: inventory ? 'device' : 'ledger',
    pendingOrder: order ? `${order.ca} ${order.caRef.id || '(answer lost; looked up next run)'}` : undefined,
  };
  if (inventory) {
    const certs = profileCerts(inventory, p.name, maxLen, record);
    const cur = pickCurrent({ profile: p, device: dev, certs, record });
    if (!cur?.info) {
      return { ...base, level: 'critical', state: 'missing', note: 'no certificate on the device' };
    }
    const e = expiryLevel(cur.info.notAfter, ctx.now, ctx.opts);
    const row: StatusRow = {
      ...base, level: e.level, state: e.state, objectName: cur.name, serial: cur.info.serial, notAfter: cur.info.notAfter.toISOString(),
      daysLeft: e.daysLeft, subject: cur.info.subject.cn, issuer: cur.info.issuerCn,
      caId: record?.serial === cur.info.serial ? record.caRef?.id : undefined, bindings: cur.bindings.map(bindingLabel),
    };
    if (cur.owed) {
      row.level = worst(row.level, 'error');
      addNote(row, cur.owed);
    }
    if (!cur.hasKey) {
      row.level = worst(row.level, 'error');
      row.state = 'no-key';
      addNote(row, 'the device holds no private key for it');
    }
    if (!sameNames(p.names, [...(cur.info.subject.cn ? [cur.info.subject.cn] : []), ...cur.info.sans])) {
      row.level = worst(row.level, 'error');
      row.state = row.state === 'ok' || row.state === 'expiring' ? 'wrong-names' : row.state;
      addNote(row, `names ${cur.info.sans.join(', ')} differ from the profile's ${p.names.join(', ')}`);
    }
    if (inventory.some((c) => c.isCa) && !chainsOnDevice(cur, inventory)) {
      row.level = worst(row.level, 'error');
      row.state = row.state === 'ok' || row.state === 'expiring' ? 'untrusted' : row.state;
      addNote(row, `its issuer ${cur.info.issuerCn ?? cur.info.issuerDn} is not among the device's CA certificates: clients get an incomplete chain`);
    }
    const wanted = p.targets.find((t) => t.device === dev)?.bindings ?? [];
    const unbound = wanted.filter((w) => !cur.bindings.some((b) => bindingLabel(b) === bindingLabel(w)));
    if (unbound.length) {
      row.level = worst(row.level, 'warn');
      addNote(row, `not bound to ${unbound.map(bindingLabel).join(', ')}`);
    }
    await ledgerFacts(row, record, ctx);
    return row;
  }
  if (!record) return { ...base, level: 'critical', state: 'missing', note: ctx.opts.ledgerOnly ? 'not in the ledger' : 'device unreachable; not in the ledger' };
  const e = expiryLevel(new Date(record.notAfter), ctx.now, ctx.opts);
  const row: StatusRow = {
    ...base, level: e.level, state: e.state, objectName: record.objectName, serial: record.serial, notAfter: record.notAfter, daysLeft: e.daysLeft,
    caId: record.caRef?.id, note: ctx.opts.ledgerOnly ? undefined : 'device unreachable; from the ledger',
  };
  await ledgerFacts(row, record, ctx);
  return row;
}

/**
 * One row per device that receives a managed target's certificate (firewalls under a Panorama
 * template): what it actually runs, which lags behind the target until a push reaches it. Read
 * through the manager's session, which lives until the end of the command.
 */
async function receiverRows(target: Target, row: StatusRow, inventory: ParsedCert[], ctx: Ctx): Promise<StatusRow[]> {
  const cur = inventory.find((c) => c.name === row.objectName);
  if (!cur?.info) return [];
  const base = { kind: 'managed' as const, profile: row.profile, ca: row.ca, source: 'device' as const };
  let receivers: Receiver[];
  try {
    receivers = await target.receivers!({ objectName: cur.name, bindings: cur.bindings as Binding[] });
  } catch (e) {
    return [{ ...base, device: row.device, level: 'error', state: 'unreachable', note: `cannot read what the receiving devices run: ${errorMessage(e)}` }];
  }
  return receivers.map((r): StatusRow => {
    let info: ReturnType<typeof parseCertificate> | undefined;
    try {
      info = r.certPem ? parseCertificate(r.certPem) : undefined;
    } catch {
      info = undefined;
    }
    if (!info) return { ...base, device: r.device, level: 'error', state: 'missing', objectName: r.objectName, note: `via ${row.device}: ${r.problem ?? 'no certificate'}` };
    const e = expiryLevel(info.notAfter, ctx.now, ctx.opts);
    const lagging = info.serial !== cur.info!.serial;
    return {
      ...base, device: r.device, level: lagging ? worst(e.level, 'warn') : e.level, state: lagging ? 'pending-commit' : e.state, objectName: r.objectName,
      serial: info.serial, notAfter: info.notAfter.toISOString(), daysLeft: e.daysLeft, subject: info.subject.cn, issuer: info.issuerCn,
      ...(lagging ? { running: { objectName: r.objectName, serial: info.serial, notAfter: info.notAfter.toISOString() } } : {}),
      note: `via ${row.device}${lagging ? `: runs an older certificate than ${cur.name} (serial ${cur.info!.serial}); pushed by the next run` : ''}`,
    };
  });
}

/** Certificates fwcert recorded for a pair the config no longer has: shown, never silently dropped. */
function retiredRows(records: CertRecord[], inventory: ParsedCert[] | undefined, ctx: Ctx): StatusRow[] {
  const rows: StatusRow[] = [];
  for (const r of records) {
    const onDevice = inventory?.find((c) => c.name === r.objectName);
    if (inventory && !onDevice) continue;
    const notAfter = onDevice?.info?.notAfter ?? new Date(r.notAfter);
    const e = expiryLevel(notAfter, ctx.now, ctx.opts);
    rows.push({
      kind: 'retired', device: r.device, profile: r.profile, ca: r.ca, caId: r.caRef?.id, level: worst('warn', e.level),
      state: 'no-longer-managed', source: inventory ? 'device' : 'ledger', objectName: r.objectName, serial: onDevice?.info?.serial ?? r.serial,
      notAfter: notAfter.toISOString(), daysLeft: e.daysLeft, bindings: onDevice?.bindings.map(bindingLabel),
      note: `profile ${r.profile} no longer targets ${r.device}: fwcert will not renew it (run --remove-retired deletes it)`,
    });
  }
  return rows;
}

function otherRows(dev: string, inventory: ParsedCert[], claimed: Set<string>, ctx: Ctx): StatusRow[] {
  return inventory
    .filter((c) => !claimed.has(c.name))
    .map((c): StatusRow => {
      const kind = c.isCa || c.info?.isCa ? 'ca' : 'unmanaged';
      if (!c.info) {
        return {
          kind, device: dev, level: 'ok', state: c.pendingCsr ? 'csr-pending' : 'unreadable', source: 'device', objectName: c.name, bindings: c.bindings.map(bindingLabel),
          ...(c.detail ? { note: c.detail } : {}),
        };
      }
      const e = expiryLevel(c.info.notAfter, ctx.now, ctx.opts);
      return {
        kind, device: dev, level: e.level, state: e.state, source: 'device', objectName: c.name, serial: c.info.serial, notAfter: c.info.notAfter.toISOString(),
        daysLeft: e.daysLeft, subject: c.info.subject.cn ?? c.info.subjectDn, issuer: c.info.issuerCn ?? c.info.issuerDn, bindings: c.bindings.map(bindingLabel),
        ...(c.detail ? { note: c.detail } : {}),
      };
    });
}

async function readDevice(target: Target, all: boolean, log: Logger): Promise<ParsedCert[]> {
  await target.open();
  const certs = all && target.inventoryAll ? await target.inventoryAll() : await target.inventory();
  return withInfo(certs, log);
}

/** Probes configured endpoints; a probe tied to a (device, profile) says whether the served certificate is the expected one. */
async function probeRows(cfg: Config, managed: StatusRow[], ctx: Ctx): Promise<StatusRow[]> {
  const out = await mapBounded(cfg.monitoring.probes, cfg.concurrency, async (p) => {
    const { host, port } = parseAddress(p.address);
    const { rows } = await probeEndpoint({ label: p.label, host, port, sni: p.sni, names: p.names, caPem: p.caPem, timeoutMs: p.timeoutMs }, ctx.now, ctx.opts);
    const leaf = rows[0]!;
    if (p.device) leaf.profile = p.profile;
    const want = p.device && p.profile ? managed.find((r) => r.device === p.device && r.profile === p.profile) : undefined;
    if (want && leaf.serial) {
      if (want.serial === leaf.serial) {
        addNote(leaf, `serves ${p.device}'s ${p.profile} certificate ${want.objectName}`);
      } else if (want.state === 'pending-commit' && want.running?.serial === leaf.serial) {
        leaf.level = worst(leaf.level, 'warn');
        leaf.state = 'pending-commit';
        addNote(leaf, `serves the running configuration's ${want.running.objectName} (serial ${leaf.serial}); ${want.objectName} (serial ${want.serial}) awaits a commit`);
      } else {
        leaf.level = worst(leaf.level, 'error');
        leaf.state = 'not-served';
        addNote(leaf, `serves serial ${leaf.serial}, but ${p.device} has ${want.objectName ?? 'nothing'} (serial ${want.serial ?? '-'}) for ${p.profile}`);
      }
      addNote(want, `${p.label} serves serial ${leaf.serial}`);
    }
    return rows;
  });
  return out.flat();
}

export async function fleetStatus(cfg: Config, opts: StatusOptions): Promise<StatusReport> {
  const now = opts.now ?? new Date();
  const ledger = new Ledger(cfg.ledgerPath, cfg.passphrase);
  const issuers = new Map<string, Issuer>();
  const ctx: Ctx = {
    cfg, ledger, opts, now,
    caStatus: async (record) => {
      const ca = cfg.cas.get(record.ca);
      if (!ca || !record.caRef || opts.caCheck === false) return undefined;
      let issuer = issuers.get(ca.name);
      if (!issuer) issuers.set(ca.name, (issuer = buildIssuer(ca, opts.log, ledger)));
      if (!issuer.status) return undefined;
      try {
        return await issuer.status(record.caRef);
      } catch (e) {
        opts.log.warn(`cannot check the CA status of ${record.caRef.id}: ${errorMessage(e)}`);
        return undefined;
      }
    },
  };
  const rows: StatusRow[] = [];
  const unreachable: StatusReport['unreachable'] = [];
  const targets = new Targets(cfg, opts.log);
  try {
    const inService = ledger.inService();
    const managedPair = (profile: string, device: string) => cfg.profiles.some((p) => p.name === profile && p.targets.some((t) => t.device === device));
    const retired = inService.filter((r) => !managedPair(r.profile, r.device));
    const devices = [...cfg.devices.values()].filter(
      (d) => opts.all || cfg.profiles.some((p) => p.targets.some((t) => t.device === d.name)) || retired.some((r) => r.device === d.name),
    );
    await targets.forEach(devices.map((d) => d.name), cfg.concurrency, async (target, name) => {
      const dev = cfg.devices.get(name)!;
      const profiles = cfg.profiles.filter((p) => p.targets.some((t) => t.device === dev.name));
      let inventory: ParsedCert[] | undefined;
      if (!opts.ledgerOnly) {
        try {
          inventory = await readDevice(target, !!opts.all, opts.log);
        } catch (e) {
          unreachable.push({ device: dev.name, error: errorMessage(e) });
        } finally {
          await target.close().catch(() => undefined);
        }
      }
      const mine: StatusRow[] = [];
      for (const p of profiles) mine.push(await managedRow(p, dev.name, inventory, target.capabilities.maxNameLength, ctx));
      const gone = retiredRows(retired.filter((r) => r.device === dev.name), inventory, ctx);
      rows.push(...mine, ...gone);
      if (inventory && target.receivers) for (const r of mine) rows.push(...(await receiverRows(target, r, inventory, ctx)));
      // Devices whose inventory lists every certificate anyway (FMC trustpoints) show the others without --all.
      if (inventory && (opts.all || target.capabilities.listsEveryCertificate)) {
        const claimed = new Set([...mine, ...gone].map((r) => r.objectName).filter((n): n is string => !!n));
        rows.push(...otherRows(dev.name, inventory, claimed, ctx));
      }
    });
    // Devices that left the config entirely: only the ledger knows their certificates.
    rows.push(...retiredRows(retired.filter((r) => !cfg.devices.has(r.device)), undefined, ctx).map((r) => ({ ...r, note: `device ${r.device} is no longer configured; ${r.note}` })));
    if (!opts.ledgerOnly && opts.probe !== false) rows.push(...(await probeRows(cfg, rows.filter((r) => r.kind === 'managed'), ctx)));
    if (!opts.ledgerOnly) {
      // FMC internal CA (sftunnel): read from the sftunnel handshake, no credentials (src/sftunnel/).
      const st = await sftunnelStatusRows(fmcManagers(cfg), { warnDays: opts.warnDays, criticalDays: opts.criticalDays, now });
      rows.push(...st.rows);
      unreachable.push(...st.unreachable);
    }
  } finally {
    await targets.close();
    for (const i of issuers.values()) await i.close?.().catch(() => undefined);
    ledger.close();
  }
  const kindOrder = ['managed', 'retired', 'probe', 'unmanaged', 'ca'];
  rows.sort(
    (a, b) => kindOrder.indexOf(a.kind) - kindOrder.indexOf(b.kind) || (a.daysLeft ?? -1e9) - (b.daysLeft ?? -1e9) ||
      a.device.localeCompare(b.device) || (a.profile ?? '').localeCompare(b.profile ?? '') || (a.objectName ?? '').localeCompare(b.objectName ?? ''),
  );
  return { at: now.toISOString(), warnDays: opts.warnDays, criticalDays: opts.criticalDays, rows, unreachable, ...(opts.all ? { all: true } : {}) };
}

/** Exit code rule for `status`: 3 anything critical (unmanaged/CA rows only with --all); 1 an error row or an unreachable device; 5 warnings when asked; else 0. */
export function statusExitCode(r: StatusReport, warnExit: boolean): number {
  // Certificates fwcert does not manage count only when the inventory was asked for (--all).
  const rows = r.rows.filter((x) => r.all || (x.kind !== 'unmanaged' && x.kind !== 'ca'));
  if (rows.some((x) => x.level === 'critical')) return 3;
  if (r.unreachable.length || rows.some((x) => x.level === 'error')) return 1;
  if (warnExit && rows.some((x) => x.level === 'warn')) return 5;
  return 0;
}
