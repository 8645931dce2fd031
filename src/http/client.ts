// One HTTP client for every driver: TLS trust (CA file, SHA-256 pin, or loud insecure), timeouts,
// retries with backoff on 429/5xx/resets, and secret redaction in every error it raises.
import { createHash } from 'node:crypto';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { buildConnector, Pool, request as undiciRequest, FormData } from 'undici';
import { Limit } from '../core/limit.js';
import { redact } from '../core/redact.js';
import type { Logger } from '../core/log.js';

export { FormData };

export interface TlsTrust {
  /** PEM bundle of CAs to trust instead of the system store. */
  caPem?: string;
  /** SHA-256 fingerprint of the server's leaf certificate, "AB:CD:..." or plain hex; any case. */
  sha256?: string;
  /** Skip verification (loud warning). Never the default. */
  insecure?: boolean;
  /** Client certificate login (Sectigo /private). */
  clientCertPem?: string;
  clientKeyPem?: string;
}

export interface HttpClientOptions {
  /** Base URL; request paths are appended (a leading "/" is allowed and does not drop a base path). */
  baseUrl: string;
  tls: TlsTrust;
  /** For messages: "ftd-edge-1", "sectigo" ... */
  name: string;
  log?: Logger;
  /**
   * Per-request deadline (ms), default 60 s: the whole exchange (connect, headers, every byte of
   * the body) must finish within it, so a server that drips one byte a second cannot hold a run.
   */
  timeoutMs?: number;
  /** Largest response body accepted (bytes). Default 16 MiB. */
  maxBodyBytes?: number;
  /** Retries after the first try for retryable failures. Default 3. */
  retries?: number;
  /** First backoff delay (ms), doubled per retry, capped at 15 s. Default 500. */
  backoffMs?: number;
  /** Max parallel connections to this origin. Default 4. */
  connections?: number;
  /**
   * A request that is not safe to repeat reuses a kept-alive connection only this long (ms) after the
   * client's last answer; later it goes on a new connection of its own. Default 1000.
   */
  unsafeReuseMs?: number;
}

export interface RequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'PATCH';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** JSON body (sets content-type). */
  json?: unknown;
  /** Raw body: string, Buffer, URLSearchParams (form) or FormData (multipart). */
  body?: string | Buffer | URLSearchParams | FormData;
  /**
   * The request is idempotent (sending it twice has the effect of sending it once), so it may be
   * sent again after a retryable failure: a lost connection, 429, 502-504. Default: true for
   * GET/HEAD/PUT/DELETE, false for POST/PATCH. A driver marks a POST idempotent only when the API makes
   * it so (PAN-OS config set/edit/get, show, an import that overwrites the same name); never a CA order,
   * whose duplicate would be a second order (see retryRule below).
   */
  retry?: boolean;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

/** A transport failure (no HTTP answer) or a TLS trust failure. Message is redacted. */
export class HttpError extends Error {
  constructor(message: string, readonly code?: string, readonly status?: number) {
    super(redact(message));
    this.name = 'HttpError';
  }
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

const RETRY_STATUS = new Set([429, 502, 503, 504]);
const RETRY_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
]);
/** The connection ended before an answer: the request may or may not have reached the server. */
const LOST_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/*
 * Retry rule. A server may close an idle keep-alive connection at the moment a request is written on
 * it; the request then fails with UND_ERR_SOCKET ("other side closed") or ECONNRESET although the
 * server never read it. undici does not resend it: it retries only idempotent requests queued behind
 * a failed pipeline head, never the head itself (undici README, "Pipelining": "Undici will not retry
 * the first remaining requests in the prior pipeline and instead error"), and its maintainers leave
 * the race to the caller (nodejs/undici#3492 is open; the fix proposed in nodejs/undici#5403 was
 * closed; nodejs/node#47130: "we can reduce the time span where the data race can occur but we can't
 * solve the root problem ... better to properly retry"). The client cannot tell "closed before the
 * server read it" from "closed after the server acted on it" (RFC 9110 §9.2.2: a client does not
 * resend a non-idempotent request unless it knows the request is idempotent). So:
 *   - a request the driver marks idempotent (`retry`) is sent again after a lost connection, a
 *     connect failure or 429/502/503/504, with backoff, up to `retries` times;
 *   - any other request (CA orders: SCM enroll, ACME finalize; creates; commits) is sent once; a lost
 *     connection fails it with an error that says it was not resent and why. Orders are recorded in
 *     the ledger before they are sent, so the next run looks a lost one up instead of ordering twice.
 * And the race is avoided for those requests: after the client was quiet for a second
 * (`unsafeReuseMs`), one goes on a new connection instead of a kept-alive one that the server may be
 * closing. The server's idle timeout starts from its last answer; undici stops reusing a connection
 * at the server's `Keep-Alive: timeout` hint minus 2 s (keepAliveTimeoutThreshold, undici Client
 * docs), but runs that check on a timer of the event loop, and in a 2,000-certificate run the loop
 * was seen stalled for up to 5.5 s on a loaded machine. Within a second of an answer (a device's
 * calls follow one another), the kept connection is reused: no extra TLS handshake in the common case.
 */

