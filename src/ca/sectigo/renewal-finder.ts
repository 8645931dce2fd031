// Finding the renewal a lost renewById answer created. renewById takes only a CSR (reference §3.7),
// so the new order carries no request tag of fwcert's; it is recognised instead by what SCM does
// show: a NEW sslId (renewById answers a new id, pitfall 8; ids are allocated upwards, inferred
// from the [DOC] examples 54/55 -> 74) under the same common name (§3.6 list filter), with the old
// order's organization, profile and term (renewById keeps them), requested on or after the day the
// request was sent (details `requested`, §3.5), and — once issued — a certificate whose public key
// is the one of fwcert's CSR. An issued candidate with another key is someone else's renewal.
import { publicKeyOfCsrMatchesCertificate, splitPemCertificates } from '../../pki/index.js';
import type { CaRef } from '../issuer.js';
import type { CertificateDetails, ScmApi } from './api.js';
import { parseSslId } from './requests.js';

const PAGE = 200;
const MAX_PAGES = 10;
/** Newest candidates looked at in detail. */
const MAX_CANDIDATES = 20;
/** Statuses of a request that will never become a certificate, or that was revoked. */
const DEAD = new Set(['declined', 'rejected', 'invalid', 'revoked']);
const ISSUED = new Set(['issued', 'expired', 'replaced']);

export interface RenewalQuery {
  previous: CaRef;
  commonName: string;
  csrPem: string;
  sentAt: Date;
  /** sslIds that belong to other needs (the ledger's): the same common name is often ordered for
   *  several devices, each with its own key, so their orders are never taken for this renewal. */
  knownIds: string[];
}

export type RenewalMatch = { sslId: number; verified: boolean; details: CertificateDetails };

/** Ids listed under `commonName`, every page (plain offset paging, pitfall 11). */
async function idsByCommonName(api: ScmApi, commonName: string): Promise<number[]> {
  const ids: number[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const items = await api.list({ commonName, size: PAGE, position: page * PAGE });
    for (const c of items) {
      const id = parseSslId(String(c.sslId));
      if (id !== undefined) ids.push(id);
    }
    if (items.length < PAGE) break;
  }
  return ids;
}

/** `requested` as ISO `yyyy-MM-dd...` (asked with dateFormat=ISO) → the UTC day, or undefined. */
function requestedDay(d: CertificateDetails): string | undefined {
  return typeof d.requested === 'string' && /^\d{4}-\d{2}-\d{2}/.test(d.requested) ? d.requested.slice(0, 10) : undefined;
}

function tagIn(comments: unknown): string | undefined {
  return typeof comments === 'string' ? /\[fwcert request [^\]]+\]/.exec(comments)?.[0] : undefined;
}

function sameOrder(d: CertificateDetails, previous: CaRef): boolean {
  const x = previous.extra ?? {};
  const certType = (d.certType as { id?: unknown } | undefined)?.id;
  if (x.orgId !== undefined && d.orgId !== undefined && String(d.orgId) !== x.orgId) return false;
  if (x.certType !== undefined && certType !== undefined && String(certType) !== x.certType) return false;
  if (x.term !== undefined && d.term !== undefined && String(d.term) !== x.term) return false;
  return true;
}

/**
 * The renewal of `q.previous` made by a request whose answer was lost: a verified match (its
 * certificate carries our CSR's key) if there is one, else the newest plausible one still in
 * progress (the engine checks the key when it collects), else undefined.
 */
export async function findRenewal(api: ScmApi, q: RenewalQuery, collectPem: (sslId: number) => Promise<string>): Promise<RenewalMatch | undefined> {
  const prevId = parseSslId(q.previous.id);
  if (prevId === undefined) return undefined;
  // One day of slack for the clocks of fwcert's host and SCM (SCM shows days, not times).
  const earliest = new Date(q.sentAt.getTime() - 86_400_000).toISOString().slice(0, 10);
  const known = new Set(q.knownIds);
  const ids = [...new Set(await idsByCommonName(api, q.commonName))]
    .filter((id) => id > prevId && !known.has(String(id)))
    .sort((a, b) => b - a)
    .slice(0, MAX_CANDIDATES);
  if (!ids.length) return undefined;
  // A renewal keeps the old order's comments (inferred, see the lab's renew); fwcert's comments carry
  // a request tag, so a candidate tagged by ANOTHER request is another order, not this renewal.
  const oldTag = tagIn((await api.details(prevId).catch(() => undefined))?.comments);
  let inProgress: RenewalMatch | undefined;
  for (const sslId of ids) {
    const d = await api.details(sslId, 'ISO');
    const status = typeof d.status === 'string' ? d.status.trim().toLowerCase() : '';
    const day = requestedDay(d);
    if (DEAD.has(status) || (day !== undefined && day < earliest) || !sameOrder(d, q.previous)) continue;
    const tag = tagIn(d.comments);
    if (oldTag && tag && tag !== oldTag) continue;
    if (ISSUED.has(status)) {
      const pems = splitPemCertificates(await collectPem(sslId));
      if (pems.some((pem) => publicKeyOfCsrMatchesCertificate(q.csrPem, pem))) return { sslId, verified: true, details: d };
      continue;
    }
    inProgress ??= { sslId, verified: false, details: d };
  }
  return inProgress;
}
