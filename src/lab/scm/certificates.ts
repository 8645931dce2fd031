// The SSL certificate operations of the emulated tenant: enroll, collect, details, renew,
// revoke, replace, approve/decline. Lifecycle (reference §3.5, inferred):
//   Requested (needs approval) -> Applied (at the CA) -> Issued -> Revoked | Expired | Replaced
// `pendingPolls` collect calls answer "not collectable" before an Applied request is signed.
import type { LabCa } from '../ca.js';
import { acceptCsr, checkKeyAllowed, type AcceptedCsr } from './csr.js';
import { badRequest, missing, notFound, scmError, ScmApiError, unparsable } from './errors.js';
import { renderCollect, parseFormat, type CollectFile } from './formats.js';
import { signingInputs, signLeaf, signRecord } from './issuance.js';
import { selectPage } from './listing.js';
import {
  checkName,
  enrollFields,
  messageField,
  renewFields,
  replaceFields,
  revokeFields,
  type Json,
} from './requests.js';
import { effectiveStatus, type ScmStore } from './store.js';
import type { CertRecord, ScmCertType, ScmCustomField, ScmKnobs } from './types.js';
import { certTypeView, detailsView, listItemView } from './views.js';

const offeredTo = (t: ScmCertType, orgId: number) => t.orgIds === undefined || t.orgIds.includes(orgId);

export interface TenantConfig {
  store: ScmStore;
  ca: LabCa;
  /** Live object: POST /__lab/knobs merges into it. */
  knobs: ScmKnobs;
  certTypes: ScmCertType[];
  customFields: ScmCustomField[];
  orgIds: number[];
}

export class ScmCertificates {
  /** One signing at a time per sslId, so concurrent collects cannot issue twice. */
  private readonly signing = new Map<number, Promise<void>>();

  constructor(private readonly t: TenantConfig) {}

  private type(id: number): ScmCertType | undefined {
    return this.t.certTypes.find((c) => c.id === id);
  }

  private record(sslId: number): CertRecord {
    const rec = this.t.store.get(sslId);
    if (!rec) throw notFound(-124, sslId);
    return rec;
  }

  /**
   * Leaves signed while their request still answers "pending": the lab shares the machine with the
   * client it serves, and signing when the last pending poll is over put that CPU exactly where the
   * client has the most to do. What a client sees is unchanged: the same answers at the same polls,
   * and a leaf whose signing inputs changed meanwhile (a replace, a new day) is signed again.
   * One leaf at a time, each after the requests waiting at that moment (setImmediate), so signing
   * ahead does not hold up answers; a leaf whose turn has not come when it is collected is signed then.
   */
  private readonly ahead = new Map<number, { inputs: string; started: boolean; cancelled: boolean; leaf: Promise<string | undefined> }>();
  private aheadQueue: Promise<unknown> = Promise.resolve();

