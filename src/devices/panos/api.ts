// One XML API session with one device: key handling, request encoding, reply classification.
// The API key travels only in the X-PAN-KEY header, never in a URL, so it cannot land in a device's
// web-server log or a proxy log. Requests are POSTs with a urlencoded (or multipart) body so cmd and
// element XML are never logged in URLs either.
import { HttpClient, FormData, type TlsTrust, type HttpResponse } from '../../http/client.js';
import { registerSecret } from '../../core/redact.js';
import { DeviceError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { failureMessage, isFailure, isNotPresent, parseReply, PanosApiError, type PanosReply } from './envelope.js';
import { child, textOf } from './xml.js';

export type PanosCredentials = { api_key: string } | { username: string; password: string };

export interface PanosSessionOptions {
  name: string;
  url: string;
  tls: TlsTrust;
  timeoutMs: number;
  credentials: PanosCredentials;
  log: Logger;
}

export interface CallOptions {
  /** Safe to resend after a transport failure (reads, exports, job polls). */
  idempotent?: boolean;
  /** What the call does, for messages ("read certificates"). */
  what?: string;
}

type Params = Record<string, string>;

export class PanosSession {
  private readonly http: HttpClient;
  private key?: string;
  private keygenRunning?: Promise<string>;

  constructor(private readonly opts: PanosSessionOptions) {
    this.http = new HttpClient({ baseUrl: opts.url, tls: opts.tls, name: opts.name, log: opts.log, timeoutMs: opts.timeoutMs });
    if ('api_key' in opts.credentials) {
      registerSecret(opts.credentials.api_key);
      this.key = opts.credentials.api_key;
    } else {
      registerSecret(opts.credentials.password);
    }
  }

  get calls(): number {
    return this.http.calls;
  }

  /** Makes sure a key is at hand (keygen with username/password the first time). */
  async ensureKey(): Promise<string> {
    if (this.key) return this.key;
    return this.keygen();
  }

  /**
   * type=keygen with user/password in a POST form body. A new key for a user may end that user's other
   * API sessions, so it is done once per run (and once more only when the device rejects the key).
   */
  private keygen(): Promise<string> {
    if (!this.keygenRunning) {
      this.keygenRunning = this.doKeygen().finally(() => {
        this.keygenRunning = undefined;
      });
    }
    return this.keygenRunning;
  }

  private async doKeygen(): Promise<string> {
    const c = this.opts.credentials;
    if (!('username' in c)) throw new DeviceError(`${this.opts.name}: the API key was rejected (HTTP 403); generate a new key for the fwcert admin and update the credentials`);
    this.opts.log.debug(`${this.opts.name}: requesting an API key for ${c.username}`);
    const res = await this.http.request({
      method: 'POST',
      path: 'api/',
      query: { type: 'keygen' },
      headers: { accept: 'application/xml' },
      body: new URLSearchParams({ user: c.username, password: c.password }),
      retry: true,
    });
    const body = res.text();
    let reply: PanosReply | undefined;
    try {
      reply = parseReply(body, 'keygen reply');
    } catch {
      reply = undefined;
    }
    if (res.status === 403 || reply?.code === 403) {
      throw new PanosApiError(`${this.opts.name}: login as ${c.username} failed: ${reply?.messages[0] ?? 'Invalid Credential'} (HTTP ${res.status})`, [], 403, res.status);
    }
    if (!reply) throw new PanosApiError(`${this.opts.name}: keygen answered HTTP ${res.status} with something that is not a PAN-OS reply`, [], undefined, res.status);
    const key = textOf(child(reply.result, 'key'));
    if (isFailure(reply) || !key) throw new PanosApiError(failureMessage(`${this.opts.name}: keygen for ${c.username}`, reply), reply.messages, reply.code, res.status);
    registerSecret(key);
    this.key = key;
    return key;
  }

  /**
   * Sends one request. On HTTP 403 / code 403 / code 22 the key is regenerated once (when we have a
   * username and password) and the request is sent again; a second refusal is final.
   */
  async call(params: Params, opts: CallOptions = {}, body?: () => FormData): Promise<PanosReply> {
    const res = await this.send(params, opts, body);
    const text = res.text();
    let reply: PanosReply;
    try {
      reply = parseReply(text, `${this.opts.name}: ${describe(params)}`);
    } catch (e) {
      throw new PanosApiError(`${this.opts.name}: ${opts.what ?? describe(params)} answered HTTP ${res.status}: ${text.slice(0, 200) || '(empty body)'}`, [], undefined, res.status);
    }
    if (isFailure(reply) || res.status >= 400) {
      throw new PanosApiError(failureMessage(`${this.opts.name}: ${opts.what ?? describe(params)}`, reply), reply.messages, reply.code, res.status);
    }
    return reply;
  }

  /** Raw response (exports answer with a file, not an envelope); auth retry included. */
  async send(params: Params, opts: CallOptions = {}, body?: () => FormData): Promise<HttpResponse> {
    let regenerated = false;
    for (;;) {
      const key = await this.ensureKey();
      const res = await this.post(key, params, opts, body);
      if (!isAuthFailure(res)) return res;
      if (regenerated || !('username' in this.opts.credentials)) {
        throw new PanosApiError(
          `${this.opts.name}: ${opts.what ?? describe(params)} was refused (HTTP ${res.status} Forbidden): the API key is invalid or expired, or the admin role lacks XML API rights for this request`,
          [],
          403,
          res.status,
        );
      }
      this.opts.log.info(`${this.opts.name}: API key rejected, generating a new one`);
      // Only replace the key if nobody else did while this request was in flight.
      if (this.key === key) {
        this.key = undefined;
        await this.keygen();
      }
      regenerated = true;
    }
  }

  private async post(key: string, params: Params, opts: CallOptions, body?: () => FormData): Promise<HttpResponse> {
    this.opts.log.debug({ api: describe(params) }, `${this.opts.name}: ${opts.what ?? describe(params)}`);
    const headers = { 'x-pan-key': key, accept: 'application/xml, application/octet-stream, text/plain' };
    if (body) {
      // Multipart (import): only `type` in the query, every other parameter as a form field, the file
      // as part "file" (undici's boundary is unquoted, which PAN-OS requires).
      const form = body();
      for (const [k, v] of Object.entries(params)) if (k !== 'type') form.append(k, v);
      return this.http.request({ method: 'POST', path: 'api/', query: { type: params.type }, headers, body: form, retry: opts.idempotent ?? false });
    }
    return this.http.request({ method: 'POST', path: 'api/', headers, body: new URLSearchParams(params), retry: opts.idempotent ?? false });
  }

  // ---- request kinds ----

  op(cmd: string, extra: Params = {}, opts: CallOptions = {}): Promise<PanosReply> {
    return this.call({ type: 'op', cmd, ...extra }, opts);
  }

  /** Candidate config at `xpath`; undefined when the node does not exist (code 7). */
  async configGet(xpath: string, what?: string): Promise<unknown> {
    const reply = await this.call({ type: 'config', action: 'get', xpath }, { idempotent: true, what });
    if (reply.code === 7) return undefined;
    return reply.result;
  }

  configSet(xpath: string, element: string, what?: string): Promise<PanosReply> {
    return this.call({ type: 'config', action: 'set', xpath, element }, { idempotent: true, what });
  }

  configEdit(xpath: string, element: string, what?: string): Promise<PanosReply> {
    return this.call({ type: 'config', action: 'edit', xpath, element }, { idempotent: true, what });
  }

  /** Deletes `xpath`; false when it was not there. */
  async configDelete(xpath: string, what?: string): Promise<boolean> {
    try {
      const reply = await this.call({ type: 'config', action: 'delete', xpath }, { idempotent: true, what });
      return reply.code !== 7;
    } catch (e) {
      if (e instanceof PanosApiError && isNotPresent({ code: e.code, messages: e.detail })) return false;
      throw e;
    }
  }

  /**
   * type=config&action=multi-config with `element` (a <multi-configure-request>). Never
   * strict-transactional: that would also roll back this admin's other uncommitted changes (pan-python's
   * doc). The reply is returned whether it failed or not: its nested <response> per request say which.
   * Idempotent for deletes (one sent twice finds nothing the second time: code 7).
   */
  async multiConfig(element: string, what: string): Promise<PanosReply> {
    const res = await this.send({ type: 'config', action: 'multi-config', element }, { idempotent: true, what });
    return parseReply(res.text(), `${this.opts.name}: ${what}`);
  }

  /** type=export; returns the file body. An XML envelope instead of a file is an error. */
  async exportFile(params: Params, what: string): Promise<string> {
    const res = await this.send({ type: 'export', ...params }, { idempotent: true, what });
    const text = res.text();
    const ctype = (res.headers['content-type'] ?? '').toLowerCase();
    const looksXml = ctype.includes('xml') || /^\s*<(\?xml|response)/.test(text);
    if (looksXml && !/-----BEGIN /.test(text.slice(0, 100))) {
      const reply = parseReply(text, `${this.opts.name}: ${what}`);
      if (isFailure(reply) || res.status >= 400) throw new PanosApiError(failureMessage(`${this.opts.name}: ${what}`, reply), reply.messages, reply.code, res.status);
      // Some releases wrap the file in <result><output> as base64 (defensive).
      const out = textOf(child(reply.result, 'output'));
      if (out) return Buffer.from(out, 'base64').toString('utf8');
      throw new PanosApiError(`${this.opts.name}: ${what} returned no file`, reply.messages, reply.code, res.status);
    }
    if (res.status >= 400) throw new PanosApiError(`${this.opts.name}: ${what} answered HTTP ${res.status}`, [text.slice(0, 200)], undefined, res.status);
    return text;
  }

  /**
   * type=import with the file as multipart part "file". Idempotent: an import under a name overwrites
   * what that name holds (the same-name renewal of reference section 6), so the same file sent twice
   * leaves what it leaves sent once, and a copy lost with its connection is sent again.
   */
  importFile(params: Params, file: { filename: string; content: string | Buffer }, what: string): Promise<PanosReply> {
    return this.call({ type: 'import', ...params }, { idempotent: true, what }, () => {
      const form = new FormData();
      const bytes = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
      form.append('file', new Blob([new Uint8Array(bytes)], { type: 'application/octet-stream' }), file.filename);
      return form;
    });
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

function isAuthFailure(res: HttpResponse): boolean {
  if (res.status === 403) return true;
  if (res.status !== 200) return false;
  // A few releases answer 200 with an error envelope for a stale key / timed-out session.
  const head = res.body.subarray(0, 300).toString('utf8');
  if (!/<response[^>]*status\s*=\s*["']error["']/.test(head)) return false;
  return /code\s*=\s*["'](403|22)["']/.test(head);
}

/** "type=config action=get" style summary for logs and messages (never values: they may be long). */
function describe(p: Params): string {
  const parts = [`type=${p.type}`];
  if (p.action) parts.push(`action=${p.action}`);
  if (p.category) parts.push(`category=${p.category}`);
  if (p['certificate-name']) parts.push(`certificate-name=${p['certificate-name']}`);
  return parts.join(' ');
}
