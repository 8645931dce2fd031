// One device, start to end: observe, plan, then every certificate that needs one ordered at once
// (CSR -> CA), each installed + bound as soon as it is issued, the objects they replaced removed, and
// ONE commit for all of it. Commits/deploys are atomic: the running configuration goes from "old
// bound" to "new bound, old gone" in one step, and a failed commit leaves it untouched.
import type { Issuer } from '../ca/issuer.js';
import type { Profile } from '../config/model.js';
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import type { Binding, Target } from '../devices/target.js';
import type { Ledger } from '../ledger/ledger.js';
import { orderChain, parseCertificate } from '../pki/index.js';
import { keySpecLabel, sameKeySpec } from '../pki/types.js';
import { profileCerts, withInfo, type ParsedCert } from './inventory.js';
import { commitScope } from './commit-scope.js';
import { removeLeftovers } from './leftovers.js';
import { newObjectName } from './naming.js';
import { makeLocalKey, startLocalKeys } from './keys-ahead.js';
import { Limit } from '../core/limit.js';
import { keyOnDevice, obtain, type Obtained } from './obtain.js';
import { plan, sameBinding, type Action, type Observation, type PlanItem } from './plan.js';
import { pairProblems, type CaPreflight } from './preflight.js';
import { runPostCommitHooks } from './post-commit.js';
import type { HookEntry } from '../config/monitoring.js';
import type { DeviceResult, ItemResult } from './report.js';

export type Mode = 'run' | 'enroll' | 'renew';

export interface DeviceRunDeps {
  ledger: Ledger;
  issuers: Map<string, Issuer>;
  log: Logger;
  now: Date;
  mode: Mode;
  force: boolean;
  dryRun: boolean;
  /** Per CA: its orders in flight, shared by every device of the run (cas.<name>.max_in_flight). */
  caLimits?: Map<string, Limit>;
  /** Checks before ordering (CA can issue it, device can use it); a pair that fails them is skipped. */
  preflight?: CaPreflight;
  /** hooks: post_commit: commands for after a successful commit. */
  postCommit?: HookEntry[];
}

/** What one device's items share while they run concurrently. */
interface DeviceWork {
  target: Target;
  deps: DeviceRunDeps;
  taken: Set<string>;
  /** The device's calls one at a time: drivers keep per-run state and a device commits one change set. */
  lock: Limit;
  localKeys: Map<string, Promise<string>>;
}

const MODE_ACTIONS: Record<Mode, Action[]> = {
  run: ['enroll', 'renew', 'replace', 'rebind', 'collect'],
  enroll: ['enroll', 'replace', 'collect'],
  renew: ['renew', 'collect'],
};

function unionBindings(a: Binding[], b: Binding[]): Binding[] {
  const out = [...a];
  for (const x of b) if (!out.some((y) => sameBinding(x, y))) out.push(x);
  return out;
}

function failureDetail(e: unknown): string[] | undefined {
  const d = (e as { detail?: string[] }).detail;
  return d && d.length ? d : undefined;
}

async function observe(target: Target, profiles: Profile[], deps: DeviceRunDeps, inventory: ParsedCert[], log: Logger): Promise<PlanItem[]> {
  const items: PlanItem[] = [];
  for (const p of profiles) {
    const record = deps.ledger.current(p.name, target.name);
    const certs = profileCerts(inventory, p.name, target.capabilities.maxNameLength, record);
    const obs: Observation = { profile: p, device: target.name, certs, record, order: deps.ledger.order(p.name, target.name) };
    const issuer = deps.issuers.get(p.ca);
    if (issuer?.status && record?.caRef && record.ca === p.ca && record.state !== 'revoked') {
      try {
        obs.caStatus = await issuer.status(record.caRef);
      } catch (e) {
        log.warn({ profile: p.name }, `cannot check the CA status of ${record.caRef.id}: ${errorMessage(e)}`);
      }
    }
    const item0 = plan(obs, deps.now, { force: deps.force });
    if (issuer?.suggestedWindow && item0.current?.certPem && item0.action === 'ok') {
      try {
        obs.suggestedWindow = await issuer.suggestedWindow(item0.current.certPem);
      } catch (e) {
        log.debug({ profile: p.name }, `no renewal window from the CA: ${errorMessage(e)}`);
      }
    }
    const item = obs.suggestedWindow ? plan(obs, deps.now, { force: deps.force }) : item0;
    // A certificate found under the profile's name but unknown to the ledger is adopted, so that it is
    // tracked and later removed like any other.
    if (!record && item.current?.info && !deps.dryRun) {
      const i = item.current.info;
      deps.ledger.adopt({
        profile: p.name, device: target.name, objectName: item.current.name, ca: p.ca, serial: i.serial,
        notBefore: i.notBefore.toISOString(), notAfter: i.notAfter.toISOString(), names: i.sans,
        keySpec: i.keySpec ? keySpecLabel(i.keySpec) : 'unknown', fingerprint: i.fingerprintSha256,
      });
    }
    items.push(item);
  }
  return items;
}

