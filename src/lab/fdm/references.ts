// Where certificates are referenced (reference §4) and how references are stored and shown.
// A stored reference is {id, type}; reads add the target's current name and version, as FDM
// embeds them ({"version","name","id","type"} in recorded responses).
import { invalidField, invalidUuid } from './errors.js';
import type { ConfigStore } from './store.js';
import type { CollectionName, FdmObject, ObjRef } from './types.js';

export interface RefField {
  /** Path inside the consumer object, e.g. ['vpnGatewaySettings', 'serverCertificate']. */
  path: string[];
  many: boolean;
  required: boolean;
  target: CollectionName;
  targetType: string;
}

export const REF_FIELDS: Partial<Record<CollectionName, RefField[]>> = {
  webuicertificates: [
    { path: ['certificate'], many: false, required: true, target: 'internalcertificates', targetType: 'internalcertificate' },
    { path: ['trustChain'], many: true, required: false, target: 'externalcacertificates', targetType: 'externalcacertificate' },
  ],
  sslpolicies: [
    { path: ['internalCertificates'], many: true, required: false, target: 'internalcertificates', targetType: 'internalcertificate' },
    { path: ['decryptionCACertificate'], many: false, required: false, target: 'internalcacertificates', targetType: 'internalcacertificate' },
  ],
  ravpns: [
    { path: ['vpnGatewaySettings', 'serverCertificate'], many: false, required: true, target: 'internalcertificates', targetType: 'internalcertificate' },
    { path: ['vpnGatewaySettings', 'clientCACertificates'], many: true, required: false, target: 'externalcacertificates', targetType: 'externalcacertificate' },
  ],
};

function getAt(obj: Record<string, unknown>, path: string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function setAt(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const p of path.slice(0, -1)) {
    if (typeof cur[p] !== 'object' || cur[p] === null) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

function refsIn(value: unknown): ObjRef[] {
  if (Array.isArray(value)) return value as ObjRef[];
  if (value && typeof value === 'object') return [value as ObjRef];
  return [];
}

/** Validates every reference field of a consumer body against `store`, storing them as {id,type}. */
export function normaliseRefs(collection: CollectionName, body: Record<string, unknown>, store: ConfigStore): void {
  for (const f of REF_FIELDS[collection] ?? []) {
    const location = f.path.join('.');
    const value = getAt(body, f.path);
    if (value === undefined || value === null || (f.many && Array.isArray(value) && value.length === 0)) {
      if (f.required) throw invalidField(location, `${location} is required`, 'fieldRequired');
      setAt(body, f.path, f.many ? [] : null);
      continue;
    }
    if (f.many !== Array.isArray(value)) {
      throw invalidField(location, `${location} must be ${f.many ? 'a list of references' : 'a reference'}`);
    }
    const out = refsIn(value).map((ref) => {
      if (!ref || typeof ref !== 'object' || typeof ref.id !== 'string') {
        throw invalidField(location, `${location} must reference an object by id`);
      }
      if (ref.type !== undefined && ref.type !== f.targetType) {
        throw invalidField(location, `${location} must reference a ${f.targetType}, not a ${String(ref.type)}`);
      }
      if (!store.get(f.target, ref.id)) throw invalidUuid(ref.id);
      return { id: ref.id, type: f.targetType };
    });
    setAt(body, f.path, f.many ? out : out[0]);
  }
}

/** A copy of `obj` whose references carry the target's current name and version. */
export function expandRefs(collection: CollectionName, obj: FdmObject, store: ConfigStore): FdmObject {
  const copy = structuredClone(obj);
  for (const f of REF_FIELDS[collection] ?? []) {
    const value = getAt(copy, f.path);
    const expand = (r: ObjRef) => {
      const target = store.get(f.target, r.id);
      return { version: target?.version, name: target?.name, id: r.id, type: r.type };
    };
    if (Array.isArray(value)) setAt(copy, f.path, (value as ObjRef[]).map(expand));
    else if (value && typeof value === 'object') setAt(copy, f.path, expand(value as ObjRef));
  }
  return copy;
}

/** Ids referenced by one consumer field, in order. */
export function refIds(obj: FdmObject | undefined, path: string[]): string[] {
  if (!obj) return [];
  return refsIn(getAt(obj, path)).map((r) => r.id);
}

/** Every consumer in `store` that references `id`: used to refuse deleting an object in use. */
export function usersOf(store: ConfigStore, id: string): { collection: CollectionName; obj: FdmObject; field: string }[] {
  const out: { collection: CollectionName; obj: FdmObject; field: string }[] = [];
  for (const [collection, fields] of Object.entries(REF_FIELDS) as [CollectionName, RefField[]][]) {
    for (const obj of store.list(collection)) {
      for (const f of fields) {
        if (refIds(obj, f.path).includes(id)) out.push({ collection, obj, field: f.path.join('.') });
      }
    }
  }
  return out;
}
