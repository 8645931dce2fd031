// Decryption known-key certificates on the emulated FMC: internal certificate objects
// (object/internalcertificates) and the decryption policies whose DECRYPT_KNOWN_KEY rules list them.
//
// Sources:
// - object/internalcertificates: GET/POST/PUT/DELETE from FMC 7.3 (kaisero/fireREST
//   fmc/object/internalcertificate: getAll/get/create/update/deleteInternalCertificate), 7.4 per
//   terraform-provider-fmc gen/definitions/internal_certificate.yaml (minimum_version "7.4"): fields
//   name, type "InternalCertificate", cert (PEM), privateKey and passPhrase (write-only, never answered).
//   Terraform marks cert/privateKey "requires_replace": whether a PUT really swaps the certificate is
//   not documented; this lab applies it, and the knob internalCertPutKeepsCert plays an FMC that keeps
//   the old one (INFERRED either way). The same definition reads cert as "Certificate in PEM, DER, or
//   PKCS#7 format"; in which form GET answers it is not documented: the lab answers what was uploaded
//   (PEM), and the knob internalCertAnswerForm "pkcs7" plays an FMC that answers a PKCS#7 (INFERRED).
// - policy/decryptionpolicies and .../{id}/decryptionpolicyrules from FMC 7.4 (fireREST
//   fmc/policy/decryptionpolicy, API_RELEASE_740). Rule fields type "DecryptionPolicyRule", ruleAction
//   (DO_NOT_DECRYPT | DECRYPT_RESIGN | DECRYPT_KNOWN_KEY, as FMC rule exports list them) and
//   decryptionCerts.objects (references; a field note on POSTing a DECRYPT_RESIGN rule with an
//   InternalCA reference there). That a known-key rule lists InternalCertificate references in the same
//   field is INFERRED. Which FTDs use a policy (through the access control policy they are assigned) is
//   reduced to a list of devices per policy.
// - Deleting an object a rule still references fails (INFERRED, like certenrollments in use).
import { randomUUID } from 'node:crypto';
import { keyMatchesCertificate, parseCertificate, toCertsOnlyPkcs7 } from '../../pki/index.js';
import { derToPem } from '../../pki/pem.js';
import { FmcHttpError } from './http-io.js';
import type { Managed, Ref } from './types.js';

interface InternalCert {
  obj: { id: string; name: string; type: 'InternalCertificate'; cert: string };
  privateKey: string;
}

interface Rule {
  id: string;
  name: string;
  type: 'DecryptionPolicyRule';
  ruleAction: string;
  enabled: boolean;
  decryptionCerts: { objects: Ref[] };
  [field: string]: unknown;
}

interface Policy {
  obj: { id: string; name: string; type: 'DecryptionPolicy'; defaultAction: { policyAction: string } };
  rules: Rule[];
  /** Devices (Managed ref ids) whose access control policy uses this decryption policy. */
  devices: string[];
}

export interface DecryptionHost {
  managed: Map<string, Managed>;
  knobs: { version: string; internalCertPutKeepsCert: boolean; internalCertAnswerForm: 'pem' | 'pkcs7' };
  pend(m: Managed, entity: Ref, user: string): void;
  count(name: string): void;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

export class FmcDecryption {
  readonly certs = new Map<string, InternalCert>();
  readonly policies = new Map<string, Policy>();

  constructor(private readonly host: DecryptionHost) {}

  /** A decryption policy with one known-key rule, used by `devices`. */
  seed(devices: Managed[]): void {
    if (!devices.length) return;
    const id = randomUUID();
    this.policies.set(id, {
      obj: { id, name: 'Lab-Decrypt', type: 'DecryptionPolicy', defaultAction: { policyAction: 'DO_NOT_DECRYPT' } },
      rules: [
        { id: randomUUID(), name: 'Known-Key-Web', type: 'DecryptionPolicyRule', ruleAction: 'DECRYPT_KNOWN_KEY', enabled: true, decryptionCerts: { objects: [] } },
        { id: randomUUID(), name: 'Do-Not-Decrypt-Banking', type: 'DecryptionPolicyRule', ruleAction: 'DO_NOT_DECRYPT', enabled: true, decryptionCerts: { objects: [] } },
      ],
      devices: devices.map((m) => m.ref.id),
    });
  }