function resultOf(item: PlanItem, outcome: ItemResult['outcome'], extra: Partial<ItemResult> = {}): ItemResult {
  const i = item.current?.info;
  return {
    profile: item.profile.name, device: item.device, action: item.action, reason: item.reason, outcome,
    objectName: item.current?.name, serial: i?.serial, notAfter: i?.notAfter.toISOString(), ...extra,
  };
}

async function execute(item: PlanItem, work: DeviceWork, log: Logger): Promise<{ result: ItemResult; changed: boolean }> {
  const { target, taken, deps, lock } = work;
  const p = item.profile;
  const refusal = target.unsupportedBindings?.(item.action === 'rebind' ? item.missing : unionBindings(p.targets.find((t) => t.device === target.name)?.bindings ?? [], item.current?.bindings ?? []));
  if (refusal) throw new Error(`${target.name}: ${refusal}`);
  if (item.action === 'rebind') {
    await lock.run(() => target.bind(item.current!.name, item.missing));
    deps.ledger.event('rebound', item.missing.map((b) => b.name ?? b.kind).join(', '), p.name, target.name);
    log.info(`bound ${item.current!.name} to ${item.missing.map((b) => (b.name ? `${b.kind} ${b.name}` : b.kind)).join(', ')}`);
    return { result: resultOf(item, 'done'), changed: true };
  }
  const issuer = deps.issuers.get(p.ca);
  if (!issuer) throw new Error(`CA ${p.ca} is not available`);
  if (!target.capabilities.keyTypes.some((k) => sameKeySpec(k, p.key))) {
    throw new Error(`${target.name} does not support ${keySpecLabel(p.key)} keys (supported: ${target.capabilities.keyTypes.map(keySpecLabel).join(', ')})`);
  }
  if (!issuer.capabilities.keyTypes.some((k) => sameKeySpec(k, p.key))) {
    throw new Error(`${issuer.name} does not issue ${keySpecLabel(p.key)} certificates`);
  }
  let objectName = item.order?.objectName ?? '';
  if (item.action !== 'collect') {
    objectName = newObjectName(p.name, target.capabilities.maxNameLength, taken, deps.now);
    target.validateName(objectName);
    taken.add(objectName);
  }
  // A device that can enroll itself at this CA (EST) does: the key never leaves the device.
  const onDevice = !!(issuer.deviceEnrollment && target.enrollOnDevice) && item.action !== 'collect';
  const got = onDevice
    ? await lock.run(() => enrolledOnDevice(issuer, target, objectName, p))
    : await obtain(item, {
        issuer, target, ledger: deps.ledger, log, objectName, profile: p, inFlight: deps.caLimits?.get(p.ca), deviceLock: lock,
        localKey: keyOnDevice(p, target) ? undefined : (work.localKeys.get(p.name) ?? makeLocalKey(p.key)),
      });
  if (got.state === 'pending') {
    return { result: resultOf(item, 'pending', { caId: got.caRef.id, error: got.detail ? `pending at the CA: ${got.detail}` : 'pending at the CA' }), changed: false };
  }
  return lock.run(() => installAndBind(item, got, work, log, onDevice));
}

