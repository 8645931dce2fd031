// One FMC session per FMC per run (§7 of the project's FDM/FMC reference): a second login by the same user
// kills the first, so every FTD of the FMC shares this token. Login = POST generatetoken with Basic auth
// (204, tokens and domains in headers: go-fmc client.go login, fmcapi fmc.py Token). A token lives 30 min
// and can be refreshed 3 times (cisco.com Quick Start; fmcapi MAX_REFRESHES = 3), then we log in again.
// Every request waits for the shared rate limiter; 429 and "please try again" 400s are retried after a
// backoff (go-fmc retries both; fmcapi sleeps on 429).
import { HttpClient, HttpError, type HttpResponse, type RequestOptions, type TlsTrust } from '../../http/client.js';
import { DeviceError } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';
import type { Logger } from '../../core/log.js';
import { FmcApiError, parseFmcError, saysTryAgain } from './errors.js';
import { RateLimiter } from './rate-limiter.js';

export const MAX_REFRESHES = 3;
const TOKEN_LIFETIME_MS = 30 * 60_000;

export interface FmcSessionOptions {
  name: string;
  url: string;
  username: string;
  password: string;
  tls: TlsTrust;
  timeoutMs: number;
  log: Logger;
  rateLimitPerMin: number;
  /** First backoff after a 429 (doubled per retry, capped at 60 s) when the FMC sends no Retry-After. */
  backoffMs: number;
  /** Retries of one request after 429 / "try again" answers. */
  maxRetries: number;
}

export interface FmcDomain {
  name: string;
  uuid: string;
}

interface Tokens {
  access: string;
  refresh: string;
  issuedAt: number;
  refreshes: number;
}

