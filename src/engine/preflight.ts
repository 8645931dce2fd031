// Checks that prevent costly mistakes, before anything is ordered: the CA can issue what the profile
// asks (SCM cert_type/term/key offered to the org; ACME directory, account, EAB, hook), the device
// supports the key type, and every binding the profile names exists on the device (or is one the
// driver creates). Used by `fwcert check` and by `run` before each order.
import type { CheckProfile, Issuer } from '../ca/issuer.js';
import type { Profile } from '../config/model.js';
import { CaError, errorMessage } from '../core/errors.js';
import type { Target } from '../devices/target.js';
import { keySpecLabel, sameKeySpec } from '../pki/types.js';

export function checkProfileOf(p: Profile): CheckProfile {
  return { name: p.name, caOptions: p.caOptions, key: p.key };
}

/** Device-side problems of (profile, device): key type, named bindings. The target must be open. */
export async function devicePairProblems(target: Target, p: Profile): Promise<string[]> {
  const problems: string[] = [];
  if (!target.capabilities.keyTypes.some((k) => sameKeySpec(k, p.key))) {
    problems.push(`${target.name} does not support ${keySpecLabel(p.key)} keys (supported: ${target.capabilities.keyTypes.map(keySpecLabel).join(', ')})`);
  }
  const bindings = p.targets.find((t) => t.device === target.name)?.bindings ?? [];
  if (target.checkBindings && bindings.length) {
    try {
      problems.push(...(await target.checkBindings(bindings)).map((m) => `${target.name}: ${m}`));
    } catch (e) {
      problems.push(`${target.name}: cannot read its bindings: ${errorMessage(e)}`);
    }
  }
  return problems;
}

/** CA-side checks of each profile, asked once per run (the same CA answer serves every device). */
export class CaPreflight {
  private readonly cache = new Map<string, Promise<string[]>>();

  constructor(private readonly issuers: Map<string, Issuer>) {}

  problems(p: Profile): Promise<string[]> {
    let r = this.cache.get(p.name);
    if (!r) {
      r = this.compute(p);
      this.cache.set(p.name, r);
    }
    return r;
  }

  private async compute(p: Profile): Promise<string[]> {
    const issuer = this.issuers.get(p.ca);
    if (!issuer) return [`CA ${p.ca} is not available`];
    const problems: string[] = [];
    if (!issuer.capabilities.keyTypes.some((k) => sameKeySpec(k, p.key))) problems.push(`${issuer.name} does not issue ${keySpecLabel(p.key)} certificates`);
    if (issuer.check) {
      try {
        await issuer.check([checkProfileOf(p)]);
      } catch (e) {
        // A CA that is briefly unavailable does not stop the order; a CA that says "this cannot work" does.
        if (!(e instanceof CaError && e.retryable)) problems.push(errorMessage(e));
      }
    }
    return problems;
  }
}

/** Everything that would make an order for (profile, device) a waste: CA side, then device side. */
export async function pairProblems(target: Target, p: Profile, ca: CaPreflight): Promise<string[]> {
  return [...(await ca.problems(p)), ...(await devicePairProblems(target, p))];
}
