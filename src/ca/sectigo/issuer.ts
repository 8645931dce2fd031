// The Sectigo SCM issuer: enroll or renew by id, collect until issued, revoke, status, check.
import { CaError, ConfigError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { HttpClient } from '../../http/client.js';
import { orderChain, splitPemCertificates } from '../../pki/index.js';
import type { KeySpec } from '../../pki/types.js';
import type { CaRef, CollectResult, IssueProfile, Issuer, LostRequest, RevocationReason } from '../issuer.js';
import { ScmApi } from './api.js';
import { checkAccount } from './check.js';
import type { CheckProfile } from './check.js';
import {
  ALREADY_REVOKED_CODE,
  NOT_ISSUED_REVOKE_CODE,
  PENDING_CODES,
  PREFIX,
  RENEW_REFUSED_CODES,
  ScmError,
  UNKNOWN_ID_CODES,
} from './errors.js';
import { orderFingerprint, renewBlocker } from './renewal.js';
import { findRenewal } from './renewal-finder.js';
import { buildEnrollBody, buildRevokeBody, mapCertificateStatus, parseSslId, requestMarker } from './requests.js';
import type { CertificateStatus, EnrollBody } from './requests.js';
import { profileOptionsSchema } from './schemas.js';
import type { SectigoOptions, SectigoProfileOptions } from './schemas.js';

/**
 * `pemia` = leaf first, then its issuers, in ONE request. The chain formats (`pem`, `x509`) are
 * root first (Pitfall 5) and `x509CO` + `x509IOR` would cost two calls for the same result. The
 * order is still checked with orderChain, because tenants and SCM versions differ.
 */
const COLLECT_FORMAT = 'pemia';

/** SCM profiles decide what they accept; these are the sizes and curves SCM profiles offer. */
const KEY_TYPES: KeySpec[] = [
  { type: 'rsa', size: 2048 },
  { type: 'rsa', size: 3072 },
  { type: 'rsa', size: 4096 },
  { type: 'ecdsa', curve: 'P-256' },
  { type: 'ecdsa', curve: 'P-384' },
];

export class SectigoScmIssuer implements Issuer {
  readonly capabilities = { keyTypes: KEY_TYPES, revoke: true, renewById: true };
  /** How often and how long the engine should call collect() after a submit (options.collect). */
  readonly collectWindow: { intervalMs: number; maxWaitMs: number };
  /** The engine's per-run wait for a pending order (options.collect.max_wait_s). */
  get collectWaitMs(): number {
    return this.collectWindow.maxWaitMs;
  }
  private readonly api: ScmApi;

  constructor(
    readonly name: string,
    private readonly options: SectigoOptions,
    private readonly http: HttpClient,
    authHeaders: Record<string, string>,
    private readonly log: Logger,
  ) {
    this.api = new ScmApi(http, authHeaders);
    this.collectWindow = { intervalMs: options.collect.interval_s * 1000, maxWaitMs: options.collect.max_wait_s * 1000 };
  }

  async submit(req: Parameters<Issuer['submit']>[0]): Promise<CaRef> {
    const options = this.profileOptions(req.profile);
    const body = buildEnrollBody({
      orgId: this.options.org_id,
      csrPem: req.csrPem,
      cn: req.csr.subject.cn,
      names: req.csr.sans,
      profileName: req.profile.name,
      options,
      requestId: req.requestId,
    });
    const fingerprint = orderFingerprint(body, req.csr.subject.cn, req.csr.sans);

    if (req.previous) {
      const renewed = await this.tryRenewById(req.previous, body, fingerprint);
      if (renewed) return renewed;
    }
    const res = await this.api.enroll(body);
    const sslId = checkedSslId(res?.sslId, 'enroll');
    this.log.info({ ca: this.name, profile: req.profile.name, sslId }, `SCM enrolled sslId ${sslId} (cert type ${body.certType}, term ${body.term} days)`);
    const extra: Record<string, string> = { ...fingerprint };
    if (typeof res.renewId === 'string' && res.renewId) extra.renewId = res.renewId;
    return { ca: this.name, id: String(sslId), extra };
  }

  /**
   * The enrollment an earlier submit made, found by the request tag in its comments, for the case
   * where SCM carried the request out but its answer never arrived (reset, timeout, 5xx from a proxy).
   * Looks at the newest certificates with the profile's common name only.
   */
  async find(requestId: string, profile: IssueProfile, lost?: LostRequest): Promise<CaRef | undefined> {
    const cn = profile.subject.cn ?? profile.sans[0];
    if (!cn || !requestId) return undefined;
    // A renewal may have gone out as an enrollment (renewById refused or not possible): tag first.
    const tagged = await this.findTagged(requestId, profile, cn);
    if (tagged || !lost?.previous) return tagged;
    const previous = lost.previous;
    const m = await findRenewal(this.api, { previous, commonName: cn, csrPem: lost.csrPem, sentAt: lost.sentAt, knownIds: lost.knownIds ?? [] }, async (id) =>
      (await this.api.collect(id, COLLECT_FORMAT)).text(),
    );
    if (!m) return undefined;
    this.log.info(
      { ca: this.name, previous: previous.id, sslId: m.sslId },
      `found SCM renewal ${m.sslId} of sslId ${previous.id} from an earlier request whose answer was lost${m.verified ? '' : ' (not issued yet; its key is checked on collection)'}`,
    );
    const extra: Record<string, string> = {};
    for (const k of ['orgId', 'certType', 'term', 'names'] as const) if (previous.extra?.[k] !== undefined) extra[k] = previous.extra[k]!;
    if (typeof m.details.renewId === 'string' && m.details.renewId) extra.renewId = m.details.renewId;
    return { ca: this.name, id: String(m.sslId), extra };
  }

  private async findTagged(requestId: string, profile: IssueProfile, cn: string): Promise<CaRef | undefined> {
    const marker = requestMarker(requestId);
    const page = await this.api.list({ commonName: cn, size: 200 });
    const ids = page
      .map((c) => parseSslId(String(c.sslId)))
      .filter((id): id is number => id !== undefined)
      .sort((a, b) => b - a)
      .slice(0, 20);
    for (const id of ids) {
      const d = await this.api.details(id);
      if (typeof d.comments === 'string' && d.comments.includes(marker)) {
        const options = this.profileOptions(profile);
        const body = buildEnrollBody({ orgId: this.options.org_id, csrPem: '', cn: profile.subject.cn, names: profile.sans, profileName: profile.name, options });
        const extra: Record<string, string> = { ...orderFingerprint(body, profile.subject.cn, profile.sans) };
        if (typeof d.renewId === 'string' && d.renewId) extra.renewId = d.renewId;
        this.log.info({ ca: this.name, sslId: id }, `found SCM order ${id} from an earlier request whose answer was lost`);
        return { ca: this.name, id: String(id), extra };
      }
    }
    return undefined;
  }

  /** renewById when the previous order can carry the new request; undefined = enroll instead. */
  private async tryRenewById(previous: CaRef, body: EnrollBody, fingerprint: Record<string, string>): Promise<CaRef | undefined> {
    const blocker = renewBlocker(previous, this.name, fingerprint);
    if (blocker) {
      this.log.info({ ca: this.name, previous: previous.id }, `not renewing SCM certificate ${previous.id} by id (${blocker}); enrolling a new one`);
      return undefined;
    }
    const previousId = parseSslId(previous.id)!;
    try {
      const res = await this.api.renewById(previousId, renewBody(body));
      const sslId = checkedSslId(res?.sslId, `renew of ${previousId}`);
      this.log.info({ ca: this.name, previous: previousId, sslId }, `SCM renewed sslId ${previousId} as sslId ${sslId}`);
      return { ca: this.name, id: String(sslId), extra: { ...fingerprint } };
    } catch (e) {
      const why = e instanceof ScmError && e.scmCode !== undefined ? RENEW_REFUSED_CODES.get(e.scmCode) : undefined;
      if (!why) throw e;
      this.log.warn(
        { ca: this.name, previous: previousId, code: (e as ScmError).scmCode },
        `SCM refused renewById for sslId ${previousId}: ${(e as ScmError).scmCode} ${(e as ScmError).description} (${why}); enrolling a new certificate instead`,
      );
      return undefined;
    }
  }

  async collect(ref: CaRef): Promise<CollectResult> {
    const sslId = this.sslIdOf(ref, 'collect');
    const retryAfterMs = this.collectWindow.intervalMs;
    let text: string;
    try {
      text = (await this.api.collect(sslId, COLLECT_FORMAT)).text();
    } catch (e) {
      if (e instanceof ScmError && e.status === 400 && e.scmCode !== undefined && PENDING_CODES.has(e.scmCode)) {
        return { state: 'pending', retryAfterMs, detail: e.description || `not issued yet (${e.scmCode})` };
      }
      // Everything else already reads "collect of N failed: <code> <description>": -110 (revoked)
      // is final, 5xx and -195 are marked retryable.
      throw e;
    }
    // Some tenants answer 200 with an empty file until the CA has signed (seen by Keyfactor and sguidia clients).
    if (!text.trim()) return { state: 'pending', retryAfterMs, detail: 'SCM returned an empty certificate file; not issued yet' };
    const pems = splitPemCertificates(text);
    if (pems.length === 0) {
      throw new CaError(`${PREFIX}: collect of ${sslId} failed: the answer holds no PEM certificate (${text.trim().slice(0, 80)}…)`, undefined, false);
    }
    try {
      const { leaf, chain } = orderChain(pems);
      return { state: 'issued', leafPem: leaf, chainPem: chain };
    } catch (e) {
      throw new CaError(`${PREFIX}: collect of ${sslId} failed: the answer is not one certificate chain: ${errorMessage(e)}`, undefined, false);
    }
  }

  async revoke(ref: CaRef, reason: RevocationReason): Promise<void> {
    const sslId = this.sslIdOf(ref, 'revoke');
    try {
      await this.api.revoke(sslId, buildRevokeBody(reason));
      this.log.info({ ca: this.name, sslId, reason }, `SCM revoked sslId ${sslId} (${reason})`);
    } catch (e) {
      if (e instanceof ScmError && (e.scmCode === ALREADY_REVOKED_CODE || (e.scmCode === NOT_ISSUED_REVOKE_CODE && (await this.isRevoked(sslId))))) {
        this.log.info({ ca: this.name, sslId }, `SCM sslId ${sslId} was already revoked`);
        return;
      }
      throw e;
    }
  }

  /** -102 means "not issued": done if that is because it is revoked already, an error otherwise (never issued, pending). */
  private async isRevoked(sslId: number): Promise<boolean> {
    try {
      return mapCertificateStatus((await this.api.details(sslId))?.status) === 'revoked';
    } catch {
      return false;
    }
  }

  async status(ref: CaRef): Promise<CertificateStatus> {
    const sslId = this.sslIdOf(ref, 'status');
    try {
      const details = await this.api.details(sslId);
      const status = mapCertificateStatus(details?.status);
      if (status === 'unknown') this.log.debug({ ca: this.name, sslId, scmStatus: details?.status }, `SCM status of ${sslId}: ${String(details?.status)}`);
      return status;
    } catch (e) {
      // A certificate SCM no longer knows is not an error for a status query.
      if (e instanceof ScmError && (e.status === 404 || (e.scmCode !== undefined && UNKNOWN_ID_CODES.has(e.scmCode)))) {
        this.log.warn({ ca: this.name, sslId }, `SCM does not know sslId ${sslId}: ${e.description}`);
        return 'unknown';
      }
      throw e;
    }
  }

  /**
   * Read-only checks for `fwcert check`: login, the organization's certificate profiles and, for
   * the given certificate profiles, cert_type, term, key type and mandatory custom fields.
   * Returns what is fine; throws one CaError listing every problem found.
   */
  check(profiles: CheckProfile[] = []): Promise<string[]> {
    return checkAccount(this.api, this.name, this.options, profiles);
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private profileOptions(profile: IssueProfile): SectigoProfileOptions {
    const parsed = profileOptionsSchema.safeParse(profile.caOptions);
    if (!parsed.success) {
      throw new ConfigError(`profile ${profile.name}: sectigo section is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'sectigo'}: ${i.message}`).join('; ')}`);
    }
    return parsed.data;
  }

  private sslIdOf(ref: CaRef, operation: string): number {
    const id = parseSslId(ref.id);
    if (id === undefined) throw new CaError(`${PREFIX}: ${operation} failed: "${ref.id}" is not an SCM sslId (a positive number)`);
    return id;
  }
}

/** renewById takes the CSR and the DCV fields of the enroll request (reference §3.7). */
function renewBody(body: EnrollBody): { csr: string; dcvMode?: string; dcvEmail?: string } {
  const out: { csr: string; dcvMode?: string; dcvEmail?: string } = { csr: body.csr };
  if (body.dcvMode) out.dcvMode = body.dcvMode;
  if (body.dcvEmail) out.dcvEmail = body.dcvEmail;
  return out;
}

function checkedSslId(value: unknown, operation: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  throw new CaError(`${PREFIX}: ${operation} failed: the answer carries no sslId`, undefined, true);
}