async function installAndBind(item: PlanItem, got: Extract<Obtained, { state: 'issued' }>, work: DeviceWork, log: Logger, onDevice: boolean): Promise<{ result: ItemResult; changed: boolean }> {
  const { target, deps } = work;
  const p = item.profile;
  let owed: string | undefined;
  if (onDevice) log.info(`${target.name} enrolled ${got.objectName} itself at ${deps.issuers.get(p.ca)?.name ?? p.ca}; its key stays on the device`);
  else owed = (await target.install(got.objectName, { leafPem: got.leafPem, chainPem: got.chainPem, keyPem: got.keyPem }))?.owed;
  const i = got.info;
  // One transaction: the certificate is recorded and its order cleared together.
  deps.ledger.transaction(() => {
    deps.ledger.recordInstalled({
      profile: p.name, device: target.name, objectName: got.objectName, ca: p.ca, caRef: got.caRef, serial: i.serial,
      notBefore: i.notBefore.toISOString(), notAfter: i.notAfter.toISOString(), names: i.sans,
      keySpec: i.keySpec ? keySpecLabel(i.keySpec) : 'unknown', fingerprint: i.fingerprintSha256,
    });
    deps.ledger.clearOrder(p.name, target.name);
    deps.ledger.setNeedsCommit(target.name, true);
    deps.ledger.event('installed', `${got.objectName} serial ${i.serial} until ${i.notAfter.toISOString()} (${got.caRef.ca} ${got.caRef.id})`, p.name, target.name);
  });
  log.info({ object: got.objectName, serial: i.serial }, `installed ${got.objectName} (serial ${i.serial}, valid until ${i.notAfter.toISOString().slice(0, 10)})`);
  const done = { objectName: got.objectName, serial: i.serial, notAfter: i.notAfter.toISOString(), caId: got.caRef.id };
  if (owed) {
    // Stored where the device's API allows (recorded, so it is not ordered again); binding waits for the operator.
    log.error(owed);
    return { result: resultOf(item, 'failed', { ...done, error: owed }), changed: true };
  }
  // Everything that used the old certificate moves to the new one, plus what the profile asks for.
  const wanted = p.targets.find((t) => t.device === target.name)?.bindings ?? [];
  const bindings = unionBindings(wanted, item.current?.bindings ?? []);
  if (bindings.length) {
    await target.bind(got.objectName, bindings);
    log.info(`bound ${got.objectName} to ${bindings.map((b) => (b.name ? `${b.kind} ${b.name}` : b.kind)).join(', ')}`);
  }
  return { result: resultOf(item, 'done', done), changed: true };
}

async function enrolledOnDevice(issuer: Issuer, target: Target, objectName: string, p: Profile): Promise<Obtained> {
  const enrollment = await issuer.deviceEnrollment!();
  const r = await target.enrollOnDevice!(objectName, { subject: p.subject, sans: p.names, key: p.key }, enrollment);
  const { leaf, chain } = orderChain([r.leafPem, ...r.chainPem]);
  const info = parseCertificate(leaf);
  return { state: 'issued', objectName, caRef: { ca: p.ca, id: info.serial, extra: { enrolledBy: 'device' } }, leafPem: leaf, chainPem: chain, info };
}