export function normalizeFingerprint(fp: string): string {
  return fp.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
}

/**
 * One TLS context per trust setting (CA bundle, client certificate and key), shared by every client
 * of the process: a fleet run builds a client per device, almost all with the same setting (a pin
 * and the system store), and each context costs about 1-2 ms of CPU to build (the system roots are
 * loaded into it). Keyed by a digest, so the map holds no key material of its own.
 */
const secureContexts = new Map<string, SecureContext>();

function sharedSecureContext(ca: string | undefined, cert: string | undefined, key: string | undefined): SecureContext {
  const id = createHash('sha256').update(JSON.stringify([ca ?? null, cert ?? null, key ?? null])).digest('base64');
  let ctx = secureContexts.get(id);
  if (!ctx) {
    ctx = createSecureContext({ ca, cert, key });
    // Bounded: a long-lived process that reads changing trust files keeps only recent settings.
    if (secureContexts.size >= 64) secureContexts.delete(secureContexts.keys().next().value!);
    secureContexts.set(id, ctx);
  }
  return ctx;
}

/**
 * Resolves after the current turn of the event loop. undici reuses a kept-alive connection only a
 * full turn after its answer (setImmediate in its HTTP/1.1 client, to notice a server that closes it
 * anyway); a request dispatched before then finds the connection busy and the Pool opens another one.
 * Waiting this turn before the next request (which arrives through `slots`) keeps one device's
 * one-at-a-time calls on one connection: 2-4 TLS handshakes per device fewer in a fleet run.
 */
