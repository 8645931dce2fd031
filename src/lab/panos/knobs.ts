// Tunable behaviour of the PAN-OS emulator. Defaults follow the reference; where the reference is
// uncertain the alternative behaviour is a knob, so drivers can be tested against both.

import type { EnvelopeQuoting } from './envelope.js';

export type HaState = 'standalone' | 'active' | 'passive';

export interface FailSpec {
  /** Answer with this API error code (error envelope). */
  code?: number;
  /** Or answer with this bare HTTP status (e.g. 502, 503). */
  status?: number;
  /** Or drop the connection without an answer. */
  reset?: boolean;
  /** How many calls fail; default 1. */
  count?: number;
  message?: string;
}

export interface PanosKnobs {
  /** Delay before every /api/ answer. */
  latencyMs: number;
  /** Enqueue-to-FIN time of a commit/validate job. */
  commitDurationMs: number;
  /** A commit lock held by another admin: true = the second configured admin, or a user name. */
  commitLocked: boolean | string;
  /** A config lock held by another admin (blocks writes of everyone else). */
  configLocked: boolean | string;
  /** A commit while another runs: 'busy' = refused ("Another commit/validate is in progress");
   * 'queue' = queued as PEND (PAN-OS queues commits per the vendor docs; clients classify both). */
  commitConcurrency: 'busy' | 'queue';
  /** Next commit job(s) end FIN/FAIL: true = once, a number = that many, string[] = these detail lines once. */
  failNextCommit: boolean | number | string[];
  /** Fault injection per request type ("keygen", "config", "op", "commit", "import", "export")
   * or "config.<action>", "import.<category>", "op.<command path>" e.g. "op.show.jobs". */
  failNext: Record<string, FailSpec>;
  haState: HaState;
  /** Expire every issued API key now: the next keyed call gets 403, keygen issues a new key. */
  keyExpired: boolean;
  /** With key lifetime 0 a re-keygen returns the same key *(inferred, [D-LIFE])*; true = every keygen
   * returns a fresh key and invalidates the user's previous one (pango GenerateApiKey note). */
  keygenRotatesKey: boolean;
  /** Importing a certificate under a name whose entry holds a different key fails (acme.sh #4716:
   * RSA->ECDSA under the same name, the cert import failed). */
  certImportRequiresMatchingKey: boolean;
  /** acme.sh #4716: the private-key import of a non-matching key succeeded; false = accept it
   * (the data plane then cannot serve the pair), true = refuse it. */
  privateKeyImportChecksPair: boolean;
  /** Refuse importing an expired certificate ("Certificate is expired", skipped by [CG]). */
  rejectExpiredImport: boolean;
  /** Keyfactor: "Palo Alto API does not like double quotes around boundary" -> 400 when quoted. */
  rejectQuotedMultipartBoundary: boolean;
  /** Minimum import passphrase length (acme.sh moved its dummy to 123456 for a 6-char minimum). */
  passphraseMinLength: number;
  /** Object name limit: 63 on a firewall, 31 on Panorama [KF Validators]. */
  maxNameLength: number;
  /** `<algorithm>` text for EC keys; the reference only documents `RSA` for RSA keys. */
  ecAlgorithmLabel: string;
  /** Quoting of the `<response>` tag: `real` (keygen single-quoted with spaces, the rest double),
   * `single-spaced` (every answer in the keygen form) or `double` (none). See envelope.ts. */
  responseQuoting: EnvelopeQuoting;
  /** type=config&action=multi-config is known (pango, pan-python use it); false = a release that answers it
   * as an unknown action *(which releases lack it, and their exact answer, are inferred)*. */
  multiConfig: boolean;
  /** A failing request of a multi-config undoes the ones before it (pan-python's doc: "no configuration
   * changes are performed"); false keeps them (an alternative no source shows, for drivers to survive). */
  multiConfigAtomic: boolean;
  /** Mark changed candidate nodes with admin/dirtyId/time attributes in `get` output [KF models]. */
  dirtyAttributes: boolean;
}

export function defaultKnobs(haState: HaState = 'standalone'): PanosKnobs {
  return {
    latencyMs: 0,
    commitDurationMs: 300,
    commitLocked: false,
    configLocked: false,
    commitConcurrency: 'busy',
    failNextCommit: false,
    failNext: {},
    haState,
    keyExpired: false,
    keygenRotatesKey: false,
    certImportRequiresMatchingKey: true,
    privateKeyImportChecksPair: false,
    rejectExpiredImport: true,
    rejectQuotedMultipartBoundary: true,
    passphraseMinLength: 6,
    maxNameLength: 63,
    ecAlgorithmLabel: 'EC',
    dirtyAttributes: true,
    multiConfig: true,
    multiConfigAtomic: true,
    responseQuoting: 'real',
  };
}

/** JSON merge: objects merge one level deep (failNext), everything else replaces. */
export function mergeKnobs(knobs: PanosKnobs, patch: Partial<PanosKnobs> | Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (!(k in knobs)) continue; // unknown knobs are ignored rather than polluting state
    const key = k as keyof PanosKnobs;
    if (key === 'failNext' && v && typeof v === 'object') {
      knobs.failNext = { ...knobs.failNext, ...(v as Record<string, FailSpec>) };
    } else {
      (knobs as unknown as Record<string, unknown>)[key] = v;
    }
  }
}
