// Knob defaults and the JSON merge behind POST /__lab/knobs and handle.setKnobs().
import type { FaultSpec, FdmKnobs } from './types.js';

export function defaultKnobs(): FdmKnobs {
  return {
    latencyMs: 0,
    deployDurationMs: 300,
    failNextDeploy: false,
    deployTimeout: false,
    webRestartMs: 500,
    webRestartMode: '503',
    webuiCertOnApi: false,
    tokenTtlS: 1800,
    refreshTtlS: 2400,
    expireTokensNow: false,
    expireAfterCalls: null,
    expiredTokenStatus: 401,
    maxSessions: null,
    failNext: {},
    haMode: 'standalone',
    haSyncMs: 200,
    haSyncOutcome: 'IN_SYNC',
    // The current DevNet reference still documents /api/fdm/v6 (FTD 7.0).
    apiVersion: 'v6',
    supportedVersions: ['v6'],
    latestAlias: true,
    softwareVersion: '7.0.1-84',
    certNamePattern: 'full',
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Merges `patch` into `knobs` in place. Plain objects merge one level deep (so failNext entries
 * add up); everything else replaces. A failNext entry set to null removes it.
 */
export function mergeKnobs(knobs: FdmKnobs, patch: unknown): void {
  if (!isPlainObject(patch)) throw new Error('knobs must be a JSON object');
  const target = knobs as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in target)) throw new Error(`unknown knob "${key}"`);
    if (key === 'apiVersion') {
      applyApiVersion(knobs, value);
      continue;
    }
    if (key === 'failNext') {
      if (!isPlainObject(value)) throw new Error('failNext must be an object');
      for (const [op, spec] of Object.entries(value)) {
        if (spec === null) delete knobs.failNext[op];
        else knobs.failNext[op] = normaliseFault(op, spec);
      }
      continue;
    }
    target[key] = value;
  }
}

/** A software version per API version (reference §1: v1 6.2.3, v2 6.3, v3 6.4, v5 6.6, v6 7.0; v4 6.5 inferred). */
const SOFTWARE: Record<number, string> = { 1: '6.2.3-83', 2: '6.3.0-83', 3: '6.4.0-102', 4: '6.5.0-115', 5: '6.6.1-91', 6: '7.0.1-84' };

function applyApiVersion(knobs: FdmKnobs, value: unknown): void {
  const n = typeof value === 'string' ? Number(/^v(\d+)$/.exec(value)?.[1] ?? NaN) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new Error('apiVersion must be v1, v2, ...');
  knobs.apiVersion = `v${n}`;
  knobs.supportedVersions = Array.from({ length: n }, (_, i) => `v${i + 1}`);
  knobs.latestAlias = n >= 3;
  knobs.softwareVersion = SOFTWARE[n] ?? `${n}.0.0-1`;
}

function normaliseFault(op: string, spec: unknown): FaultSpec {
  if (!isPlainObject(spec)) throw new Error(`failNext["${op}"] must be {status, count}`);
  const status = spec.status;
  if (status !== 'reset' && typeof status !== 'number') {
    throw new Error(`failNext["${op}"].status must be an HTTP status or "reset"`);
  }
  const count = spec.count === undefined ? 1 : Number(spec.count);
  return { status, count };
}

/** Consumes one unit of a "true | N" one-shot knob; true means exactly one. */
export function takeOneShot(value: boolean | number): { hit: boolean; rest: boolean | number } {
  if (value === true) return { hit: true, rest: false };
  if (typeof value === 'number' && value > 0) return { hit: true, rest: value - 1 };
  return { hit: false, rest: value };
}
