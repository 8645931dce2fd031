// GET list / GET / POST / PUT / DELETE on one collection of the candidate configuration, with
// FDM's version checks (reference §3): stale version -> 422 mismatchedVersion, unchanged PUT -> 204,
// unknown id on DELETE/PUT -> 422 invalidUuid, duplicate name -> 422 duplicateName.
import { randomUUID } from 'node:crypto';
import { apiLevel } from './api-spec.js';
import { type CollectionDef, type PrepareContext, prepare, render } from './collections.js';
import { FdmHttpError, duplicateName, errorWrapper, invalidUuid, methodNotAllowed, mismatchedVersion, objectNotFound } from './errors.js';
import { type ListQuery, applyQuery, paginate } from './listing.js';
import { usersOf } from './references.js';
import { newVersion } from './store.js';
import type { FdmObject } from './types.js';

export interface ObjectsContext extends PrepareContext {
  /** Absolute URL of the collection as the client addressed it (echoes "latest"). */
  collectionUrl: string;
}

export function listObjects(def: CollectionDef, q: ListQuery, ctx: ObjectsContext) {
  const all = applyQuery(ctx.store.list(def.name), q);
  const page = paginate(all, q, ctx.collectionUrl);
  return { items: page.items.map((o) => render(def, o, ctx.store, ctx.collectionUrl, apiLevel(ctx.knobs.supportedVersions))), paging: page.paging };
}

export function getObject(def: CollectionDef, id: string, ctx: ObjectsContext) {
  const obj = ctx.store.get(def.name, id);
  if (!obj) throw objectNotFound(id);
  return render(def, obj, ctx.store, ctx.collectionUrl, apiLevel(ctx.knobs.supportedVersions));
}

function assertUniqueName(def: CollectionDef, name: unknown, selfId: string | undefined, ctx: ObjectsContext): void {
  if (def.kind !== 'certificate') return;
  const clash = ctx.store.list(def.name).find((o) => o.name === name && o.id !== selfId);
  if (clash) throw duplicateName(String(name));
}

export async function createObject(def: CollectionDef, body: Record<string, unknown>, ctx: ObjectsContext) {
  if (!def.creatable) throw methodNotAllowed('POST');
  const fields = await prepare(def, body, undefined, ctx);
  assertUniqueName(def, fields.name, undefined, ctx);
  const obj = { ...fields, id: randomUUID(), version: newVersion() } as FdmObject;
  ctx.store.put(def.name, obj);
  return render(def, obj, ctx.store, ctx.collectionUrl, apiLevel(ctx.knobs.supportedVersions));
}

/** Canonical JSON (sorted keys) so "unchanged" ignores key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Returns the updated object, or null for "unchanged" (204 No Content). */
export async function updateObject(def: CollectionDef, id: string, body: Record<string, unknown>, ctx: ObjectsContext) {
  const existing = ctx.store.get(def.name, id);
  if (!existing) throw invalidUuid(id);
  if (body.version !== existing.version) throw mismatchedVersion();
  if (existing.isSystemDefined === true && def.kind === 'certificate') throw systemDefined(existing, 'edited');
  const fields = await prepare(def, body, existing, ctx);
  if (existing.isSystemDefined === true) fields.isSystemDefined = true;
  assertUniqueName(def, fields.name, id, ctx);
  const { id: _i, version: _v, ...current } = existing;
  if (canonical(fields) === canonical(current)) return null;
  const updated = { ...fields, id, version: newVersion() } as FdmObject;
  ctx.store.put(def.name, updated);
  return render(def, updated, ctx.store, ctx.collectionUrl, apiLevel(ctx.knobs.supportedVersions));
}

export function deleteObject(def: CollectionDef, id: string, ctx: ObjectsContext): void {
  if (!def.creatable) throw methodNotAllowed('DELETE');
  const existing = ctx.store.get(def.name, id);
  if (!existing) throw invalidUuid(id);
  if (existing.isSystemDefined === true) throw systemDefined(existing, 'deleted');
  const users = usersOf(ctx.store, id);
  if (users.length > 0) {
    // Inferred: the reference expects a 422 here but no recorded body exists.
    const used = users.map((u) => `${u.obj.type} "${u.obj.name}" (${u.field})`).join(', ');
    throw new FdmHttpError(
      422,
      errorWrapper('Validation', [
        {
          description: `The object "${existing.name}" cannot be deleted because it is referenced by ${used}`,
          code: 'objectReferenced',
          location: '',
        },
      ]),
    );
  }
  ctx.store.delete(def.name, id);
}

/** Inferred: system-defined objects (e.g. DefaultInternalCertificate) are read-only. */
function systemDefined(obj: FdmObject, what: 'edited' | 'deleted'): FdmHttpError {
  return new FdmHttpError(
    422,
    errorWrapper('Validation', [
      { description: `System-defined object "${obj.name}" cannot be ${what}`, code: 'systemDefinedObject', location: '' },
    ]),
  );
}
