// Decryption known-key certificates (issue 10 item 4): the server certificate and key a "Decrypt - Known
// Key" rule decrypts with live in an internal certificate object (object/internalcertificates, FMC 7.3
// per fireREST, 7.4 per terraform-provider-fmc; type "InternalCertificate", cert, privateKey and
// passPhrase write-only), which the rule lists in decryptionCerts.objects (policy/decryptionpolicies/
// {id}/decryptionpolicyrules, FMC 7.4, fireREST decryptionpolicy; the field name is cited for
// DECRYPT_RESIGN rules, its use for known-key rules is inferred).
//
// Such an object belongs to the FMC domain, not to one FTD: fwcert keeps ONE object per profile and
// FMC, named after the profile, and updates it in place (PUT updateInternalCertificate, fireREST) so
// that the rules referencing it stay valid; load refuses a profile that binds known_key on two FTDs
// of the same FMC. Terraform marks cert/privateKey "requires_replace", so an FMC might keep the old
// certificate on PUT: fwcert reads the answer and stops with what to do when it did.
import { DeviceError } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';
import type { Binding } from '../target.js';
import type { FmcApi } from './api.js';
import { certFingerprint } from './trust-anchors.js';
import type { FmcRef } from './types.js';

/** Both APIs exist from FMC 7.4 (decryption policies: fireREST API_RELEASE_740). */
export const KNOWN_KEY_VERSION = 7.4;
export const KNOWN_KEY = 'known_key';

export interface InternalCertificate extends FmcRef {
  name: string;
  type: 'InternalCertificate';
  cert?: string;
}

export interface DecryptionRule extends FmcRef {
  name: string;
  ruleAction?: string;
  decryptionCerts?: { objects?: FmcRef[] };
  [field: string]: unknown;
}

interface DecryptionPolicy extends FmcRef {
  name: string;
}

/** A known-key binding names "<decryption policy>/<rule>" (the schema keeps "/" out of policy names). */
export function knownKeyTarget(b: Binding): { policy: string; rule: string } {
  const name = b.name ?? '';
  const i = name.indexOf('/');
  return { policy: name.slice(0, i), rule: name.slice(i + 1) };
}

/**
 * Both certificates readable and the same. An object or trustpoint whose certificate cannot be read
 * (unparsable, or a form fwcert does not read, such as PKCS#7) never counts as holding ours.
 */
export function sameCertificate(a: unknown, b: unknown): boolean {
  const fa = certFingerprint(a);
  return fa !== undefined && fa === certFingerprint(b);
}

/** The profile part of an engine object name: "<profile>" or "<profile>-yyyymmdd-hhmm[-n]" (engine/naming.ts). */
export function knownKeyObjectName(objectName: string): string {
  return objectName.replace(/-\d{8}-\d{4}(-\d{1,3})?$/, '');
}

/** Internal certificates and decryption policies of one FMC, read once per run (120 requests a minute). */
export class KnownKeyIndex {
  private certs?: Promise<Map<string, InternalCertificate>>;
  private policies?: Promise<DecryptionPolicy[]>;
  private readonly rules = new Map<string, Promise<DecryptionRule[]>>();
  /** Objects `run --remove-retired` takes out of their rules in this run: they bind nothing any more. */
  private readonly retiring = new Set<string>();

  constructor(private readonly api: () => FmcApi) {}

  private once<T>(p: Promise<T>, reset: () => void): Promise<T> {
    p.catch(reset);
    return p;
  }

  internalCerts(): Promise<Map<string, InternalCertificate>> {
    this.certs ??= this.once(this.api().all<InternalCertificate>('object/internalcertificates').then((l) => new Map(l.map((c) => [c.name, c]))), () => (this.certs = undefined));
    return this.certs;
  }

  async setCert(c: InternalCertificate): Promise<void> {
    (await this.internalCerts()).set(c.name, c);
  }

  async deleteCert(name: string): Promise<void> {
    (await this.internalCerts()).delete(name);
  }

  /** The object is being retired: bindingsOf no longer reports the rules listing it. */
  retire(name: string): void {
    this.retiring.add(name);
  }

  decryptionPolicies(): Promise<DecryptionPolicy[]> {
    this.policies ??= this.once(this.api().all<DecryptionPolicy>('policy/decryptionpolicies'), () => (this.policies = undefined));
    return this.policies;
  }

  rulesOf(policyId: string): Promise<DecryptionRule[]> {
    let p = this.rules.get(policyId);
    if (!p) {
      p = this.once(this.api().all<DecryptionRule>(`policy/decryptionpolicies/${encodeURIComponent(policyId)}/decryptionpolicyrules`), () => this.rules.delete(policyId));
      this.rules.set(policyId, p);
    }
    return p;
  }

  /** The policy and rule a binding names, or what is wrong with the name (for `check`). */
  async find(policyName: string, ruleName: string): Promise<{ policy: DecryptionPolicy; rule: DecryptionRule } | string> {
    const policies = await this.decryptionPolicies();
    const policy = policies.find((p) => p.name === policyName);
    if (!policy) return `no decryption policy named "${policyName}" (decryption policies: ${policies.map((p) => p.name).join(', ') || 'none'})`;
    const rules = await this.rulesOf(policy.id);
    const rule = rules.find((r) => r.name === ruleName);
    if (!rule) return `the decryption policy ${policyName} has no rule named "${ruleName}" (rules: ${rules.map((r) => r.name).join(', ') || 'none'})`;
    if (rule.ruleAction !== 'DECRYPT_KNOWN_KEY') return `the rule ${ruleName} of ${policyName} is ${rule.ruleAction ?? 'of no action'}, not "Decrypt - Known Key" (DECRYPT_KNOWN_KEY)`;
    return { policy, rule };
  }

