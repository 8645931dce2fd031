// GET /operational/pendingchanges: the difference between the deployed and the candidate
// configuration, one item per changed entity, shaped like the firepyer sample quoted in the
// reference (§5): entityId, entityName, entityType, type entitycreate|entityupdate|entitydelete,
// valuesAdded/valuesDeleted/valuesUpdated ({fieldName,oldValue,newValue,type}), referencesAdded/Deleted.
import { MASK } from './certificates.js';
import { REF_FIELDS } from './references.js';
import { COLLECTIONS, type ConfigStore } from './store.js';
import type { CollectionName, FdmObject, ObjRef } from './types.js';

type Value = string | null;

export interface PendingChange {
  entityId: string;
  entityName: string | null;
  entityType: string;
  type: 'entitycreate' | 'entityupdate' | 'entitydelete';
  valuesAdded?: { fieldName: string; newValue: Value; type: 'valueadd' }[];
  valuesDeleted?: { fieldName: string; oldValue: Value; type: 'valuedelete' }[];
  valuesUpdated?: { fieldName: string; oldValue: Value; newValue: Value; type: 'valueupdate' }[];
  // Reference entries were empty in every recorded sample; this shape is inferred.
  referencesAdded?: { fieldName: string; newValue: ObjRef; type: 'referenceadd' }[];
  referencesDeleted?: { fieldName: string; oldValue: ObjRef; type: 'referencedelete' }[];
  links: { self: string };
}

const SKIP = new Set(['id', 'version', 'type', 'links']);

/** Scalar fields flattened to dotted names, values as strings (as recorded: "false", "268435505"). */
function flatValues(obj: Record<string, unknown>, refPaths: Set<string>, prefix = ''): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const [k, v] of Object.entries(obj)) {
    if (!prefix && SKIP.has(k)) continue;
    const name = prefix ? `${prefix}.${k}` : k;
    if (refPaths.has(name)) continue;
    if (k === 'privateKey') out.set(name, v == null ? null : MASK);
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [n, x] of flatValues(v as Record<string, unknown>, refPaths, name)) out.set(n, x);
    } else if (Array.isArray(v)) out.set(name, JSON.stringify(v));
    else out.set(name, v == null ? null : String(v));
  }
  return out;
}

function refsOf(collection: CollectionName, obj: FdmObject): Map<string, ObjRef> {
  const out = new Map<string, ObjRef>();
  for (const f of REF_FIELDS[collection] ?? []) {
    let cur: unknown = obj;
    for (const p of f.path) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
    const list = Array.isArray(cur) ? cur : cur ? [cur] : [];
    for (const r of list as ObjRef[]) out.set(`${f.path.join('.')}#${r.id}`, r);
  }
  return out;
}

function refPathsOf(collection: CollectionName): Set<string> {
  return new Set((REF_FIELDS[collection] ?? []).map((f) => f.path.join('.')));
}

function named(ref: ObjRef, store: ConfigStore): ObjRef {
  const target = store.find(ref.id)?.obj;
  return { id: ref.id, type: ref.type, name: target?.name };
}

export function pendingChanges(deployed: ConfigStore, candidate: ConfigStore, selfUrl: string): PendingChange[] {
  const out: PendingChange[] = [];
  const links = { self: selfUrl };
  for (const c of COLLECTIONS) {
    const refPaths = refPathsOf(c);
    for (const now of candidate.list(c)) {
      const before = deployed.get(c, now.id);
      if (before && before.version === now.version) continue;
      const head = { entityId: now.id, entityName: now.name ?? null, entityType: now.type };
      const newVals = flatValues(now, refPaths);
      const newRefs = refsOf(c, now);
      if (!before) {
        out.push({
          ...head,
          links,
          referencesAdded: [...newRefs].map(([k, r]) => ({ fieldName: k.split('#')[0]!, newValue: named(r, candidate), type: 'referenceadd' })),
          type: 'entitycreate',
          valuesAdded: [...newVals].map(([fieldName, newValue]) => ({ fieldName, newValue, type: 'valueadd' })),
        });
        continue;
      }
      const oldVals = flatValues(before, refPaths);
      const oldRefs = refsOf(c, before);
      out.push({
        ...head,
        links,
        referencesAdded: [...newRefs].filter(([k]) => !oldRefs.has(k))
          .map(([k, r]) => ({ fieldName: k.split('#')[0]!, newValue: named(r, candidate), type: 'referenceadd' })),
        referencesDeleted: [...oldRefs].filter(([k]) => !newRefs.has(k))
          .map(([k, r]) => ({ fieldName: k.split('#')[0]!, oldValue: named(r, deployed), type: 'referencedelete' })),
        type: 'entityupdate',
        valuesAdded: [...newVals].filter(([k]) => !oldVals.has(k))
          .map(([fieldName, newValue]) => ({ fieldName, newValue, type: 'valueadd' })),
        valuesDeleted: [...oldVals].filter(([k]) => !newVals.has(k))
          .map(([fieldName, oldValue]) => ({ fieldName, oldValue, type: 'valuedelete' })),
        valuesUpdated: [...newVals].filter(([k, v]) => oldVals.has(k) && oldVals.get(k) !== v)
          .map(([fieldName, newValue]) => ({ fieldName, oldValue: oldVals.get(fieldName)!, newValue, type: 'valueupdate' })),
      });
    }
    for (const gone of deployed.list(c)) {
      if (candidate.get(c, gone.id)) continue;
      out.push({
        entityId: gone.id,
        entityName: gone.name ?? null,
        entityType: gone.type,
        links,
        referencesDeleted: [...refsOf(c, gone)].map(([k, r]) => ({ fieldName: k.split('#')[0]!, oldValue: named(r, deployed), type: 'referencedelete' })),
        type: 'entitydelete',
        valuesDeleted: [...flatValues(gone, refPaths)].map(([fieldName, oldValue]) => ({ fieldName, oldValue, type: 'valuedelete' })),
      });
    }
  }
  return out;
}
