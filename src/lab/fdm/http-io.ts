// Small request/response helpers for the emulator's HTTPS server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody as readRequestBody } from '../read-body.js';

const MAX_BODY = 4 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readRequestBody(req, MAX_BODY, () => new Error('request body too large'))).toString('utf8');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json;charset=UTF-8'): void {
  const text = JSON.stringify(body, null, 4);
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Length': 0 });
  res.end();
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m ? m[1] : undefined;
}
