// `run --remove-retired` for known-key certificates: the internal certificate object fwcert keeps per
// profile and FMC (known-key.ts) is deleted once no configured profile of that name binds known_key any
// more, and only when the ledger records that fwcert created it (as trust anchors, trust-anchors.ts).
// The object is first taken out of the Decrypt - Known Key rules that list it (the FMC refuses to delete
// an object in use: INFERRED, like certenrollments), then deleted; the rule change is deployed with the
// device's one deployment of the run.
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { FmcApi } from './api.js';
import { deleteInternalCert, dereferenceFromRules, type KnownKeyIndex } from './known-key.js';

const STORE_KEY = 'known-key-objects';

type Store = { get(key: string): string | undefined; set(key: string, value: string): void } | undefined;

/** Names of the internal certificate objects fwcert created through this FTD (ledger store, key "known-key-objects"). */
export function createdKnownKeyObjects(store: Pick<NonNullable<Store>, 'get'> | undefined): string[] {
  try {
    const v = JSON.parse(store?.get(STORE_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberKnownKeyObject(store: Store, name: string): void {
  store?.set(STORE_KEY, JSON.stringify([...new Set([...createdKnownKeyObjects(store), name])]));
}

function forgetKnownKeyObject(store: Store, name: string): void {
  store?.set(STORE_KEY, JSON.stringify(createdKnownKeyObjects(store).filter((n) => n !== name)));
}

/** How the report names an internal certificate object (the profile's trustpoint has the same name). */
export function knownKeyLabel(name: string): string {
  return `${name} (internal certificate)`;
}

/**
 * Retires the objects fwcert created whose profile no longer binds known_key (`keep`: profile names that
 * still do, on any device). Returns what went (or would go) and what failed; `changed` when a rule was
 * written, so the device deploys.
 */
export async function retireKnownKeyObjects(
  ctx: { device: string; fmc: string; api: FmcApi; index: KnownKeyIndex; store: Store; log: Logger }, keep: Set<string>, dryRun: boolean,
): Promise<{ removed: string[]; wouldRemove: string[]; problems: string[]; changed: boolean }> {
  const out = { removed: [] as string[], wouldRemove: [] as string[], problems: [] as string[], changed: false };
  const created = createdKnownKeyObjects(ctx.store).filter((n) => !keep.has(n));
  if (!created.length) return out;
  const objects = await ctx.index.internalCerts();
  for (const name of created) {
    const obj = objects.get(name);
    if (!obj) {
      if (!dryRun) forgetKnownKeyObject(ctx.store, name);
      continue;
    }
    // Its rules no longer count as bindings of the profile's certificate (the trustpoint may go too).
    ctx.index.retire(name);
    if (dryRun) {
      out.wouldRemove.push(knownKeyLabel(name));
      continue;
    }
    try {
      const rules = await dereferenceFromRules(ctx.api, ctx.index, obj);
      if (rules.length) out.changed = true;
      await deleteInternalCert(ctx.api, ctx.index, obj);
      forgetKnownKeyObject(ctx.store, name);
      out.removed.push(knownKeyLabel(name));
      ctx.log.info(`${ctx.device}: removed the internal certificate object ${name} from ${ctx.fmc}${rules.length ? ` and from ${rules.join(', ')}` : ''}: no profile binds it any more`);
    } catch (e) {
      out.problems.push(`${ctx.device}: removing the internal certificate object ${name}: ${errorMessage(e).replace(`${ctx.device}: `, '')}`);
    }
  }
  return out;
}
