// Request/response helpers and FMC's error body (§7: {"error":{"category","messages":[{"description"}],"severity"}},
// the shape go-fmc's client_test.go answers with).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../read-body.js';

export class FmcHttpError extends Error {
  constructor(readonly status: number, readonly description: string, readonly headers: Record<string, string> = {}) {
    super(description);
  }
  get body(): unknown {
    return { error: { category: 'FRAMEWORK', messages: [{ description: this.description }], severity: 'ERROR' } };
  }
}

/** FMC's limit is 2,048,000 bytes (fireREST API_PAYLOAD_SIZE_MAX); fmcapi reads 422 as "payload too large". */
const MAX_BODY = 2_048_000;

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(req, MAX_BODY, () => new FmcHttpError(422, 'Payload too large'))).toString('utf8');
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new FmcHttpError(400, 'Invalid JSON in request body');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Length': 0, ...headers });
  res.end();
}

/**
 * FMC list answer: `items` (absent when there are none: fmcapi checks `"items" in response`), `paging`
 * with offset/limit/count/pages and `next` links (§7). Default limit 25 (the FMC API explorer default).
 */
export function page(all: unknown[], url: URL, selfPath: string): Record<string, unknown> {
  const offset = Math.max(0, Number(url.searchParams.get('offset') ?? 0) || 0);
  const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 25) || 25));
  const items = all.slice(offset, offset + limit);
  const paging: Record<string, unknown> = { offset, limit, count: all.length, pages: Math.ceil(all.length / limit) };
  if (offset + limit < all.length) {
    const next = new URL(url.href);
    next.searchParams.set('offset', String(offset + limit));
    next.searchParams.set('limit', String(limit));
    paging.next = [next.href];
  }
  return { links: { self: `${url.origin}${selfPath}` }, ...(items.length ? { items } : {}), paging };
}
