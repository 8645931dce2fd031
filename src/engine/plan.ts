// The planner: a pure function from what is observed to what must happen, per (profile, device).
import { createHash } from 'node:crypto';
import type { Profile } from '../config/model.js';
import type { Binding, DeviceCert } from '../devices/target.js';
import type { CertRecord, PendingOrder } from '../ledger/ledger.js';
import { keySpecLabel, sameKeySpec, type CertInfo } from '../pki/types.js';
import { daysLeft, isDue } from './policy.js';

export type Action = 'ok' | 'enroll' | 'renew' | 'replace' | 'rebind' | 'collect';

export interface Observation {
  profile: Profile;
  device: string;
  /** Certificates on the device that belong to this profile, with parsed info. */
  certs: (DeviceCert & { info?: CertInfo })[];
  record?: CertRecord;
  order?: PendingOrder;
  caStatus?: 'valid' | 'revoked' | 'expired' | 'unknown';
  suggestedWindow?: { start: Date; end: Date };
}

export interface PlanItem {
  profile: Profile;
  device: string;
  action: Action;
  reason: string;
  /** The certificate in service now, if any. */
  current?: DeviceCert & { info?: CertInfo };
  /** For rebind: bindings the profile asks for that the device lacks. */
  missing: Binding[];
  /** For collect: the pending order to resume. */
  order?: PendingOrder;
  /** Whether a pending order of a changed profile must be dropped. */
  staleOrder?: boolean;
}

/** What an order is for: a changed profile (names, key, CA) makes a pending order stale. */
export function needHash(p: Profile): string {
  return createHash('sha256')
    .update(JSON.stringify({ names: [...p.names].sort(), key: keySpecLabel(p.key), ca: p.ca }))
    .digest('hex')
    .slice(0, 16);
}

export function sameBinding(a: Binding, b: Binding): boolean {
  return a.kind === b.kind && (a.name ?? '') === (b.name ?? '');
}

function certNames(info: CertInfo): string[] {
  return [...new Set([...(info.subject.cn ? [info.subject.cn] : []), ...info.sans].map((n) => n.toLowerCase()))].sort();
}

/** The certificate in service: the one the ledger names, else the one that lasts longest. */
export function pickCurrent(obs: Observation): (DeviceCert & { info?: CertInfo }) | undefined {
  const usable = obs.certs.filter((c) => c.info && !c.pendingCsr);
  const named = obs.record && usable.find((c) => c.name === obs.record!.objectName);
  if (named) return named;
  return [...usable].sort((a, b) => b.info!.notAfter.getTime() - a.info!.notAfter.getTime())[0];
}

export function plan(obs: Observation, now: Date, opts: { force?: boolean } = {}): PlanItem {
  const { profile, device } = obs;
  const base = { profile, device, missing: [] as Binding[] };
  let staleOrder = false;
  if (obs.order) {
    if (obs.order.needHash === needHash(profile)) {
      const reason = obs.order.caRef.id
        ? `order ${obs.order.caRef.id} at ${obs.order.ca} is pending since ${obs.order.createdAt}`
        : `the answer to the request sent to ${obs.order.ca} at ${obs.order.createdAt} was lost: look it up, or send it again`;
      return { ...base, action: 'collect', reason, order: obs.order };
    }
    staleOrder = true;
  }
  const current = pickCurrent(obs);
  const item = (action: Action, reason: string, missing: Binding[] = []): PlanItem => ({ ...base, action, reason, current, missing, staleOrder });
  if (!current) return item('enroll', 'no certificate on the device');
  const info = current.info!;
  if (!current.hasKey) return item('replace', 'the certificate on the device has no private key');
  if (info.notAfter.getTime() <= now.getTime()) return item('replace', `expired ${info.notAfter.toISOString().slice(0, 10)}`);
  if (obs.caStatus === 'revoked' || obs.record?.state === 'revoked') return item('replace', 'revoked at the CA');
  const wanted = [...profile.names].sort();
  const have = certNames(info);
  if (wanted.join(',') !== have.join(',')) return item('replace', `names changed: certificate has ${have.join(', ')}, profile wants ${wanted.join(', ')}`);
  if (!sameKeySpec(info.keySpec, profile.key)) {
    return item('replace', `key changed: certificate has ${info.keySpec ? keySpecLabel(info.keySpec) : 'an unknown key'}, profile wants ${keySpecLabel(profile.key)}`);
  }
  if (obs.record && obs.record.ca !== profile.ca) return item('replace', `CA changed: issued by ${obs.record.ca}, profile wants ${profile.ca}`);
  if (opts.force) return item('renew', 'forced');
  if (isDue(info.notBefore, info.notAfter, profile.renewal, now, obs.suggestedWindow)) {
    const why = obs.suggestedWindow ? 'inside the CA-suggested renewal window' : 'inside the renewal window';
    return item('renew', `${daysLeft(info.notAfter, now)} days left, ${why}`);
  }
  const target = profile.targets.find((t) => t.device === device);
  const missing = (target?.bindings ?? []).filter((b) => !current.bindings.some((have) => sameBinding(have, b)));
  if (missing.length) return item('rebind', `not bound to ${missing.map((b) => (b.name ? `${b.kind} ${b.name}` : b.kind)).join(', ')}`, missing);
  return item('ok', `${daysLeft(info.notAfter, now)} days left`);
}
