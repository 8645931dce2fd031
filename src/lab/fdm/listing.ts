// List queries (reference §3): offset/limit (default 0/10), filter "{key}{op}{value}[;...]" with
// ops ":" equals, "!" not equals, "~" similar, keys name and fts ("fts cannot be used with other
// filters"), and the paging block {prev,next:[absolute URLs],limit,offset,count,pages:0}.
import { invalidField } from './errors.js';
import type { FdmObject } from './types.js';

export interface ListQuery {
  offset: number;
  limit: number;
  filter?: string;
  sort?: string;
}

export interface Paging {
  prev: string[];
  next: string[];
  limit: number;
  offset: number;
  count: number;
  pages: number;
}

const DEFAULT_LIMIT = 10;

function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw invalidField(name, `Invalid value for ${name}: "${raw}"`);
  return n;
}

export function parseListQuery(url: URL): ListQuery {
  return {
    offset: intParam(url, 'offset', 0),
    limit: intParam(url, 'limit', DEFAULT_LIMIT) || DEFAULT_LIMIT,
    filter: url.searchParams.get('filter') ?? undefined,
    sort: url.searchParams.get('sort') ?? undefined,
  };
}

interface Clause {
  key: 'name' | 'fts';
  op: ':' | '!' | '~';
  value: string;
}

function parseFilter(filter: string): Clause[] {
  const clauses: Clause[] = [];
  for (const part of filter.split(';')) {
    if (part === '') continue;
    const m = /^([A-Za-z]+)([:!~])(.*)$/s.exec(part);
    if (!m || (m[1] !== 'name' && m[1] !== 'fts')) {
      throw invalidField('filter', `Invalid filter expression: "${part}"`, 'invalidFilter'); // wording inferred
    }
    clauses.push({ key: m[1], op: m[2] as Clause['op'], value: m[3]! });
  }
  if (clauses.some((c) => c.key === 'fts') && clauses.length > 1) {
    throw invalidField('filter', 'fts cannot be used with other filters', 'invalidFilter');
  }
  return clauses;
}

function similar(haystack: unknown, needle: string): boolean {
  return typeof haystack === 'string' && haystack.toLowerCase().includes(needle.toLowerCase());
}

function matches(obj: FdmObject, c: Clause): boolean {
  if (c.key === 'fts') {
    // A fuzzy, substring search: clients must confirm the exact name themselves (reference §9.6).
    return similar(obj.name, c.value) || similar(obj.description, c.value);
  }
  if (c.op === ':') return obj.name === c.value;
  if (c.op === '!') return obj.name !== c.value;
  return similar(obj.name, c.value);
}

export function applyQuery(items: FdmObject[], q: ListQuery): FdmObject[] {
  let out = items;
  if (q.filter) {
    const clauses = parseFilter(q.filter);
    out = out.filter((o) => clauses.every((c) => matches(o, c)));
  }
  if (q.sort) {
    const desc = q.sort.startsWith('-');
    const field = desc ? q.sort.slice(1) : q.sort;
    out = [...out].sort((a, b) => String(a[field] ?? '').localeCompare(String(b[field] ?? '')) * (desc ? -1 : 1));
  }
  return out;
}

/** One page of `all` plus the paging block; `baseUrl` is the absolute collection URL. */
export function paginate<T>(all: T[], q: ListQuery, baseUrl: string): { items: T[]; paging: Paging } {
  const link = (offset: number) => {
    let u = `${baseUrl}?limit=${q.limit}&offset=${offset}`;
    if (q.filter) u += `&filter=${encodeURIComponent(q.filter)}`;
    if (q.sort) u += `&sort=${encodeURIComponent(q.sort)}`;
    return u;
  };
  const items = all.slice(q.offset, q.offset + q.limit);
  return {
    items,
    paging: {
      prev: q.offset > 0 ? [link(Math.max(0, q.offset - q.limit))] : [],
      next: q.offset + q.limit < all.length ? [link(q.offset + q.limit)] : [],
      limit: q.limit,
      offset: q.offset,
      count: all.length,
      pages: 0,
    },
  };
}