  /** fireREST: 7.3; terraform: 7.4. The lab's versions are 7.2, 7.4 and 7.7. */
  private requireVersion(): void {
    if (Number(this.host.knobs.version) < 7.4) throw new FmcHttpError(404, 'Resource not found');
  }

  // ------------------------------------------------------------ internal certificates

  private view(c: InternalCert): Record<string, unknown> {
    const obj = structuredClone(c.obj);
    if (this.host.knobs.internalCertAnswerForm === 'pkcs7') {
      obj.cert = derToPem(toCertsOnlyPkcs7([c.obj.cert]), 'PKCS7');
    }
    return { ...obj, links: { self: `/object/internalcertificates/${c.obj.id}` } };
  }

  listCerts(): Record<string, unknown>[] {
    this.requireVersion();
    return [...this.certs.values()].map((c) => this.view(c));
  }

  getCert(id: string): Record<string, unknown> {
    this.requireVersion();
    return this.view(this.cert(id));
  }

  private cert(id: string): InternalCert {
    const c = this.certs.get(id);
    if (!c) throw new FmcHttpError(404, `No InternalCertificate found with id ${id}`);
    return c;
  }

  private check(body: Record<string, unknown>, selfId?: string): InternalCert {
    const { name, type, cert, privateKey } = body;
    if (typeof name !== 'string' || !NAME.test(name)) throw new FmcHttpError(400, 'Invalid name: use up to 64 letters, digits, spaces, ".", "_" or "-"');
    if (type !== 'InternalCertificate') throw new FmcHttpError(400, 'Invalid type: expected InternalCertificate');
    if (typeof cert !== 'string' || typeof privateKey !== 'string') throw new FmcHttpError(400, 'cert and privateKey are required');
    if (body.passPhrase !== undefined) throw new FmcHttpError(400, 'The lab takes unencrypted private keys only (no passPhrase)');
    try {
      parseCertificate(cert);
    } catch {
      throw new FmcHttpError(400, 'Invalid certificate: expected PEM');
    }
    let matches = false;
    try {
      matches = keyMatchesCertificate(privateKey, cert);
    } catch {
      throw new FmcHttpError(400, 'Invalid private key: expected PEM');
    }
    if (!matches) throw new FmcHttpError(400, 'The private key does not match the certificate');
    for (const c of this.certs.values()) {
      if (c.obj.name === name && c.obj.id !== selfId) throw new FmcHttpError(400, `The object name ${name} already exists. Enter a new name.`);
    }
    return { obj: { id: selfId ?? randomUUID(), name, type: 'InternalCertificate', cert }, privateKey };
  }

  createCert(body: Record<string, unknown>): Record<string, unknown> {
    this.requireVersion();
    const c = this.check(body);
    this.certs.set(c.obj.id, c);
    this.host.count('internalcertificates_created');
    return this.view(c);
  }

  updateCert(id: string, body: Record<string, unknown>, user: string): Record<string, unknown> {
    this.requireVersion();
    const old = this.cert(id);
    if (body.id !== undefined && body.id !== id) throw new FmcHttpError(400, 'The id in the body does not match the URL');
    const c = this.check(body, id);
    this.host.count('internalcertificates_updated');
    if (this.host.knobs.internalCertPutKeepsCert) {
      // An FMC that takes the PUT but keeps the certificate (see the header: inferred).
      old.obj.name = c.obj.name;
      return this.view(old);
    }
    this.certs.set(id, c);
    for (const p of this.policies.values()) {
      if (p.rules.some((r) => r.decryptionCerts.objects.some((o) => o.id === id))) {
        for (const mid of p.devices) this.host.pend(this.host.managed.get(mid)!, { id, name: c.obj.name, type: 'InternalCertificate' }, user);
      }
    }
    return this.view(c);
  }

