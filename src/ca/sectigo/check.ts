// `fwcert check` for an SCM account: read-only calls that prove login, organization and each
// certificate profile's settings (cert_type, term, key type, mandatory custom fields) are right.
import { CaError } from '../../core/errors.js';
import type { KeySpec } from '../../pki/types.js';
import { keySpecLabel } from '../../pki/types.js';
import type { IssueProfile } from '../issuer.js';
import type { CertificateType, ScmApi } from './api.js';
import { PREFIX, ScmError } from './errors.js';
import { profileOptionsSchema } from './schemas.js';
import type { SectigoOptions, SectigoProfileOptions } from './schemas.js';

export type CheckProfile = Pick<IssueProfile, 'name' | 'caOptions'> & { key?: KeySpec };

/** Returns what is fine; throws one CaError listing every problem found. */
export async function checkAccount(api: ScmApi, caName: string, options: SectigoOptions, profiles: CheckProfile[]): Promise<string[]> {
  const ok: string[] = [];
  const problems: string[] = [];
  const types = await api.types(options.org_id);
  ok.push(`login works (customer ${options.customer_uri})`);
  const list = Array.isArray(types) ? types : [];
  if (list.length === 0) {
    problems.push(`organization ${options.org_id} has no certificate profiles (is the id right and is the web API enabled for it?)`);
  } else {
    ok.push(`organization ${options.org_id} offers ${list.length} certificate profile(s): ${list.map((t) => `${t.id} "${t.name}"`).join(', ')}`);
  }
  let mandatory: string[] | undefined;
  if (profiles.length) {
    try {
      mandatory = (await api.customFields()).filter((f) => f.mandatory).map((f) => f.name);
    } catch (e) {
      if (e instanceof ScmError && e.status === 401) throw e;
      ok.push(`custom fields could not be read (${e instanceof Error ? e.message : String(e)}); mandatory ones not checked`);
    }
  }
  for (const profile of profiles) {
    const parsed = profileOptionsSchema.safeParse(profile.caOptions);
    if (!parsed.success) {
      problems.push(`profile ${profile.name}: sectigo section is invalid: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
      continue;
    }
    const found = checkProfile(profile.name, parsed.data, profile.key, list, mandatory);
    ok.push(...found.ok);
    problems.push(...found.problems);
  }
  if (problems.length) throw new CaError(`${PREFIX}: check of ${caName} found problems: ${problems.join('; ')}`);
  return ok;
}

/** cert_type exists for the org, term is one it offers, the key type is offered, mandatory custom fields are set. */
export function checkProfile(
  name: string,
  options: SectigoProfileOptions,
  key: KeySpec | undefined,
  types: CertificateType[],
  mandatoryFields: string[] | undefined,
): { ok: string[]; problems: string[] } {
  const ok: string[] = [];
  const problems: string[] = [];
  const type = types.find((t) => t.id === options.cert_type);
  if (!type) {
    problems.push(`profile ${name}: cert_type ${options.cert_type} is not offered to this organization`);
    return { ok, problems };
  }
  ok.push(`profile ${name}: cert_type ${type.id} "${type.name}" exists`);
  if (Array.isArray(type.terms) && type.terms.length && !type.terms.includes(options.term)) {
    problems.push(`profile ${name}: term ${options.term} is not offered by cert_type ${type.id} (allowed: ${type.terms.join(', ')} days)`);
  } else {
    ok.push(`profile ${name}: term ${options.term} days allowed`);
  }
  if (key && type.keyTypes) {
    const offered = key.type === 'rsa' ? type.keyTypes.RSA : type.keyTypes.EC ?? type.keyTypes.ECDSA ?? type.keyTypes.ECC;
    const want = key.type === 'rsa' ? String(key.size) : key.curve;
    if (!offered?.map(String).includes(want)) {
      const list = Object.entries(type.keyTypes).map(([k, v]) => `${k} ${v.join('/')}`).join(', ');
      problems.push(`profile ${name}: key ${keySpecLabel(key)} is not offered by cert_type ${type.id} (offered: ${list || 'none'})`);
    } else {
      ok.push(`profile ${name}: key ${keySpecLabel(key)} offered`);
    }
  }
  if (mandatoryFields?.length) {
    const given = new Set((options.custom_fields ?? []).map((f) => f.name));
    const missing = mandatoryFields.filter((f) => !given.has(f));
    if (missing.length) problems.push(`profile ${name}: mandatory custom field(s) missing in custom_fields: ${missing.join(', ')}`);
  }
  return { ok, problems };
}
