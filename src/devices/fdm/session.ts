// FDM session: password login, token refresh, re-login, revocation, and authenticated requests.
// FDM specifics (reference §2, pitfalls 1-3): token errors are 400 {message,status_code}; expired
// access tokens give 401 or 408; a refresh returns a NEW pair and obsoletes the old refresh token.
import { HttpClient, HttpError, type HttpResponse, type RequestOptions, type TlsTrust } from '../../http/client.js';
import { DeviceError } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';
import type { Logger } from '../../core/log.js';
import { FdmApiError, isStandbyRefusal, parseErrorBody, standbyError } from './errors.js';
import type { TokenResponse } from './types.js';

export interface FdmSessionOptions {
  device: string;
  url: string;
  /** 'latest' (FTD 6.4+) or 'v1'..'vN'. */
  apiVersion: string;
  username: string;
  password: string;
  tls: TlsTrust;
  timeoutMs: number;
  log: Logger;
}

export interface CallOptions {
  query?: RequestOptions['query'];
  json?: unknown;
  /** Override the HTTP client's retry default (GET/PUT/DELETE retry on 5xx/resets, POST does not). */
  retry?: boolean;
  /** `rel` is relative to the host, not to /api/fdm/<ver>/ (e.g. apispec/ngfw.json). */
  root?: boolean;
  timeoutMs?: number;
}

interface Tokens {
  access: string;
  refresh: string;
  /** Epoch ms after which we refresh before using the access token. */
  refreshAt: number;
  /** Epoch ms after which the refresh token is useless and only a password login helps. */
  refreshExpiresAt: number;
}

/** Refresh this long before expiry (expires_in - 60 s), but never more than a quarter of the lifetime. */
function renewalMargin(lifetimeS: number): number {
  return Math.min(60, lifetimeS / 4) * 1000;
}

function versionNumber(v: string): number {
  const m = /^v(\d+)$/.exec(v);
  return m ? Number(m[1]) : -1;
}

export class FdmSession {
  private readonly http: HttpClient;
  private version: string;
  private tokens?: Tokens;
  private renewal?: Promise<void>;

  constructor(private readonly opts: FdmSessionOptions) {
    registerSecret(opts.password);
    this.version = opts.apiVersion;
    this.http = new HttpClient({ baseUrl: opts.url, tls: opts.tls, name: opts.device, log: opts.log, timeoutMs: opts.timeoutMs });
  }

  get device(): string {
    return this.opts.device;
  }

  /** The API version in use ('latest' or 'vN' found by discovery). */
  get apiVersion(): string {
    return this.version;
  }

  private apiPath(rel: string): string {
    return `api/fdm/${this.version}/${rel.replace(/^\/+/, '')}`;
  }

  // ---------------------------------------------------------------- tokens

  /** Password grant. On 'latest' answering 404 (FTD < 6.4) it finds a version via GET /api/versions. */
  async login(): Promise<void> {
    const body = { grant_type: 'password', username: this.opts.username, password: this.opts.password };
    let res = await this.tokenRequest(body);
    if (res.status === 404) res = await this.loginWithDiscoveredVersion(body);
    if (res.status !== 200) {
      const { codes, descriptions } = parseErrorBody(res.text());
      const message = `FDM login failed for user ${this.opts.username}: ${descriptions.join('; ') || `HTTP ${res.status}`}`;
      // 5xx/429: the web server is (re)starting, worth waiting for; anything else is the credentials.
      if (res.status >= 500 || res.status === 429) throw new FdmApiError(message, res.status, codes, descriptions, true);
      throw new DeviceError(message);
    }
    this.store(res.json<TokenResponse>());
    this.opts.log.debug(`${this.device}: logged in to FDM API ${this.version} as ${this.opts.username}`);
  }

  /**
   * Pitfall 1: boxes older than 6.4 have no 'latest'. Read the unauthenticated GET /api/versions and try the
   * token path of each version, newest first (FTDAnsible; its fallback list is v2, v1). Returns the first
   * answer that is not a 404.
   */
  private async loginWithDiscoveredVersion(body: Record<string, string>): Promise<HttpResponse> {
    const requested = this.version;
    let supported: string[] = [];
    try {
      const res = await this.http.request({ method: 'GET', path: 'api/versions' });
      if (res.status === 200) supported = res.json<{ supportedVersions?: string[] }>().supportedVersions ?? [];
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
    }
    const candidates = (supported.length ? supported : ['v2', 'v1'])
      .filter((v) => v !== requested && versionNumber(v) > 0)
      .sort((a, b) => versionNumber(b) - versionNumber(a));
    if (requested !== 'latest' || !candidates.length) {
      throw new DeviceError(
        `${this.device}: the FDM API has no version '${requested}' (/api/fdm/${requested}/fdm/token answered 404)` +
          (supported.length ? `; the device supports ${supported.join(', ')}: set api_version accordingly` : ''),
      );
    }
    for (const v of candidates) {
      this.version = v;
      const res = await this.tokenRequest(body);
      if (res.status !== 404) {
        this.opts.log.info(`${this.device}: the device has no /api/fdm/latest (FTD < 6.4); using API ${v}`);
        return res;
      }
    }
    this.version = requested;
    throw new DeviceError(`${this.device}: none of the FDM API versions ${candidates.join(', ')} has a token endpoint`);
  }

  private async tokenRequest(body: Record<string, string>, opts: { retry?: boolean; timeoutMs?: number } = {}): Promise<HttpResponse> {
    try {
      // Token calls are safe to repeat (each yields a new pair), so retry resets/503 while the web server starts.
      return await this.http.request({ method: 'POST', path: this.apiPath('fdm/token'), json: body, retry: opts.retry ?? true, timeoutMs: opts.timeoutMs });
    } catch (e) {
      if (e instanceof HttpError) throw new FdmApiError(e.message, undefined, [], [], true);
      throw e;
    }
  }

