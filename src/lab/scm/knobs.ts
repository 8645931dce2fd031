// Knobs of the SCM emulator and the JSON merge (RFC 7396 style: objects merge, null deletes,
// everything else replaces) used by setKnobs() and POST /__lab/knobs.
import type { FaultSpec, ScmKnobs } from './types.js';

export function defaultKnobs(): ScmKnobs {
  return {
    latencyMs: 0,
    pendingPolls: 0,
    pendingCode: 0,
    domainPreValidation: true,
    requireApproval: false,
    renewableStatuses: ['Issued', 'Expired'],
    wwwAuthenticate: 'Bearer realm="apiclients", authorization_uri="https://auth.sso.sectigo.com/auth/realms/apiclients/protocol/openid-connect/token"',
    failNext: {},
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function mergeInto(target: Record<string, unknown>, patch: unknown): void {
  if (!isPlainObject(patch)) return;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    if (v === null) delete target[k];
    else if (isPlainObject(v)) {
      const cur = target[k];
      const next: Record<string, unknown> = isPlainObject(cur) ? cur : {};
      mergeInto(next, v);
      target[k] = next;
    } else target[k] = v;
  }
}

/** renewById and renew/{renewId} can both be targeted with the `renew` key. */
const FAULT_ALIASES: Record<string, string[]> = { renewById: ['renewById', 'renew'], renew: ['renew'] };

/** Consumes one injected fault for `operation`, if any is armed. */
export function takeFault(knobs: ScmKnobs, operation: string): FaultSpec | undefined {
  for (const key of FAULT_ALIASES[operation] ?? [operation]) {
    const f = knobs.failNext[key];
    if (!f) continue;
    const left = f.count ?? 1;
    if (left <= 0) continue;
    if (left <= 1) delete knobs.failNext[key];
    else f.count = left - 1;
    return f;
  }
  return undefined;
}
