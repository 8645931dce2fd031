// acme-client does the ACME protocol work (JWS, EAB, nonces, badNonce retries); this puts fwcert's
// HttpClient (TLS trust / pinning, timeouts, redaction) underneath it in place of its own axios,
// and turns ACME problem documents into AcmeCaError with the whole problem in the message.
import { HttpClient, HttpError, type TlsTrust } from '../../http/client.js';
import type { Logger } from '../../core/log.js';
import { AcmeCaError, isProblem, problemError, problemType } from './problem.js';

/** The response shape acme-client expects from its HTTP layer (axios-like). */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  data: unknown;
}

const ACCEPT = 'application/json, application/problem+json, application/pem-certificate-chain;q=0.9, */*;q=0.1';

export class AcmeTransport {
  private readonly clients = new Map<string, HttpClient>();

  constructor(private readonly name: string, private readonly tls: TlsTrust, private readonly log: Logger, private readonly timeoutMs?: number) {}

  /** One HttpClient per origin: a directory may point its resources at another host. */
  private clientFor(url: URL): HttpClient {
    let c = this.clients.get(url.origin);
    if (!c) {
      c = new HttpClient({ baseUrl: url.origin, tls: this.tls, name: this.name, log: this.log, retries: 2, timeoutMs: this.timeoutMs });
      this.clients.set(url.origin, c);
    }
    return c;
  }

  /**
   * GET/HEAD are retried by HttpClient (429/5xx/resets); POSTs are not (a JWS carries a one-time
   * nonce): their failures come back as problems. badNonce is returned as-is so acme-client can
   * retry with the fresh nonce it carries.
   */
  async send(url: string, method: string, jws?: unknown): Promise<WireResponse> {
    const u = new URL(url);
    const m = method.toUpperCase() as 'GET' | 'HEAD' | 'POST';
    let res;
    try {
      res = await this.clientFor(u).request({
        method: m,
        path: u.href,
        headers: { accept: ACCEPT, ...(jws !== undefined ? { 'content-type': 'application/jose+json' } : {}) },
        body: jws !== undefined ? JSON.stringify(jws) : undefined,
        retry: m !== 'POST',
      });
    } catch (e) {
      const msg = e instanceof HttpError ? e.message : (e as Error).message;
      throw new AcmeCaError(`${this.name}: ${m} ${u.origin}${u.pathname}: ${msg}`, (e as { code?: string }).code, true);
    }
    const contentType = res.headers['content-type'] ?? '';
    let data: unknown = res.text();
    if (/json/i.test(contentType)) {
      try {
        data = JSON.parse(res.text());
      } catch {
        /* keep the text; the status check below reports it */
      }
    }
    if (res.status >= 400) {
      if (isProblem(data) && problemType(data) === 'badNonce') return { status: res.status, headers: res.headers, data };
      const context = `${this.name}: ${m} ${u.pathname}`;
      if (isProblem(data)) throw problemError(context, res.status, data, res.headers['retry-after']);
      const retryable = res.status === 429 || res.status >= 500;
      const text = String(data).trim().slice(0, 300);
      throw new AcmeCaError(`${context}: HTTP ${res.status}${text ? `: ${text}` : ' (no body)'}`, res.status, retryable);
    }
    return { status: res.status, headers: res.headers, data };
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}
