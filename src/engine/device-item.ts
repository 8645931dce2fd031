// One planned certificate on one device: ordered (or enrolled by the device itself), installed and bound,
// with every failure turned into an item result. Items of a device run concurrently; their device calls
// take turns through the device's lock.
import type { Issuer } from '../ca/issuer.js';
import type { Profile } from '../config/model.js';
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import type { Limit } from '../core/limit.js';
import type { Binding, Target } from '../devices/target.js';
import { orderChain, parseCertificate } from '../pki/index.js';
import { keySpecLabel, sameKeySpec } from '../pki/types.js';
import { newObjectName } from './naming.js';
import { makeLocalKey } from './keys-ahead.js';
import { keyOnDevice, obtain, type Obtained } from './obtain.js';
import { sameBinding, type Action, type PlanItem } from './plan.js';
import { pairProblems } from './preflight.js';
import type { ItemResult } from './report.js';
import type { DeviceRunDeps, Mode } from './device-run.js';

/** What one device's items share while they run concurrently. */
export interface DeviceWork {
  target: Target;
  deps: DeviceRunDeps;
  taken: Set<string>;
  /** The device's calls one at a time: drivers keep per-run state and a device commits one change set. */
  lock: Limit;
  localKeys: Map<string, Promise<string>>;
  /** Profiles whose item failed: they keep the object they would have replaced. */
  failedProfiles: Set<string>;
  /** The checks before ordering of the device's items (startChecks). */
  checks?: Promise<Map<PlanItem, string[]>>;
}

export interface ItemOutcome {
  result: ItemResult;
  changed: boolean;
}

export const MODE_ACTIONS: Record<Mode, Action[]> = {
  run: ['enroll', 'renew', 'replace', 'rebind', 'collect'],
  enroll: ['enroll', 'replace', 'collect'],
  renew: ['renew', 'collect'],
};

function unionBindings(a: Binding[], b: Binding[]): Binding[] {
  const out = [...a];
  for (const x of b) if (!out.some((y) => sameBinding(x, y))) out.push(x);
  return out;
}

export function failureDetail(e: unknown): string[] | undefined {
  const d = (e as { detail?: string[] }).detail;
  return d && d.length ? d : undefined;
}

const checkedBeforeOrder = (item: PlanItem, deps: DeviceRunDeps) =>
  !!deps.preflight && MODE_ACTIONS[deps.mode].includes(item.action) && item.action !== 'rebind' && item.action !== 'collect';

/** The checks before ordering of every item that orders, all at once. Each of those items waits for all of
 *  them, so that the device's key generations then queue up back to back (a driver may read their CSRs at
 *  once: devices/panos/csr-reads.ts). */
export async function startChecks(items: PlanItem[], target: Target, deps: DeviceRunDeps): Promise<Map<PlanItem, string[]>> {
  const checked = items.filter((item) => checkedBeforeOrder(item, deps));
  const problems = await Promise.all(checked.map((item) => pairProblems(target, item.profile, deps.preflight!)));
  return new Map(checked.map((item, i) => [item, problems[i]!]));
}

/** One item to its end; never throws. */
export async function settleItem(item: PlanItem, work: DeviceWork, log: Logger): Promise<ItemOutcome> {
  const { target, deps, failedProfiles } = work;
  const plog = log.child({ profile: item.profile.name });
  // Installed as far as the device's API allows: nothing to order or bind until the operator's step is done.
  if (item.current?.owed && (item.action === 'ok' || item.action === 'rebind')) {
    plog.error(item.current.owed);
    return { result: resultOf(item, 'failed', { error: item.current.owed }), changed: false };
  }
  if (item.action === 'ok') return { result: resultOf(item, 'ok'), changed: false };
  if (!MODE_ACTIONS[deps.mode].includes(item.action)) return { result: resultOf(item, 'skipped'), changed: false };
  plog.info(`${item.action}: ${item.reason}`);
  if (deps.preflight && checkedBeforeOrder(item, deps)) {
    const problems = (await work.checks)?.get(item) ?? (await pairProblems(target, item.profile, deps.preflight));
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
}

export function resultOf(item: PlanItem, outcome: ItemResult['outcome'], extra: Partial<ItemResult> = {}): ItemResult {
  const i = item.current?.info;
  return {
    profile: item.profile.name, device: item.device, action: item.action, reason: item.reason, outcome,
    objectName: item.current?.name, serial: i?.serial, notAfter: i?.notAfter.toISOString(), ...extra,
  };
}

async function execute(item: PlanItem, work: DeviceWork, log: Logger): Promise<ItemOutcome> {
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

async function installAndBind(item: PlanItem, got: Extract<Obtained, { state: 'issued' }>, work: DeviceWork, log: Logger, onDevice: boolean): Promise<ItemOutcome> {
  const { target, deps } = work;
  const p = item.profile;
  let owed: string | undefined;
  if (onDevice) log.info(`${target.name} enrolled ${got.objectName} itself at ${deps.issuers.get(p.ca)?.name ?? p.ca}; its key stays on the device`);
  else owed = (await target.install(got.objectName, { leafPem: got.leafPem, chainPem: got.chainPem, keyPem: got.keyPem }))?.owed;
  const i = got.info;
  // One transaction: the certificate is recorded and its order cleared together (committed with the
  // other items' writes of this moment).
  await deps.ledger.together(() => {
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