export async function runDevice(target: Target, profiles: Profile[], deps: DeviceRunDeps): Promise<DeviceResult> {
  const log = deps.log.child({ device: target.name });
  const res: DeviceResult = { device: target.name, reachable: false, committed: false, removed: [], warnings: [], items: [] };
  let inventory: ParsedCert[];
  let localKeys = new Map<string, Promise<string>>();
  try {
    await target.open();
    // Local keys the ledger says will be needed are made (off the event loop) while the inventory is read.
    if (!deps.dryRun) localKeys = startLocalKeys(profiles.filter((p) => !safeKeyOnDevice(p, target)), target.name, deps, log);
    inventory = withInfo(await target.inventory(), log);
    res.reachable = true;
  } catch (e) {
    res.error = errorMessage(e);
    res.detail = failureDetail(e);
    log.error({ err: e }, `cannot reach ${target.name}`);
    res.items = profiles.map((p) => ({
      profile: p.name, device: target.name, action: 'unknown' as const, reason: 'device unreachable', outcome: 'failed' as const, error: res.error,
    }));
    await target.close().catch(() => undefined);
    return res;
  }
  try {
    if (!deps.dryRun) {
      const { cleaned, warnings } = await removeLeftovers(target, profiles, inventory, deps.ledger, log);
      res.warnings.push(...warnings);
      if (cleaned.length) {
        res.cleaned = cleaned;
        inventory = inventory.filter((c) => !cleaned.includes(c.name));
      }
    }
    const items = await observe(target, profiles, deps, inventory, log);
    if (deps.dryRun) {
      res.items = items.map((it) => resultOf(it, it.action === 'ok' ? 'ok' : MODE_ACTIONS[deps.mode].includes(it.action) ? 'planned' : 'skipped'));
      return res;
    }
    // Device-level configuration outside the planner (FMC trust anchors), before the certificates.
    const converged = target.converge
      ? await target.converge().catch((e: unknown) => ({ changed: false, problems: [errorMessage(e)] }))
      : { changed: false, problems: [] };
    for (const p of converged.problems) log.error(p);
    if (converged.problems.length) res.error = converged.problems.join('; ');
    const work: DeviceWork = { target, deps, taken: new Set(inventory.map((c) => c.name)), lock: new Limit(1), localKeys };
    const failedProfiles = new Set<string>();
    // The checks before ordering, all at once; the items that wait for them go on together, so that the
    // device's key generations queue up back to back (a driver reads their CSRs at once: panos/csr-reads.ts).
    const checked = (item: PlanItem) => !!deps.preflight && MODE_ACTIONS[deps.mode].includes(item.action) && item.action !== 'rebind' && item.action !== 'collect';
    const checks = Promise.all(items.map((item) => (checked(item) ? pairProblems(target, item.profile, deps.preflight!) : [])));
    // Every item at once: CA orders overlap, device calls take turns (work.lock).
    const outcomes = await Promise.all(
      items.map(async (item, index): Promise<{ result: ItemResult; changed: boolean }> => {
        const plog = log.child({ profile: item.profile.name });
        // Installed as far as the device's API allows: nothing to order or bind until the operator's step is done.
        if (item.current?.owed && (item.action === 'ok' || item.action === 'rebind')) {
          plog.error(item.current.owed);
          return { result: resultOf(item, 'failed', { error: item.current.owed }), changed: false };
        }
        if (item.action === 'ok') return { result: resultOf(item, 'ok'), changed: false };
        if (!MODE_ACTIONS[deps.mode].includes(item.action)) return { result: resultOf(item, 'skipped'), changed: false };
        plog.info(`${item.action}: ${item.reason}`);
        if (checked(item)) {
          const problems = (await checks)[index]!;
          if (problems.length) {
            const error = `not ordered: ${problems.join('; ')}`;
            plog.error(error);
            deps.ledger.event('failed', `${item.action}: ${error}`, item.profile.name, target.name);
            failedProfiles.add(item.profile.name);
            return { result: resultOf(item, 'failed', { error }), changed: false };
          }
        }
        try {
          return await execute(item, work, plog);
        } catch (e) {
          plog.error({ err: e }, `${item.action} failed: ${errorMessage(e)}`);
          deps.ledger.event('failed', `${item.action}: ${errorMessage(e)}`, item.profile.name, target.name);
          failedProfiles.add(item.profile.name);
          return { result: resultOf(item, 'failed', { error: errorMessage(e), detail: failureDetail(e) }), changed: false };
        }
      }),
    );
    res.items = outcomes.map((o) => o.result);
    // A failed item keeps the object it would have replaced.
    for (const o of outcomes) if (o.result.outcome === 'failed') failedProfiles.add(o.result.profile);
    let changed = converged.changed || outcomes.some((o) => o.changed);
    const present = new Set(inventory.map((c) => c.name));
    for (const o of outcomes) if (o.result.outcome === 'done' && o.result.objectName) present.add(o.result.objectName);
    const afterCommit = !!target.capabilities.removeAfterCommit;
    const removal = afterCommit ? { removed: [], gone: [] } : await removeReplaced(target, present, failedProfiles, deps, res, log);
    changed ||= res.removed.length > 0;
    if (!changed && !deps.ledger.needsCommit(target.name)) {
      for (const id of removal.gone) deps.ledger.markRemoved(id);
      if (afterCommit) await removeAfterCommit(target, present, failedProfiles, deps, res, log);
      return res;
    }
    const done = res.items.filter((i) => i.outcome === 'done');
    const what = [
      ...done.map((i) => `${i.action} ${i.profile}`), ...(res.removed.length ? [`remove ${res.removed.join(', ')}`] : []),
      ...(converged.changed ? ['device configuration'] : []),
    ];
    const note = `fwcert: ${what.join(', ') || 'complete earlier changes'}`;
    try {
      const cr = await target.commit(note, commitScope(target, profiles, deps.ledger));
      res.committed = cr.committed;
      res.commitJob = cr.jobId;
      res.warnings.push(...(cr.warnings ?? []));
      deps.ledger.setNeedsCommit(target.name, false);
      deps.ledger.markCommitted(target.name);
      for (const id of [...removal.removed, ...removal.gone]) deps.ledger.markRemoved(id);
      deps.ledger.event('committed', `${note}${cr.jobId ? ` (job ${cr.jobId})` : ''}`, undefined, target.name);
      log.info(`committed${cr.jobId ? ` (job ${cr.jobId})` : ''}`);
      if (afterCommit) await removeAfterCommit(target, present, failedProfiles, deps, res, log);
      if (deps.postCommit?.length && done.length) {
        res.hooks = await runPostCommitHooks(deps.postCommit, target.name, done, log);
        for (const h of res.hooks) if (h.error) res.warnings.push(`post-commit hook ${h.command} ${h.error}`);
      }
    } catch (e) {
      // The candidate keeps the changes (and removals); the ledger still owes the commit.
      deps.ledger.setNeedsCommit(target.name, true);
      res.error = `commit failed: ${errorMessage(e)}`;
      res.detail = failureDetail(e);
      for (const i of done) {
        i.outcome = 'failed';
        i.error = 'installed, but the commit failed; the next run commits it';
      }
      if (res.removed.length) res.warnings.push(`the removal of ${res.removed.join(', ')} is not committed either (the next run commits it)`);
      res.removed = [];
      deps.ledger.event('commit-failed', errorMessage(e), undefined, target.name);
      log.error({ err: e }, res.error);
    }
    return res;
  } finally {
    await target.close().catch(() => undefined);
  }
}