  deleteCert(id: string): Record<string, unknown> {
    this.requireVersion();
    const c = this.cert(id);
    for (const p of this.policies.values()) {
      const r = p.rules.find((x) => x.decryptionCerts.objects.some((o) => o.id === id));
      if (r) throw new FmcHttpError(400, `The object ${c.obj.name} is used by ${p.obj.name} rule ${r.name} and cannot be deleted`);
    }
    this.certs.delete(id);
    return this.view(c);
  }

  // ------------------------------------------------------------ decryption policies and rules

  private policy(id: string): Policy {
    this.requireVersion();
    const p = this.policies.get(id);
    if (!p) throw new FmcHttpError(404, `No DecryptionPolicy found with id ${id}`);
    return p;
  }

  private policyView(p: Policy): Record<string, unknown> {
    return { ...structuredClone(p.obj), links: { self: `/policy/decryptionpolicies/${p.obj.id}`, rules: `/policy/decryptionpolicies/${p.obj.id}/decryptionpolicyrules` } };
  }

  listPolicies(): Record<string, unknown>[] {
    this.requireVersion();
    return [...this.policies.values()].map((p) => this.policyView(p));
  }

  getPolicy(id: string): Record<string, unknown> {
    return this.policyView(this.policy(id));
  }

  /** Unexpanded list items carry id, name and type only (as other FMC lists). */
  listRules(policyId: string, expanded: boolean): Record<string, unknown>[] {
    return this.policy(policyId).rules.map((r) => (expanded ? structuredClone(r) : { id: r.id, name: r.name, type: r.type }));
  }

  private rule(policyId: string, ruleId: string): { p: Policy; r: Rule } {
    const p = this.policy(policyId);
    const r = p.rules.find((x) => x.id === ruleId);
    if (!r) throw new FmcHttpError(404, `No DecryptionPolicyRule found with id ${ruleId}`);
    return { p, r };
  }

  getRule(policyId: string, ruleId: string): Record<string, unknown> {
    return structuredClone(this.rule(policyId, ruleId).r);
  }

  updateRule(policyId: string, ruleId: string, body: Record<string, unknown>, user: string): Record<string, unknown> {
    const { p, r } = this.rule(policyId, ruleId);
    if (body.id !== ruleId || body.type !== 'DecryptionPolicyRule' || typeof body.name !== 'string' || typeof body.ruleAction !== 'string') {
      throw new FmcHttpError(400, 'The body must be the DecryptionPolicyRule with its id, type, name and ruleAction');
    }
    const objects = ((body.decryptionCerts as { objects?: Ref[] } | undefined)?.objects ?? []);
    for (const o of objects) {
      if (body.ruleAction === 'DECRYPT_KNOWN_KEY' && !this.certs.has(o.id)) throw new FmcHttpError(400, `Invalid InternalCertificate reference ${o.id}`);
    }
    const before = JSON.stringify(r);
    const next = { ...structuredClone(body), decryptionCerts: { objects: objects.map((o) => ({ id: o.id, name: this.certs.get(o.id)?.obj.name ?? o.name, type: o.type })) } } as Rule;
    p.rules[p.rules.indexOf(r)] = next;
    if (JSON.stringify(next) !== before) for (const mid of p.devices) this.host.pend(this.host.managed.get(mid)!, { id: p.obj.id, name: p.obj.name, type: 'DecryptionPolicy' }, user);
    return structuredClone(next);
  }

  /** What a device decrypts with once deployed: serials of the certificates its known-key rules list. */
  knownKeySerials(m: Managed): string[] {
    const out: string[] = [];
    for (const p of this.policies.values()) {
      if (!p.devices.includes(m.ref.id)) continue;
      for (const r of p.rules) {
        if (r.ruleAction !== 'DECRYPT_KNOWN_KEY') continue;
        for (const o of r.decryptionCerts.objects) {
          const c = this.certs.get(o.id);
          if (c) out.push(parseCertificate(c.obj.cert).serial);
        }
      }
    }
    return out;
  }
}