  private store(t: TokenResponse): void {
    if (!t?.access_token || !t.refresh_token) throw new DeviceError(`${this.device}: the FDM token answer has no access/refresh token`);
    registerSecret(t.access_token);
    registerSecret(t.refresh_token);
    const now = Date.now();
    const life = Number(t.expires_in) > 0 ? Number(t.expires_in) : 1800;
    const refreshLife = Number(t.refresh_expires_in) > 0 ? Number(t.refresh_expires_in) : 2400;
    this.tokens = {
      access: t.access_token,
      refresh: t.refresh_token,
      refreshAt: now + life * 1000 - renewalMargin(life),
      refreshExpiresAt: now + refreshLife * 1000 - renewalMargin(refreshLife),
    };
  }

  /** refresh_token grant; false when FDM refused it (obsolete/expired) so the caller logs in again. */
  private async refresh(): Promise<boolean> {
    const t = this.tokens;
    if (!t || Date.now() >= t.refreshExpiresAt) return false;
    const res = await this.tokenRequest({ grant_type: 'refresh_token', refresh_token: t.refresh });
    if (res.status !== 200) {
      const { descriptions } = parseErrorBody(res.text());
      this.opts.log.debug(`${this.device}: token refresh refused (HTTP ${res.status}: ${descriptions.join('; ')}); logging in again`);
      return false;
    }
    this.store(res.json<TokenResponse>());
    this.opts.log.debug(`${this.device}: FDM token refreshed`);
    return true;
  }

  /**
   * Get a usable token: refresh first, password login when that fails. Single-flight, and a no-op when
   * `stale` is given and another call already replaced that token.
   */
  private renew(stale?: string): Promise<void> {
    if (this.renewal) return this.renewal;
    if (stale !== undefined && this.tokens && this.tokens.access !== stale) return Promise.resolve();
    this.renewal = (async () => {
      if (!(await this.refresh())) await this.login();
    })().finally(() => {
      this.renewal = undefined;
    });
    return this.renewal;
  }

  private async accessToken(): Promise<string> {
    if (this.renewal) await this.renewal;
    if (!this.tokens || Date.now() >= this.tokens.refreshAt) await this.renew(this.tokens?.access);
    if (!this.tokens) throw new DeviceError(`${this.device}: not logged in to the FDM API`);
    return this.tokens.access;
  }

  // -------------------------------------------------------------- requests

  /**
   * An authenticated call relative to /api/fdm/<ver>/. Retries once after renewing the token on 401/408.
   * Throws FdmApiError for HTTP >= 400 and for transport failures (status undefined), or a standby DeviceError.
   */
  async request(method: RequestOptions['method'], rel: string, opts: CallOptions = {}): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.accessToken();
      let res: HttpResponse;
      try {
        res = await this.http.request({
          method,
          path: opts.root ? rel : this.apiPath(rel),
          query: opts.query,
          json: opts.json,
          retry: opts.retry,
          timeoutMs: opts.timeoutMs,
          headers: { authorization: `Bearer ${token}` },
        });
      } catch (e) {
        if (e instanceof HttpError) throw new FdmApiError(e.message, undefined, [], [], true);
        throw e;
      }
      if ((res.status === 401 || res.status === 408) && attempt === 0) {
        this.opts.log.debug(`${this.device}: HTTP ${res.status} on ${method} ${rel}; renewing the token`);
        await this.renew(token);
        continue;
      }
      if (res.status >= 400) throw this.apiError(method, rel, res);
      return res;
    }
  }

  /** request() + JSON body; undefined for 204 / empty bodies (FDM answers an unchanged PUT with 204). */
  async call<T>(method: RequestOptions['method'], rel: string, opts: CallOptions = {}): Promise<T | undefined> {
    const res = await this.request(method, rel, opts);
    if (res.status === 204 || res.body.length === 0) return undefined;
    return res.json<T>();
  }

  private apiError(method: string, rel: string, res: HttpResponse): Error {
    const { codes, descriptions } = parseErrorBody(res.text());
    if (method !== 'GET' && isStandbyRefusal(descriptions)) return standbyError(this.device, descriptions.join('; '));
    const what = descriptions.length ? descriptions.join('; ') : 'no detail in the answer';
    const path = rel.split('?')[0];
    return new FdmApiError(
      `${this.device}: ${method} /${path} answered HTTP ${res.status}: ${what}`,
      res.status,
      codes,
      descriptions,
      res.status >= 500 || res.status === 429,
    );
  }

  // ----------------------------------------------------------------- close

  /**
   * Best effort, no retries: ONE revoke_token grant for the refresh token, then close the pool. Revoking
   * the refresh token ends the session; a second revoke would be authorised by the access token of
   * that ended session and answer 400 (seen on the device), so the access token is not revoked apart.
   */
  async close(): Promise<void> {
    const t = this.tokens;
    this.tokens = undefined;
    if (t) {
      try {
        const res = await this.tokenRequest({ grant_type: 'revoke_token', access_token: t.access, token_to_revoke: t.refresh }, { retry: false, timeoutMs: 10_000 });
        if (res.status !== 200) this.opts.log.debug(`${this.device}: token revocation answered HTTP ${res.status}`);
      } catch (e) {
        this.opts.log.debug(`${this.device}: token revocation failed: ${(e as Error).message}`);
      }
    }
    await this.http.close();
  }
}