function nextTurn(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

export class HttpClient {
  private readonly agent: Pool;
  /** New connection per request, for requests not safe to repeat after the client was quiet (see above). */
  private fresh?: Pool;
  private readonly poolOptions: Pool.Options;
  /** performance.now() when this client last read a complete answer. */
  private lastAnswerAt = -Infinity;
  private readonly base: URL;
  /** One per connection to the origin: requests wait here, before their deadline starts. */
  private readonly slots: Limit;
  calls = 0;

  constructor(private readonly opts: HttpClientOptions) {
    this.base = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
    const tls = opts.tls;
    const pin = tls.sha256 ? normalizeFingerprint(tls.sha256) : undefined;
    if (tls.insecure && !pin) {
      opts.log?.warn({ url: this.base.origin }, `TLS verification is OFF for ${opts.name} (insecure: true) — anyone on the path can impersonate it`);
    }
    const connector = buildConnector({
      // Made once per trust setting, not per connection or client (see sharedSecureContext).
      secureContext: sharedSecureContext(!pin && tls.caPem ? tls.caPem : undefined, tls.clientCertPem, tls.clientKeyPem),
      // A pin replaces chain verification: self-signed device certificates are the normal case.
      rejectUnauthorized: !(pin || tls.insecure),
      timeout: opts.timeoutMs ?? 60_000,
      // A resumed TLS session carries no peer certificate, so a pin could not be checked on it.
      maxCachedSessions: pin ? 0 : undefined,
    });
    const connections = opts.connections ?? 4;
    this.slots = new Limit(connections);
    // One pool for the one origin (not an Agent, which drops its pool, queue and clients whenever the
    // origin's last connection closes and builds new ones for the next request: a device whose
    // connections idle out while its CA orders are pending did that several times per run).
    this.poolOptions = {
      connections,
      headersTimeout: opts.timeoutMs ?? 60_000,
      bodyTimeout: opts.timeoutMs ?? 60_000,
      connect: (connectOpts, callback) => {
        connector(connectOpts, (err, socket) => {
          if (err || !pin || !socket) return callback(err as Error, socket as never);
          const got = normalizeFingerprint((socket as TLSSocket).getPeerCertificate?.()?.fingerprint256 ?? '');
          if (got !== pin) {
            socket.destroy();
            return callback(new HttpError(`TLS pin mismatch for ${opts.name} (${this.base.host}): server presented SHA-256 ${got || 'none'}, expected ${pin}`, 'ERR_TLS_PIN'), null);
          }
          callback(null, socket);
        });
      },
    };
    this.agent = new Pool(this.base.origin, this.poolOptions);
  }

  /** Where an attempt goes: a request not safe to repeat avoids a connection kept alive past unsafeReuseMs. */
  private dispatcherFor(idempotent: boolean): Pool {
    if (idempotent || this.agent.stats.connected === 0) return this.agent;
    if (performance.now() - this.lastAnswerAt <= (this.opts.unsafeReuseMs ?? 1000)) return this.agent;
    // pipelining 0: undici closes the connection after its one answer (no keep-alive).
    this.fresh ??= new Pool(this.base.origin, { ...this.poolOptions, pipelining: 0 });
    return this.fresh;
  }

  url(path: string, query?: RequestOptions['query']): URL {
    if (/^https?:\/\//i.test(path)) {
      const abs = new URL(path);
      if (abs.origin !== this.base.origin) throw new HttpError(`refusing to follow ${abs.origin} from ${this.opts.name}`);
      return abs;
    }
    const u = new URL(path.replace(/^\/+/, ''), this.base);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  async request(req: RequestOptions): Promise<HttpResponse> {
    const url = this.url(req.path, req.query);
    const retry = req.retry ?? ['GET', 'HEAD', 'PUT', 'DELETE'].includes(req.method);
    const attempts = retry ? (this.opts.retries ?? 3) + 1 : 1;
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let body: string | Buffer | FormData | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] ??= 'application/json;charset=UTF-8';
    } else if (req.body instanceof URLSearchParams) {
      body = req.body.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else body = req.body;

    const deadlineMs = req.timeoutMs ?? this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let lastErr: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      // The deadline starts when a connection is free: a request queued behind this client's own
      // others (hundreds of CA orders at once) must not time out before it is even sent.
      const step = await this.slots.run(async (): Promise<{ res?: HttpResponse; retryInMs?: number }> => {
        // A plain controller and timer, cleared with the answer (cheaper than AbortSignal.timeout,
        // whose timer and registry live until the deadline passes).
        const deadline = new AbortController();
        const deadlineTimer = setTimeout(() => deadline.abort(new DOMException('request deadline passed', 'TimeoutError')), deadlineMs);
        try {
          this.calls++;
          const res = await undiciRequest(url, {
            method: req.method,
            headers,
            body,
            dispatcher: this.dispatcherFor(retry),
            signal: deadline.signal,
            headersTimeout: deadlineMs,
            bodyTimeout: deadlineMs,
          });
          const buf = await this.readBody(res.body, res.headers['content-length'], req.method, url);
          this.lastAnswerAt = performance.now();
          clearTimeout(deadlineTimer);
          await nextTurn();
          const resHeaders: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) resHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
          if (RETRY_STATUS.has(res.statusCode) && attempt < attempts) {
            const wait = retryAfterMs(resHeaders['retry-after']) ?? this.backoff(attempt);
            this.opts.log?.debug({ status: res.statusCode, wait }, `${this.opts.name}: HTTP ${res.statusCode} on ${req.method} ${url.pathname}, retrying`);
            return { retryInMs: wait };
          }
          return {
            res: {
              status: res.statusCode,
              headers: resHeaders,
              body: buf,
              text: () => buf.toString('utf8'),
              json: <T>() => {
                try {
                  return JSON.parse(buf.toString('utf8')) as T;
                } catch {
                  throw new HttpError(`${this.opts.name}: ${req.method} ${url.pathname} answered HTTP ${res.statusCode} with a body that is not JSON: ${buf.toString('utf8').slice(0, 200)}`, 'ERR_BAD_JSON', res.statusCode);
                }
              },
            },
          };
        } catch (e) {
          clearTimeout(deadlineTimer);
          lastErr = deadline.signal.aborted
            ? new HttpError(
              `${this.opts.name}: ${req.method} ${url.origin}${url.pathname} got no complete answer within ${Math.round(deadlineMs / 1000)} s (timeout_s)`,
              'ERR_DEADLINE',
            )
            : e;
          const code = (lastErr as { code?: string }).code ?? '';
          if (code === 'ERR_TLS_PIN' || !RETRY_CODES.has(code) || attempt >= attempts) return {};
          this.opts.log?.debug({ code }, `${this.opts.name}: ${code} on ${req.method} ${url.pathname}, retrying`);
          return { retryInMs: this.backoff(attempt) };
        }
      });
      if (step.res) return step.res;
      if (step.retryInMs === undefined) break;
      await sleep(step.retryInMs);
    }
    throw this.wrap(lastErr, req.method, url, retry);
  }

  /** Reads the body up to maxBodyBytes; a larger one is cut off at once, not buffered to the end. */
  private async readBody(body: AsyncIterable<Buffer> & { destroy(): unknown }, length: string | string[] | undefined, method: string, url: URL): Promise<Buffer> {
    const max = this.opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const tooLarge = () => {
      body.destroy();
      return new HttpError(`${this.opts.name}: ${method} ${url.origin}${url.pathname} answered with a body larger than ${max} bytes; refused`, 'ERR_BODY_TOO_LARGE');
    };
    if (Number(length) > max) throw tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > max) throw tooLarge();
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size);
  }

  private backoff(attempt: number): number {
    const base = this.opts.backoffMs ?? 500;
    return Math.min(15_000, base * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
  }

  private wrap(e: unknown, method: string, url: URL, idempotent: boolean): HttpError {
    if (e instanceof HttpError) return e;
    const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
    const code = err.code ?? err.cause?.code;
    const why = err.cause?.message ?? err.message ?? String(e);
    let hint = '';
    if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
      hint = ' — the server certificate is not trusted: set tls.ca_file or tls.sha256 for this entry';
    } else if (code && !idempotent && LOST_CONNECTION_CODES.has(code)) {
      hint = ' — the connection closed before any answer; not sent again, because this request is not safe to repeat (the server may already have carried it out)';
    }
    return new HttpError(`${this.opts.name}: ${method} ${url.origin}${url.pathname} failed: ${why}${code ? ` (${code})` : ''}${hint}`, code);
  }

  async close(): Promise<void> {
    await Promise.all([this.agent.close(), this.fresh?.close()]);
  }
}
