// One device, start to end: observe, plan, then every certificate through CSR -> CA -> install ->
// bind, ONE commit for all of them, and only then the removal of the objects they replaced.
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
import { obtain, type Obtained } from './obtain.js';
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
  /** Checks before ordering (CA can issue it, device can use it); a pair that fails them is skipped. */
  preflight?: CaPreflight;
  /** hooks: post_commit: commands for after a successful commit. */
  postCommit?: HookEntry[];
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

async function execute(item: PlanItem, target: Target, taken: Set<string>, deps: DeviceRunDeps, log: Logger): Promise<{ result: ItemResult; changed: boolean; replaced?: string }> {
  const p = item.profile;
  const refusal = target.unsupportedBindings?.(item.action === 'rebind' ? item.missing : unionBindings(p.targets.find((t) => t.device === target.name)?.bindings ?? [], item.current?.bindings ?? []));
  if (refusal) throw new Error(`${target.name}: ${refusal}`);
  if (item.action === 'rebind') {
    await target.bind(item.current!.name, item.missing);
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
  const got = onDevice ? await enrolledOnDevice(issuer, target, objectName, p) : await obtain(item, { issuer, target, ledger: deps.ledger, log, objectName, profile: p });
  if (got.state === 'pending') {
    return { result: resultOf(item, 'pending', { caId: got.caRef.id, error: got.detail ? `pending at the CA: ${got.detail}` : 'pending at the CA' }), changed: false };
  }
  if (onDevice) log.info(`${target.name} enrolled ${got.objectName} itself at ${issuer.name}; its key stays on the device`);
  else await target.install(got.objectName, { leafPem: got.leafPem, chainPem: got.chainPem, keyPem: got.keyPem });
  const i = got.info;
  deps.ledger.recordInstalled({
    profile: p.name, device: target.name, objectName: got.objectName, ca: p.ca, caRef: got.caRef, serial: i.serial,
    notBefore: i.notBefore.toISOString(), notAfter: i.notAfter.toISOString(), names: i.sans,
    keySpec: i.keySpec ? keySpecLabel(i.keySpec) : 'unknown', fingerprint: i.fingerprintSha256,
  });
  deps.ledger.clearOrder(p.name, target.name);
  deps.ledger.setNeedsCommit(target.name, true);
  deps.ledger.event('installed', `${got.objectName} serial ${i.serial} until ${i.notAfter.toISOString()} (${got.caRef.ca} ${got.caRef.id})`, p.name, target.name);
  log.info({ object: got.objectName, serial: i.serial }, `installed ${got.objectName} (serial ${i.serial}, valid until ${i.notAfter.toISOString().slice(0, 10)})`);
  // Everything that used the old certificate moves to the new one, plus what the profile asks for.
  const wanted = p.targets.find((t) => t.device === target.name)?.bindings ?? [];
  const bindings = unionBindings(wanted, item.current?.bindings ?? []);
  if (bindings.length) {
    await target.bind(got.objectName, bindings);
    log.info(`bound ${got.objectName} to ${bindings.map((b) => (b.name ? `${b.kind} ${b.name}` : b.kind)).join(', ')}`);
  }
  return {
    result: resultOf(item, 'done', { objectName: got.objectName, serial: i.serial, notAfter: i.notAfter.toISOString(), caId: got.caRef.id }),
    changed: true,
    ...(item.current && item.current.name !== got.objectName ? { replaced: item.current.name } : {}),
  };
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
  try {
    await target.open();
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
    const taken = new Set(inventory.map((c) => c.name));
    let changed = false;
    const replaced: { profile: string; name: string }[] = [];
    for (const item of items) {
      const plog = log.child({ profile: item.profile.name });
      if (item.action === 'ok') {
        res.items.push(resultOf(item, 'ok'));
        continue;
      }
      if (!MODE_ACTIONS[deps.mode].includes(item.action)) {
        res.items.push(resultOf(item, 'skipped'));
        continue;
      }
      plog.info(`${item.action}: ${item.reason}`);
      if (deps.preflight && item.action !== 'rebind' && item.action !== 'collect') {
        const problems = await pairProblems(target, item.profile, deps.preflight);
        if (problems.length) {
          const error = `not ordered: ${problems.join('; ')}`;
          plog.error(error);
          deps.ledger.event('failed', `${item.action}: ${error}`, item.profile.name, target.name);
          res.items.push(resultOf(item, 'failed', { error }));
          continue;
        }
      }
      try {
        const r = await execute(item, target, taken, deps, plog);
        res.items.push(r.result);
        changed ||= r.changed;
        if (r.replaced) replaced.push({ profile: item.profile.name, name: r.replaced });
      } catch (e) {
        plog.error({ err: e }, `${item.action} failed: ${errorMessage(e)}`);
        deps.ledger.event('failed', `${item.action}: ${errorMessage(e)}`, item.profile.name, target.name);
        res.items.push(resultOf(item, 'failed', { error: errorMessage(e), detail: failureDetail(e) }));
      }
    }
    const removedEarly = target.capabilities.removeInSameCommit ? await removeBeforeCommit(target, replaced, deps, res, log) : new Set<string>();
    if (changed || deps.ledger.needsCommit(target.name)) {
      const done = res.items.filter((i) => i.outcome === 'done');
      const note = `fwcert: ${done.map((i) => `${i.action} ${i.profile}`).join(', ') || 'complete earlier changes'}`;
      try {
        const cr = await target.commit(note, commitScope(target, profiles, deps.ledger));
        res.committed = cr.committed;
        res.commitJob = cr.jobId;
        res.warnings.push(...(cr.warnings ?? []));
        deps.ledger.setNeedsCommit(target.name, false);
        deps.ledger.markCommitted(target.name);
        deps.ledger.event('committed', `${note}${cr.jobId ? ` (job ${cr.jobId})` : ''}`, undefined, target.name);
        log.info(`committed${cr.jobId ? ` (job ${cr.jobId})` : ''}`);
        if (deps.postCommit?.length && done.length) {
          res.hooks = await runPostCommitHooks(deps.postCommit, target.name, done, log);
          for (const h of res.hooks) if (h.error) res.warnings.push(`post-commit hook ${h.command} ${h.error}`);
        }
      } catch (e) {
        res.error = `commit failed: ${errorMessage(e)}`;
        res.detail = failureDetail(e);
        for (const i of done) {
          i.outcome = 'failed';
          i.error = 'installed, but the commit failed; the next run commits it';
        }
        deps.ledger.event('commit-failed', errorMessage(e), undefined, target.name);
        log.error({ err: e }, res.error);
        return res;
      }
    }
    await removeReplaced(target, inventory, deps, res, log, profiles, removedEarly);
    return res;
  } finally {
    await target.close().catch(() => undefined);
  }
}

/** Targets with removeInSameCommit: the replaced objects go in the same change as their successors
 * (after the bindings moved, before the one commit). One that cannot go yet is left for later. */
async function removeBeforeCommit(target: Target, replaced: { profile: string; name: string }[], deps: DeviceRunDeps, res: DeviceResult, log: Logger): Promise<Set<string>> {
  const done = new Set<string>();
  for (const r of replaced) {
    try {
      await target.remove(r.name);
      done.add(r.name);
      res.removed.push(r.name);
      deps.ledger.event('removed', `${r.name} (in the same commit as its successor)`, r.profile, target.name);
      log.info(`removed the replaced object ${r.name} in the same change`);
    } catch (e) {
      log.warn(`could not remove ${r.name} before the commit: ${errorMessage(e)} (removed after it)`);
    }
  }
  return done;
}

/** Deletes objects that a successful commit stopped using, then commits that deletion. */
async function removeReplaced(target: Target, inventory: ParsedCert[], deps: DeviceRunDeps, res: DeviceResult, log: Logger, profiles: Profile[], removedEarly = new Set<string>()): Promise<void> {
  const present = new Set(inventory.map((c) => c.name));
  const before = res.removed.length;
  for (const r of deps.ledger.pendingRemovals(target.name)) {
    if (!present.has(r.objectName) || removedEarly.has(r.objectName)) {
      deps.ledger.markRemoved(r.id);
      continue;
    }
    try {
      await target.remove(r.objectName);
      deps.ledger.markRemoved(r.id);
      deps.ledger.event('removed', r.objectName, r.profile, target.name);
      res.removed.push(r.objectName);
      log.info(`removed the replaced object ${r.objectName}`);
    } catch (e) {
      res.warnings.push(`could not remove ${r.objectName}: ${errorMessage(e)} (retried next run)`);
      log.warn(`could not remove ${r.objectName}: ${errorMessage(e)}`);
    }
  }
  if (res.removed.length === before) return;
  try {
    await target.commit(`fwcert: remove replaced ${res.removed.slice(before).join(', ')}`, commitScope(target, profiles, deps.ledger));
  } catch (e) {
    deps.ledger.setNeedsCommit(target.name, true);
    res.warnings.push(`the commit removing ${res.removed.join(', ')} failed: ${errorMessage(e)} (retried next run)`);
  }
}
