// Paged, name-matched access to FDM object collections, and whole-object PUTs with version retry.
// Reference §3 + pitfalls 4-6: pages default to 10 items; `fts~` is a substring search (6.4+) and
// `name:` the pre-6.4 filter, so names are always matched exactly on our side; PUT needs the whole
// object with its current `version`, `links` stripped; 422 mismatchedVersion -> re-GET and retry.
import type { Logger } from '../../core/log.js';
import { FdmApiError } from './errors.js';
import type { FdmSession } from './session.js';
import type { FdmList, FdmObject } from './types.js';

/** FDM caps nothing below this in the sources; NetForge asks for 100 per page. */
export const PAGE_LIMIT = 100;
/** A guard against a server whose paging never ends. */
const MAX_PAGES = 1000;

export type NameFilterStyle = 'fts' | 'name';

/** FTDAnsible chooses its filter syntax from databaseInfo.buildVersion: `fts~` from 6.4.0 on, `name:` before. */
export function filterStyleFor(buildVersion: string | undefined): NameFilterStyle {
  if (!buildVersion) return 'fts';
  const [major = 0, minor = 0] = buildVersion.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  return major > 6 || (major === 6 && minor >= 4) ? 'fts' : 'name';
}

export function nameFilter(style: NameFilterStyle, name: string): string {
  return style === 'fts' ? `fts~${name}` : `name:${name}`;
}

/** The object as a PUT body: everything but `links` (NetForge strips them). */
export function putBody<T extends FdmObject>(obj: T): Omit<T, 'links'> {
  const { links: _links, ...rest } = obj;
  return rest;
}

export class FdmObjects {
  filterStyle: NameFilterStyle = 'fts';
  /**
   * Whole collections as listed in this run, kept up to date by our own writes (create, PUT, DELETE),
   * so that installing and binding N certificates does not list the same collections N times.
   * One instance lives for one run; another admin's concurrent PUT still surfaces as mismatchedVersion.
   */
  private readonly cache = new Map<string, FdmObject[]>();

  constructor(private readonly session: FdmSession, private readonly log: Logger) {}

  private cached(path: string): FdmObject[] | undefined {
    return this.cache.get(path);
  }

  private remember(path: string, obj: FdmObject): void {
    const list = this.cache.get(path);
    if (!list) return;
    const i = list.findIndex((o) => o.id === obj.id);
    if (i >= 0) list[i] = obj;
    else list.push(obj);
  }

  /** Every item of a collection, page by page (offset/limit), until a short page or an empty `paging.next`. */
  async listAll<T>(path: string, filter?: string): Promise<T[]> {
    const hit = filter === undefined ? this.cached(path) : undefined;
    if (hit) return [...hit] as T[];
    const all: T[] = [];
    for (let page = 0, offset = 0; page < MAX_PAGES; page++) {
      const body = await this.session.call<FdmList<T>>('GET', path, { query: { offset, limit: PAGE_LIMIT, filter } });
      const items = body?.items ?? [];
      all.push(...items);
      offset += items.length;
      // Trust the total `count` first, then `paging.next`, and only then "a short page is the last one"
      // (a server may cap the page below our limit).
      const count = body?.paging?.count;
      const next = body?.paging?.next;
      if (items.length === 0) break;
      if (typeof count === 'number' && count >= 0) {
        if (offset >= count) break;
        continue;
      }
      if (Array.isArray(next)) {
        if (next.length === 0) break;
        continue;
      }
      if (items.length < PAGE_LIMIT) break;
    }
    if (filter === undefined) this.cache.set(path, [...all] as FdmObject[]);
    return all;
  }

  /** The object called exactly `name`, if any. The server-side filter only narrows the list. */
  async findByName<T extends FdmObject>(path: string, name: string): Promise<T | undefined> {
    const hit = this.cached(path);
    if (hit) return hit.find((o) => o.name === name) as T | undefined;
    let items: T[];
    try {
      items = await this.listAll<T>(path, nameFilter(this.filterStyle, name));
    } catch (e) {
      // A build that rejects the filter syntax still lists; match the whole list instead.
      if (!(e instanceof FdmApiError) || e.status === undefined || e.status >= 500 || e.status === 401) throw e;
      this.log.debug(`${this.session.device}: filter on ${path} refused (${e.message}); listing everything`);
      items = await this.listAll<T>(path);
    }
    return items.find((o) => o.name === name);
  }

  async get<T extends FdmObject>(path: string, id: string): Promise<T> {
    const obj = await this.session.call<T>('GET', `${path}/${encodeURIComponent(id)}`);
    if (!obj) throw new FdmApiError(`${this.session.device}: GET /${path}/${id} returned no object`, 200);
    this.remember(path, obj);
    return obj;
  }

  async create<T extends FdmObject>(path: string, body: Record<string, unknown>): Promise<T> {
    const obj = await this.session.call<T>('POST', path, { json: body });
    if (!obj?.id) throw new FdmApiError(`${this.session.device}: POST /${path} returned no object id`, 200);
    this.remember(path, obj);
    return obj;
  }

  /**
   * PUT `change(current)` as a whole object. On 422 mismatchedVersion (someone else saved in between)
   * re-GET and apply the change again, once. An answer of 204 means FDM saw no change.
   */
  async update<T extends FdmObject>(path: string, current: T, change: (obj: T) => T): Promise<T> {
    let obj = current;
    for (let attempt = 0; ; attempt++) {
      const body = putBody(change(structuredClone(obj)));
      try {
        const saved = (await this.session.call<T>('PUT', `${path}/${encodeURIComponent(obj.id)}`, { json: body })) ?? (body as T);
        this.remember(path, saved);
        return saved;
      } catch (e) {
        if (attempt === 0 && e instanceof FdmApiError && e.has('mismatchedVersion')) {
          this.log.debug(`${this.session.device}: ${path}/${obj.id} changed under us (mismatchedVersion); re-reading`);
          obj = await this.get<T>(path, obj.id);
          continue;
        }
        throw e;
      }
    }
  }

  async delete(path: string, id: string): Promise<void> {
    await this.session.request('DELETE', `${path}/${encodeURIComponent(id)}`);
    const list = this.cache.get(path);
    if (list) this.cache.set(path, list.filter((o) => o.id !== id));
  }
}