/** keyOnDevice() without its error: a profile that cannot have its key on the device just gets none early. */
function safeKeyOnDevice(p: Profile, target: Target): boolean {
  try {
    return keyOnDevice(p, target);
  } catch {
    return true;
  }
}

/**
 * Deletes, in the candidate configuration, the objects that this run's (or an earlier uncommitted run's)
 * certificates replaced, so that the one commit that follows takes them out of service together.
 * Profiles whose item failed in this run keep their old object. Returns the ledger ids deleted now and
 * those already gone from the device (both marked removed once the commit succeeds).
 */
/** removeAfterCommit targets: the deployed configuration no longer uses the replaced objects, so they
 *  are deleted now, each for good (no commit follows; a failure is retried by the next run). */
async function removeAfterCommit(
  target: Target, present: Set<string>, failedProfiles: Set<string>, deps: DeviceRunDeps, res: DeviceResult, log: Logger,
): Promise<void> {
  const { removed, gone } = await removeReplaced(target, present, failedProfiles, deps, res, log, { owesCommit: false });
  for (const id of [...removed, ...gone]) deps.ledger.markRemoved(id);
}

async function removeReplaced(
  target: Target, present: Set<string>, failedProfiles: Set<string>, deps: DeviceRunDeps, res: DeviceResult, log: Logger,
  opts: { owesCommit: boolean } = { owesCommit: true },
): Promise<{ removed: number[]; gone: number[] }> {
  const removed: number[] = [];
  const gone: number[] = [];
  for (const r of deps.ledger.replacedObjects(target.name)) {
    if (failedProfiles.has(r.profile)) continue;
    if (!present.has(r.objectName)) {
      gone.push(r.id);
      continue;
    }
    try {
      await target.remove(r.objectName);
      if (opts.owesCommit) deps.ledger.setNeedsCommit(target.name, true);
      removed.push(r.id);
      present.delete(r.objectName);
      deps.ledger.event('removed', opts.owesCommit ? `${r.objectName} (with the next commit)` : r.objectName, r.profile, target.name);
      res.removed.push(r.objectName);
      log.info(`removed the replaced object ${r.objectName}`);
    } catch (e) {
      res.warnings.push(`could not remove ${r.objectName}: ${errorMessage(e)} (retried next run)`);
      log.warn(`could not remove ${r.objectName}: ${errorMessage(e)}`);
    }
  }
  return { removed, gone };
}