export interface CallOptions {
  query?: RequestOptions['query'];
  json?: unknown;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FmcSession {
  private readonly http: HttpClient;
  readonly limiter: RateLimiter;
  private tokens?: Tokens;
  private renewal?: Promise<void>;
  domains: FmcDomain[] = [];
  /** The user's login domain (DOMAIN_UUID header). */
  loginDomain = '';
  readonly stats = { logins: 0, refreshes: 0, retries429: 0, requests: 0 };

  constructor(private readonly opts: FmcSessionOptions) {
    registerSecret(opts.password);
    this.limiter = new RateLimiter(opts.rateLimitPerMin);
    // Retries live here (so each try passes the rate limiter), not in the HTTP client.
    this.http = new HttpClient({ baseUrl: opts.url, tls: opts.tls, name: opts.name, log: opts.log, timeoutMs: opts.timeoutMs, retries: 0 });
  }

  get username(): string {
    return this.opts.username;
  }

  private async send(req: RequestOptions): Promise<HttpResponse> {
    const retryTransport = ['GET', 'PUT', 'DELETE'].includes(req.method);
    for (let attempt = 0; ; attempt++) {
      await this.limiter.acquire();
      this.stats.requests++;
      let res: HttpResponse;
      try {
        res = await this.http.request({ ...req, retry: false });
      } catch (e) {
        if (e instanceof HttpError && retryTransport && e.code !== 'ERR_TLS_PIN' && attempt < 3) {
          await sleep(this.backoff(attempt));
          continue;
        }
        if (e instanceof HttpError) throw new FmcApiError(e.message, undefined, [], true);
        throw e;
      }
      const busy = res.status === 429 || (res.status === 400 && saysTryAgain(parseFmcError(res.text())));
      if (busy && attempt < this.opts.maxRetries) {
        this.stats.retries429++;
        const ra = Number(res.headers['retry-after']);
        const wait = Number.isFinite(ra) && ra >= 0 ? ra * 1000 : this.backoff(attempt);
        this.opts.log.debug(`${this.opts.name}: HTTP ${res.status} on ${req.method} ${req.path.split('?')[0]}; waiting ${Math.round(wait)} ms`);
        await sleep(wait);
        continue;
      }
      return res;
    }
  }

  private backoff(attempt: number): number {
    return Math.min(60_000, this.opts.backoffMs * 2 ** attempt) * (0.8 + Math.random() * 0.4);
  }

  // ---------------------------------------------------------------- tokens

  async login(): Promise<void> {
    const basic = Buffer.from(`${this.opts.username}:${this.opts.password}`).toString('base64');
    const res = await this.send({ method: 'POST', path: 'api/fmc_platform/v1/auth/generatetoken', headers: { authorization: `Basic ${basic}` } });
    if (res.status !== 204 && res.status !== 200) {
      const why = parseFmcError(res.text()).join('; ') || `HTTP ${res.status}`;
      throw new DeviceError(`${this.opts.name}: FMC login failed for user ${this.opts.username}: ${why}`);
    }
    const access = res.headers['x-auth-access-token'];
    const refresh = res.headers['x-auth-refresh-token'];
    if (!access || !refresh) throw new DeviceError(`${this.opts.name}: the FMC login answer has no X-auth-access-token / X-auth-refresh-token headers`);
    registerSecret(access);
    registerSecret(refresh);
    this.tokens = { access, refresh, issuedAt: Date.now(), refreshes: 0 };
    this.loginDomain = res.headers.domain_uuid ?? '';
    try {
      const list = JSON.parse(res.headers.domains ?? '[]') as FmcDomain[];
      if (Array.isArray(list) && list.length) this.domains = list.filter((d) => d && typeof d.uuid === 'string' && typeof d.name === 'string');
    } catch {
      /* the DOMAINS header is optional for us: GET info/domain is asked when it is missing */
    }
    this.stats.logins++;
    this.opts.log.debug(`${this.opts.name}: logged in to the FMC as ${this.opts.username}`);
  }

  /** refreshtoken with both X-auth headers; false when refused or the 3 refreshes are used up. */
  private async refresh(): Promise<boolean> {
    const t = this.tokens;
    if (!t || t.refreshes >= MAX_REFRESHES) return false;
    const res = await this.send({
      method: 'POST', path: 'api/fmc_platform/v1/auth/refreshtoken',
      headers: { 'X-auth-access-token': t.access, 'X-auth-refresh-token': t.refresh },
    });
    const access = res.headers['x-auth-access-token'];
    const refresh = res.headers['x-auth-refresh-token'];
    if ((res.status !== 204 && res.status !== 200) || !access || !refresh) return false;
    registerSecret(access);
    registerSecret(refresh);
    this.tokens = { access, refresh, issuedAt: Date.now(), refreshes: t.refreshes + 1 };
    this.stats.refreshes++;
    return true;
  }

  /** Refresh, else log in again. Single-flight; a no-op when another call already replaced `stale`. */
  private renew(stale?: string): Promise<void> {
    if (this.renewal) return this.renewal;
    if (stale !== undefined && this.tokens && this.tokens.access !== stale) return Promise.resolve();
    this.renewal = (async () => {
      if (!(await this.refresh())) {
        this.opts.log.info(`${this.opts.name}: the FMC session ended (another login with the same user, or refreshes used up); logging in again`);
        await this.login();
      }
    })().finally(() => {
      this.renewal = undefined;
    });
    return this.renewal;
  }

  private async accessToken(): Promise<string> {
    if (this.renewal) await this.renewal;
    if (!this.tokens) await this.login();
    else if (Date.now() - this.tokens.issuedAt > TOKEN_LIFETIME_MS - 60_000) await this.renew(this.tokens.access);
    return this.tokens!.access;
  }

  // -------------------------------------------------------------- requests

  /** An authenticated call; `path` is below the origin (api/fmc_config/...). Renews the token on 401. */
  async request(method: RequestOptions['method'], path: string, opts: CallOptions = {}): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.accessToken();
      const res = await this.send({ method, path, query: opts.query, json: opts.json, headers: { 'X-auth-access-token': token } });
      if (res.status === 401 && attempt < 2) {
        await this.renew(token);
        continue;
      }
      if (res.status >= 400) {
        const d = parseFmcError(res.text());
        throw new FmcApiError(
          `${this.opts.name}: ${method} /${path.split('?')[0]} answered HTTP ${res.status}: ${d.join('; ') || 'no detail in the answer'}`,
          res.status, d, res.status >= 500 || res.status === 429,
        );
      }
      return res;
    }
  }

  async call<T>(method: RequestOptions['method'], path: string, opts: CallOptions = {}): Promise<T | undefined> {
    const res = await this.request(method, path, opts);
    if (res.status === 204 || res.body.length === 0) return undefined;
    return res.json<T>();
  }

  /** Every item of a list: limit=1000 and expanded=true (fireREST API_PAGING_LIMIT, fmcapi), following paging.next. */
  async all<T>(path: string, query: Record<string, string> = {}): Promise<T[]> {
    const out: T[] = [];
    let offset = 0;
    for (let pages = 0; pages < 1000; pages++) {
      const page = await this.call<{ items?: T[]; paging?: { count?: number; next?: string[] } }>('GET', path, {
        query: { expanded: 'true', limit: '1000', ...query, offset: String(offset) },
      });
      // An empty FMC list has no `items` key at all.
      const items = page?.items ?? [];
      out.push(...items);
      if (!page?.paging?.next?.length || !items.length) break;
      offset += items.length;
    }
    return out;
  }

  async close(): Promise<void> {
    this.tokens = undefined;
    await this.http.close();
  }
}