  /** The bindings the FMC holds for the certificate `pem` in the object `objectName`: the known-key rules listing it. */
  async bindingsOf(objectName: string, pem: string | undefined): Promise<Binding[]> {
    const obj = (await this.internalCerts()).get(objectName);
    if (!obj || this.retiring.has(objectName) || !sameCertificate(obj.cert, pem)) return [];
    const out: Binding[] = [];
    for (const p of await this.decryptionPolicies()) {
      for (const r of await this.rulesOf(p.id)) {
        if (r.ruleAction === 'DECRYPT_KNOWN_KEY' && (r.decryptionCerts?.objects ?? []).some((o) => o.id === obj.id)) out.push({ kind: KNOWN_KEY, name: `${p.name}/${r.name}` });
      }
    }
    return out;
  }
}

/**
 * Makes the object `name` hold `cert` and its key: created (then `created` is told, for the ledger), or
 * updated in place (PUT with its id); nothing is written when it already holds that certificate.
 * Returns the object, whether it changed, and whether the certificate it held could not be read.
 */
export async function upsertInternalCert(
  api: FmcApi, index: KnownKeyIndex, name: string, cert: { leafPem: string; keyPem: string }, device: string, created?: (name: string) => void,
): Promise<{ obj: InternalCertificate; changed: boolean; unreadable?: boolean }> {
  registerSecret(cert.keyPem);
  const existing = (await index.internalCerts()).get(name);
  const want = certFingerprint(cert.leafPem);
  if (existing && sameCertificate(existing.cert, cert.leafPem)) return { obj: existing, changed: false };
  const unreadable = !!existing && certFingerprint(existing.cert) === undefined;
  const body = { name, type: 'InternalCertificate' as const, cert: cert.leafPem, privateKey: cert.keyPem };
  let saved: InternalCertificate | undefined;
  if (existing) {
    saved = await api.call<InternalCertificate>('PUT', `object/internalcertificates/${encodeURIComponent(existing.id)}`, { json: { ...body, id: existing.id } });
    // Terraform replaces rather than updates these objects: an FMC that kept the old certificate is caught here.
    // An answer whose certificate cannot be read proves nothing either way.
    const got = certFingerprint(saved?.cert);
    if (got !== undefined && got !== want) {
      throw new DeviceError(
        `${device}: ${api.fmc} kept the old certificate in the internal certificate object ${name} after fwcert updated it; ` +
          `replace it in Objects > Object Management > PKI > Internal Certs (the decryption rules keep their reference), then run fwcert again`,
      );
    }
    saved = { ...existing, ...(saved ?? {}), id: existing.id, cert: cert.leafPem };
  } else {
    saved = await api.call<InternalCertificate>('POST', 'object/internalcertificates', { json: body });
    if (!saved?.id) throw new DeviceError(`${device}: creating the internal certificate object ${name} returned no id`);
    saved = { ...saved, cert: cert.leafPem };
    created?.(name);
  }
  await index.setCert(saved);
  return { obj: saved, changed: true, ...(unreadable ? { unreadable } : {}) };
}

/** Adds the object to the rule's decryptionCerts (other certificates stay); true when the rule was written. */
export async function referenceFromRule(api: FmcApi, policy: FmcRef, rule: DecryptionRule, obj: InternalCertificate): Promise<boolean> {
  const objects = rule.decryptionCerts?.objects ?? [];
  if (objects.some((o) => o.id === obj.id)) return false;
  const { links: _links, metadata: _metadata, ...body } = rule as DecryptionRule & { links?: unknown; metadata?: unknown };
  body.decryptionCerts = { ...(rule.decryptionCerts ?? {}), objects: [...objects, { id: obj.id, name: obj.name, type: 'InternalCertificate' }] };
  await api.call('PUT', `policy/decryptionpolicies/${encodeURIComponent(policy.id)}/decryptionpolicyrules/${encodeURIComponent(rule.id)}`, { json: body });
  rule.decryptionCerts = body.decryptionCerts;
  return true;
}

/**
 * Takes the object out of every known-key rule that lists it (PUT of the whole rule, as referenceFromRule);
 * returns the rules written as "<policy>/<rule>".
 */
export async function dereferenceFromRules(api: FmcApi, index: KnownKeyIndex, obj: InternalCertificate): Promise<string[]> {
  const out: string[] = [];
  for (const p of await index.decryptionPolicies()) {
    for (const rule of await index.rulesOf(p.id)) {
      const objects = rule.decryptionCerts?.objects ?? [];
      if (rule.ruleAction !== 'DECRYPT_KNOWN_KEY' || !objects.some((o) => o.id === obj.id)) continue;
      const { links: _links, metadata: _metadata, ...body } = rule as DecryptionRule & { links?: unknown; metadata?: unknown };
      body.decryptionCerts = { ...(rule.decryptionCerts ?? {}), objects: objects.filter((o) => o.id !== obj.id) };
      await api.call('PUT', `policy/decryptionpolicies/${encodeURIComponent(p.id)}/decryptionpolicyrules/${encodeURIComponent(rule.id)}`, { json: body });
      rule.decryptionCerts = body.decryptionCerts;
      out.push(`${p.name}/${rule.name}`);
    }
  }
  return out;
}

/** Deletes the object (fireREST deleteInternalCertificate: DELETE object/internalcertificates/{id}); the FMC refuses one a rule still lists (INFERRED). */
export async function deleteInternalCert(api: FmcApi, index: KnownKeyIndex, obj: InternalCertificate): Promise<void> {
  await api.call('DELETE', `object/internalcertificates/${encodeURIComponent(obj.id)}`);
  await index.deleteCert(obj.name);
}
