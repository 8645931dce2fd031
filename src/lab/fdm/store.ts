// One FDM configuration: the objects of every emulated collection, in insertion order.
// The emulator keeps two of these: the candidate (what the API edits) and the deployed copy
// (what the data plane serves). A deploy replaces the deployed copy with a snapshot.
import { randomBytes } from 'node:crypto';
import type { CollectionName, FdmObject } from './types.js';

export const COLLECTIONS: readonly CollectionName[] = [
  'internalcertificates',
  'externalcacertificates',
  'internalcacertificates',
  'webuicertificates',
  'sslpolicies',
  'ravpns',
];

const VERSION_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Opaque concurrency token shaped like recorded ones ("jywqhbkiwu76a": 13 base-36 chars). */
export function newVersion(): string {
  const bytes = randomBytes(13);
  let out = '';
  for (const b of bytes) out += VERSION_ALPHABET[b % VERSION_ALPHABET.length];
  return out;
}

export class ConfigStore {
  private readonly data = new Map<CollectionName, Map<string, FdmObject>>();

  constructor() {
    for (const c of COLLECTIONS) this.data.set(c, new Map());
  }

  list(c: CollectionName): FdmObject[] {
    return [...this.data.get(c)!.values()];
  }

  get(c: CollectionName, id: string): FdmObject | undefined {
    return this.data.get(c)!.get(id);
  }

  /** The collection holding `id`, whatever it is (ids are unique across the device). */
  find(id: string): { collection: CollectionName; obj: FdmObject } | undefined {
    for (const c of COLLECTIONS) {
      const obj = this.data.get(c)!.get(id);
      if (obj) return { collection: c, obj };
    }
    return undefined;
  }

  put(c: CollectionName, obj: FdmObject): void {
    this.data.get(c)!.set(obj.id, obj);
  }

  delete(c: CollectionName, id: string): boolean {
    return this.data.get(c)!.delete(id);
  }

  /** A deep copy that shares nothing with this store. */
  snapshot(): ConfigStore {
    const copy = new ConfigStore();
    for (const c of COLLECTIONS) {
      for (const obj of this.data.get(c)!.values()) copy.put(c, structuredClone(obj));
    }
    return copy;
  }
}
