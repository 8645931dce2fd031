// Knob defaults and the JSON merge behind POST /__lab/knobs and handle.setKnobs().
import type { FmcKnobs } from './types.js';

export function defaultKnobs(): FmcKnobs {
  return {
    latencyMs: 0,
    version: '7.7',
    rateLimitPerMin: 120,
    storm429: 0,
    retryAfterS: null,
    tokenTtlS: 1800,
    expireTokensNow: false,
    foreignLoginAfterCalls: null,
    taskDurationMs: 200,
    failDeployFor: {},
    failNextCertTask: 0,
    identityNeedsRefresh: 0,
    foreignChangeOn: [],
    internalCertPutKeepsCert: false,
    internalCertAnswerForm: 'pem',
  };
}

const VERSIONS = new Set(['7.2', '7.4', '7.7']);

export function mergeKnobs(knobs: FmcKnobs, patch: unknown): void {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new Error('knobs must be a JSON object');
  const target = knobs as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in target)) throw new Error(`unknown knob "${key}"`);
    if (key === 'version' && !VERSIONS.has(String(value))) throw new Error('version must be 7.2, 7.4 or 7.7');
    if (key === 'internalCertAnswerForm' && value !== 'pem' && value !== 'pkcs7') throw new Error('internalCertAnswerForm must be pem or pkcs7');
    target[key] = value;
  }
}