  private signAhead(rec: CertRecord): void {
    const now = new Date();
    const entry = { inputs: signingInputs(rec, this.t.ca, now), started: false, cancelled: false, leaf: Promise.resolve<string | undefined>(undefined) };
    entry.leaf = this.aheadQueue
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        if (entry.cancelled) return undefined;
        entry.started = true;
        return signLeaf(rec, this.t.ca, now);
      })
      .catch(() => undefined); // the collect signs the record itself then
    this.aheadQueue = entry.leaf;
    this.ahead.set(rec.sslId, entry);
  }

  private async signedAhead(rec: CertRecord, now: Date): Promise<string | undefined> {
    const a = this.ahead.get(rec.sslId);
    this.ahead.delete(rec.sslId);
    if (!a) return undefined;
    if (!a.started || a.inputs !== signingInputs(rec, this.t.ca, now)) {
      a.cancelled = true;
      return undefined;
    }
    return a.leaf;
  }

  private async sign(rec: CertRecord): Promise<void> {
    let p = this.signing.get(rec.sslId);
    if (!p) {
      p = (async () => {
        const now = new Date();
        await signRecord(rec, this.t.ca, now, await this.signedAhead(rec, now));
        this.afterIssue(rec);
      })().finally(() => this.signing.delete(rec.sslId));
      this.signing.set(rec.sslId, p);
    }
    await p;
  }

  /** A renewal replaces its predecessor once it is issued. */
  private afterIssue(rec: CertRecord): void {
    if (rec.renewsSslId === undefined) return;
    const old = this.t.store.get(rec.renewsSslId);
    if (old && (effectiveStatus(old) === 'Issued' || effectiveStatus(old) === 'Expired')) {
      old.status = 'Replaced';
      old.replaced = new Date();
    }
  }

  /** Orders requested and not yet collected: the bench reads their peak as `ordersInFlightMax` (lab-only, no SCM counterpart). */
  private readonly outstanding = new Set<number>();

  /** Put a request in front of the CA: awaiting approval, pending, or signed right away. */
  private async submit(rec: CertRecord): Promise<void> {
    this.outstanding.add(rec.sslId);
    const counters = this.t.store.counters;
    counters.ordersInFlightMax = Math.max(counters.ordersInFlightMax ?? 0, this.outstanding.size);
    rec.pendingLeft = Math.max(0, this.t.knobs.pendingPolls);
    rec.status = this.t.knobs.requireApproval ? 'Requested' : 'Applied';
    if (rec.status === 'Applied' && rec.pendingLeft === 0) await this.sign(rec);
    else if (rec.status === 'Applied') this.signAhead(rec);
  }

  private async acceptCsrFor(csrText: unknown, type: ScmCertType): Promise<AcceptedCsr> {
    const csr = await acceptCsr(csrText);
    checkKeyAllowed(csr.key, type);
    return csr;
  }

  private pending(): ScmApiError {
    return badRequest(this.t.knobs.pendingCode);
  }

  /** Without pre-validated domains the request itself must say how DCV is done. */
  private checkDcv(f: { dcvMode?: string; dcvEmail?: string }): void {
    if (this.t.knobs.domainPreValidation) return;
    if (!f.dcvMode) throw missing('dcvMode');
    if (f.dcvMode === 'EMAIL' && !f.dcvEmail) throw missing('dcvEmail');
  }

  /**
   * GET /types[?organizationId=N]: the profiles the organization may order, in the documented
   * fields only ([DOC] "List SSL certificate types": id, name, description, terms, keyTypes,
   * useSecondaryOrgName). An organization the tenant does not have gets an empty list (inferred).
   */
  types(organizationId: string | null) {
    let list = this.t.certTypes;
    if (organizationId !== null) {
      const org = /^\d{1,10}$/.test(organizationId) ? Number(organizationId) : NaN;
      if (Number.isNaN(org)) throw unparsable();
      list = this.t.orgIds.includes(org) ? list.filter((t) => offeredTo(t, org)) : [];
    }
    return list.map(certTypeView);
  }

  customFields() {
    return this.t.customFields;
  }

  async enroll(body: Json | undefined, requester: string): Promise<{ sslId: number; renewId: string }> {
    const f = enrollFields(body);
    if (f.orgId < 1 || !this.t.orgIds.includes(f.orgId)) throw badRequest(-3, `enrollment for organization ${f.orgId}`);
    if (f.certType === undefined || f.certType < 1) throw badRequest(-39);
    const type = this.type(f.certType);
    // A profile the organization is not allowed to order is as unknown to it as a missing one (inferred).
    if (!type || !offeredTo(type, f.orgId)) throw badRequest(-111, f.certType);
    if (f.term === undefined || !type.terms.includes(f.term)) throw badRequest(-36);
    const csr = await this.acceptCsrFor(f.csr, type);
    const commonName = csr.info.subject.cn ?? '';
    if (!commonName && f.subjAltNames.length === 0) throw badRequest(-138);
    if (commonName) checkName(commonName);
    this.checkDcv(f);
    for (const field of this.t.customFields.filter((c) => c.mandatory)) {
      if (!f.customFields.some((c) => c.name === field.name && c.value.trim() !== '')) throw badRequest(-62);
    }
    const rec = this.t.store.add({
      orgId: f.orgId,
      certTypeId: type.id,
      term: f.term,
      csrPem: csr.pem,
      csr: csr.info,
      keyLabel: csr.key.label,
      commonName,
      subjAltNames: f.subjAltNames,
      comments: f.comments,
      externalRequester: f.externalRequester,
      customFields: f.customFields,
      requester,
      status: 'Applied',
      pendingLeft: 0,
      requested: new Date(),
    });
    await this.submit(rec);
    return { sslId: rec.sslId, renewId: rec.renewId };
  }

  async collect(sslId: number, rawFormat: string | null | undefined): Promise<CollectFile> {
    const format = parseFormat(rawFormat);
    const rec = this.record(sslId);
    switch (effectiveStatus(rec)) {
      case 'Revoked':
        throw badRequest(-110);
      case 'Declined':
        throw badRequest(-183);
      case 'Requested':
      case 'Approved':
        throw this.pending();
      case 'Applied':
        if (rec.pendingLeft > 0) {
          rec.pendingLeft--;
          throw this.pending();
        }
        await this.sign(rec);
        break;
      default:
        break;
    }
    this.outstanding.delete(sslId);
    const ca = this.t.ca;
    return renderCollect(format, rec.leafPem!, [ca.intermediate.certPem, ca.root.certPem], rec.commonName);
  }

  details(sslId: number, dateFormat?: string | null) {
    const rec = this.record(sslId);
    return detailsView(rec, this.type(rec.certTypeId), dateFormat);
  }

  list(q: URLSearchParams) {
    const { page, total } = selectPage(this.t.store.all(), q);
    return { items: page.map(listItemView), total };
  }

  private async renew(old: CertRecord, body: Json | undefined): Promise<CertRecord> {
    const type = this.type(old.certTypeId);
    if (!type) throw badRequest(-111, old.certTypeId);
    if (type.allowRenew === false) throw badRequest(-180);
    const status = effectiveStatus(old);
    if (!this.t.knobs.renewableStatuses.includes(status)) throw badRequest(-105, status);
    const fields = renewFields(body);
    this.checkDcv(fields);
    const csrText = fields.csr;
    // No CSR: SCM re-uses the original request's CSR (and so its key).
    const csr = csrText ? await this.acceptCsrFor(csrText, type) : undefined;
    // renewById answers a NEW sslId (reference §3.7, pitfall 8) for the old order's organization,
    // profile, term and names; the new record inherits the old one's comments and requester
    // (inferred: renewById takes only a CSR, so nothing else could set them). It is listed under the
    // same commonName, so a client that lost the answer can find it there (§3.6).
    const now = new Date();
    old.renewed = true;
    old.renewedDate = now;
    const rec = this.t.store.add({
      orgId: old.orgId,
      certTypeId: old.certTypeId,
      term: old.term,
      csrPem: csr?.pem ?? old.csrPem,
      csr: csr?.info ?? old.csr,
      keyLabel: csr?.key.label ?? old.keyLabel,
      commonName: old.commonName,
      subjAltNames: old.subjAltNames,
      comments: old.comments,
      externalRequester: old.externalRequester,
      customFields: old.customFields,
      requester: old.requester,
      status: 'Applied',
      pendingLeft: 0,
      requested: now,
      renewsSslId: old.sslId,
    });
    await this.submit(rec);
    return rec;
  }

  async renewById(sslId: number, body: Json | undefined): Promise<{ sslId: number }> {
    const rec = await this.renew(this.record(sslId), body);
    return { sslId: rec.sslId };
  }

  async renewByRenewId(renewId: string, body: Json | undefined): Promise<void> {
    const old = this.t.store.byRenewId(renewId);
    if (!old) throw notFound(-123);
    await this.renew(old, body);
  }

  private revokeRecord(rec: CertRecord, reasonCode: number): void {
    const status = effectiveStatus(rec);
    // Real tenants answer -102 "Only issued certificates could be revoked." for a certificate that is
    // already revoked too (production clients treat -102 as "already revoked"); -159 is listed in the
    // documentation's error table but not what tenants send for a second revoke.
    // A Replaced certificate is still a valid one at the CA, so it can be revoked too (inferred).
    if (status !== 'Issued' && status !== 'Replaced') throw badRequest(-102);
    rec.status = 'Revoked';
    rec.revoked = new Date();
    rec.reasonCode = reasonCode;
  }

  revoke(sslId: number, body: Json | undefined): void {
    const { reasonCode } = revokeFields(body);
    this.revokeRecord(this.record(sslId), reasonCode);
  }

  revokeBySerial(serial: string, body: Json | undefined): void {
    const { reasonCode } = revokeFields(body);
    const rec = this.t.store.bySerial(serial);
    if (!rec) throw notFound(-5101, serial);
    this.revokeRecord(rec, reasonCode);
  }

  /** Reissue under the same sslId with a new CSR (and optionally new names). */
  async replace(sslId: number, body: Json | undefined): Promise<void> {
    const f = replaceFields(body);
    const rec = this.record(sslId);
    const status = effectiveStatus(rec);
    if (status !== 'Issued') throw badRequest(-130, status);
    const type = this.type(rec.certTypeId);
    if (!type) throw badRequest(-111, rec.certTypeId);
    const csr = await this.acceptCsrFor(f.csr, type);
    rec.csrPem = csr.pem;
    rec.csr = csr.info;
    rec.keyLabel = csr.key.label;
    rec.commonName = f.commonName ?? csr.info.subject.cn ?? rec.commonName;
    if (rec.commonName) checkName(rec.commonName);
    if (f.subjectAlternativeNames) rec.subjAltNames = f.subjectAlternativeNames;
    for (const k of ['leafPem', 'serial', 'notBefore', 'notAfter', 'issued'] as const) delete rec[k];
    rec.requested = new Date();
    await this.submit(rec);
  }

  async approve(sslId: number, body: Json | undefined): Promise<void> {
    messageField(body);
    const rec = this.record(sslId);
    if (rec.status !== 'Requested') throw badRequest(-1112, effectiveStatus(rec));
    rec.approved = new Date();
    rec.status = 'Applied';
    if (rec.pendingLeft === 0) await this.sign(rec);
  }

  decline(sslId: number, body: Json | undefined): void {
    messageField(body);
    const rec = this.record(sslId);
    if (rec.status !== 'Requested') {
      throw new ScmApiError(400, -1112, `Certificate cannot be declined, state = ${effectiveStatus(rec)}`);
    }
    rec.declined = new Date();
    rec.status = 'Declined';
  }

  /** Lab only: the CA revokes a certificate without the client asking (key compromise report, ...). */
  revokeBehindTheBack(sslId: number, reasonCode = 0): void {
    const rec = this.t.store.get(sslId);
    if (!rec) throw scmError(404, -124, sslId);
    rec.status = 'Revoked';
    rec.revoked = new Date();
    rec.reasonCode = reasonCode;
  }
}
