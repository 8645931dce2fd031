// The HTTPS front of a PAN-OS-family emulator (firewall or Panorama): the XML API at /api/ (GET or
// POST, query and form/multipart parameters merged as PAN-OS does), the lab endpoints
// (/__lab/state, /__lab/knobs), simulated latency, and the answer quoting of real boxes. Both boxes
// speak the same XML API; only what a request does differs, and that is the caller's `route`.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback } from '../listen.js';
import { readBody } from '../read-body.js';
import type { RouteOutcome, ApiRequest } from './api-router.js';
import { ApiError, errorResponse, withQuoting } from './envelope.js';
import { mergeKnobs, type PanosKnobs } from './knobs.js';
import { mergeParams } from './params.js';

const MAX_BODY = 16 * 1024 * 1024;

export interface XmlApiServerOptions {
  tls: { certPem: string; keyPem: string };
  port?: number;
  /** Live knobs: read on every request, merged into by POST /__lab/knobs. */
  knobs: PanosKnobs;
  state: () => unknown;
  route: (req: ApiRequest) => Promise<RouteOutcome>;
}

export interface XmlApiServer {
  url: string;
  close: () => Promise<void>;
}

const readRequest = (req: IncomingMessage) => readBody(req, MAX_BODY, () => new Error('request body too large'));

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function serveXmlApi(opts: XmlApiServerOptions): Promise<XmlApiServer> {
  const { knobs } = opts;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'https://127.0.0.1');
    if (u.pathname === '/__lab/state' && req.method === 'GET') return sendJson(res, 200, opts.state());
    if (u.pathname === '/__lab/knobs' && req.method === 'POST') {
      try {
        mergeKnobs(knobs, JSON.parse((await readRequest(req)).toString('utf8') || '{}') as Record<string, unknown>);
        return sendJson(res, 200, knobs);
      } catch {
        return sendJson(res, 400, { error: 'knobs must be a JSON object' });
      }
    }
    if (u.pathname !== '/api/' && u.pathname !== '/api') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('Not Found');
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, POST' });
      return res.end();
    }
    let outcome: RouteOutcome;
    let requestType = u.searchParams.get('type') ?? '';
    try {
      const body = await readRequest(req);
      const params = await mergeParams(u, req.headers['content-type'], body, { rejectQuotedBoundary: knobs.rejectQuotedMultipartBoundary });
      requestType = params.get('type') ?? '';
      outcome = await opts.route({ params, headers: req.headers });
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(400, ['Bad request']);
      outcome = { kind: 'response', response: errorResponse(err) };
    }
    if (knobs.latencyMs > 0) await new Promise((r) => setTimeout(r, knobs.latencyMs));
    if (outcome.kind === 'reset') return req.socket.destroy();
    if (outcome.kind === 'status') {
      res.writeHead(outcome.status, { 'content-type': 'text/html' });
      return res.end(`<html><body>${outcome.status}</body></html>`);
    }
    // Real boxes quote some answers differently (keygen: `status = 'success'`), see withQuoting.
    const r = withQuoting(outcome.response, requestType, knobs.responseQuoting);
    res.writeHead(r.httpStatus, { 'content-type': r.contentType, ...(r.headers ?? {}) });
    res.end(r.body);
  };

  const server: Server = createServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const listening = await listenOnLoopback(server, opts.port);
  return { url: `https://127.0.0.1:${listening.port}`, close: listening.close };
}
