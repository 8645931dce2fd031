// The SCM SSL REST calls fwcert uses, one method per endpoint (reference §3). Paths are relative
// so a `/private/api/ssl/v1` base keeps its prefix (Pitfall 6). Non-2xx answers become ScmError.
import type { HttpClient, HttpResponse, RequestOptions } from '../../http/client.js';
import { scmError, transportError } from './errors.js';
import type { EnrollBody, RevokeBody } from './requests.js';

export interface CertificateType {
  id: number;
  name: string;
  terms?: number[];
  keyTypes?: Record<string, string[]>;
}

export interface CustomField {
  name: string;
  mandatory?: boolean;
}

export interface CertificateDetails {
  status?: unknown;
  [key: string]: unknown;
}

export class ScmApi {
  constructor(
    private readonly http: HttpClient,
    /** login/password/customerUri headers (no password with client-certificate login). */
    private readonly authHeaders: Record<string, string>,
  ) {}

  private async call(operation: string, req: RequestOptions): Promise<HttpResponse> {
    let res: HttpResponse;
    try {
      res = await this.http.request({ ...req, headers: { ...this.authHeaders, ...req.headers } });
    } catch (e) {
      throw transportError(operation, e);
    }
    if (res.status < 200 || res.status >= 300) throw scmError(operation, res);
    return res;
  }

  private async callJson<T>(operation: string, req: RequestOptions): Promise<T> {
    const res = await this.call(operation, req);
    try {
      return res.json<T>();
    } catch (e) {
      throw transportError(operation, e);
    }
  }

  /** POST /enroll → {sslId, renewId}. Never retried automatically: a lost answer must not enroll twice. */
  enroll(body: EnrollBody): Promise<{ sslId: number; renewId?: string }> {
    return this.callJson('enroll', { method: 'POST', path: 'enroll', json: body, retry: false });
  }

  /** POST /renewById/{sslId} with a new CSR (and dcvMode/dcvEmail when set) → {sslId} of the NEW certificate (Pitfall 8). */
  renewById(sslId: number, body: { csr: string; dcvMode?: string; dcvEmail?: string }): Promise<{ sslId: number }> {
    return this.callJson(`renew of ${sslId}`, { method: 'POST', path: `renewById/${sslId}`, json: body, retry: false });
  }

  /**
   * GET /collect/{sslId}/{format}: the raw file. The path form is the one most clients call and
   * every SCM version answers; the query form (?format=) is the 25.x documentation's spelling.
   */
  collect(sslId: number, format: string): Promise<HttpResponse> {
    return this.call(`collect of ${sslId}`, { method: 'GET', path: `collect/${sslId}/${format}`, headers: { accept: '*/*' } });
  }

  /** POST /revoke/{sslId} → 204 with an empty body (not JSON-parsed, Pitfall 9). */
  async revoke(sslId: number, body: RevokeBody): Promise<void> {
    // Safe to retry: revoking twice answers -102 (or -159), which the issuer treats as success once the details say Revoked.
    await this.call(`revoke of ${sslId}`, { method: 'POST', path: `revoke/${sslId}`, json: body, retry: true });
  }

  /**
   * GET {base}?commonName=&size= → the newest page of certificates with that common name. The
   * documented list URL is the base itself with no trailing slash (`/api/ssl/v1?size=...`, reference
   * §3.6); the base is kept as a directory for the other calls, so the slash is taken off here.
   */
  list(query: { commonName: string; size: number; position?: number }): Promise<{ sslId?: unknown; commonName?: unknown }[]> {
    const url = this.http.url('', query);
    url.pathname = url.pathname.replace(/\/+$/, '');
    return this.callJson(`listing certificates of ${query.commonName}`, { method: 'GET', path: url.toString() });
  }

  /** GET /{sslId}[?dateFormat=] → certificate details (dates MM/dd/yyyy unless dateFormat says otherwise, reference §3.10). */
  details(sslId: number, dateFormat?: 'ISO' | 'ISO_HMS'): Promise<CertificateDetails> {
    return this.callJson(`status of ${sslId}`, { method: 'GET', path: String(sslId), ...(dateFormat ? { query: { dateFormat } } : {}) });
  }

  /** GET /types?organizationId=N → the certificate profiles available to that organization. */
  types(orgId: number): Promise<CertificateType[]> {
    return this.callJson('listing certificate profiles', { method: 'GET', path: 'types', query: { organizationId: orgId } });
  }

  /** GET /customFields → the tenant's custom fields (mandatory ones must be sent on enroll, -62). */
  customFields(): Promise<CustomField[]> {
    return this.callJson('listing custom fields', { method: 'GET', path: 'customFields' });
  }
}
