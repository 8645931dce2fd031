// Where the configuration uses a certificate (reference section 6) and how fwcert repoints it:
// SSL/TLS service profiles (GlobalProtect portal/gateway, management UI use these), SSL inbound
// inspection decryption rules, the forward-trust CA, and the decryption trusted-root-CA list.
// Only the bindings a profile names are touched. The forward-trust slot (rsa or ecdsa) is chosen by
// the certificate's key type (the reference shows both slots, not which one a client should pick);
// forward-untrust is left alone.
import { DeviceError } from '../../core/errors.js';
import { parseCertificate } from '../../pki/index.js';
import type { Binding } from '../target.js';
import type { PanosSession } from './api.js';
import type { CertEntry } from './certificates.js';
import { entriesIn } from './certificates.js';
import type { PanosLocation } from './locations.js';
import { validateObjectName } from './names.js';
import { asArray, child, el, entryName, isNode, members, textEl, textOf } from './xml.js';

export interface DecryptionRuleState {
  name: string;
  /** SSL inbound inspection rule (the only kind that names a server certificate). */
  inbound: boolean;
  /** Old schema: `<ssl-inbound-inspection>NAME</...>`; new: `<ssl-inbound-inspection><certificates><member>`. */
  legacy: boolean;
  certificates: string[];
}

export interface BindingState {
  profiles: { name: string; certificate?: string }[];
  rules: DecryptionRuleState[];
  forwardTrust: { rsa?: string; ecdsa?: string };
  trustedRoots: string[];
}

export function parseProfiles(result: unknown): BindingState['profiles'] {
  return entriesIn(result, 'ssl-tls-service-profile').flatMap((e) => {
    const name = entryName(e);
    return name ? [{ name, certificate: textOf(child(e, 'certificate')) || undefined }] : [];
  });
}

export function parseDecryptionRule(e: unknown): DecryptionRuleState | undefined {
  const name = entryName(e);
  if (!name) return undefined;
  const type = child(e, 'type');
  if (!isNode(type) || !('ssl-inbound-inspection' in type)) return { name, inbound: false, legacy: false, certificates: [] };
  const inbound = type['ssl-inbound-inspection'];
  if (isNode(inbound)) {
    const certs = asArray(child(inbound, 'certificates', 'member')).map((m) => textOf(m)).filter((x): x is string => Boolean(x));
    return { name, inbound: true, legacy: false, certificates: certs };
  }
  const single = textOf(inbound);
  return { name, inbound: true, legacy: true, certificates: single ? [single] : [] };
}

export function parseSslDecrypt(result: unknown): Pick<BindingState, 'forwardTrust' | 'trustedRoots'> {
  const node = isNode(result) && isNode(result['ssl-decrypt']) ? result['ssl-decrypt'] : result;
  const ft = child(node, 'forward-trust-certificate');
  return {
    forwardTrust: { rsa: textOf(child(ft, 'rsa')) || undefined, ecdsa: textOf(child(ft, 'ecdsa')) || undefined },
    trustedRoots: asArray(child(node, 'trusted-root-CA', 'member')).map((m) => textOf(m)).filter((x): x is string => Boolean(x)),
  };
}

export async function readBindingState(s: PanosSession, loc: PanosLocation): Promise<BindingState> {
  const profiles = parseProfiles(await s.configGet(loc.sslTlsProfiles, 'read SSL/TLS service profiles'));
  let rules: DecryptionRuleState[] = [];
  if (loc.decryptionRules) {
    rules = entriesIn(await s.configGet(loc.decryptionRules, `read decryption rules (${loc.rulebaseVsys})`), 'rules')
      .map(parseDecryptionRule)
      .filter((r): r is DecryptionRuleState => r !== undefined);
  }
  let decrypt: Pick<BindingState, 'forwardTrust' | 'trustedRoots'> = { forwardTrust: {}, trustedRoots: [] };
  if (loc.sslDecrypt) decrypt = parseSslDecrypt(await s.configGet(loc.sslDecrypt, 'read SSL decryption settings'));
  return { profiles, rules, ...decrypt };
}

/** Every place in `state` that uses certificate `name`. */
export function bindingsOf(state: BindingState, name: string): Binding[] {
  const out: Binding[] = [];
  for (const p of state.profiles) if (p.certificate === name) out.push({ kind: 'ssl_tls_service_profile', name: p.name });
  for (const r of state.rules) if (r.inbound && r.certificates.includes(name)) out.push({ kind: 'decryption_rule', name: r.name });
  if (state.forwardTrust.rsa === name || state.forwardTrust.ecdsa === name) out.push({ kind: 'forward_trust' });
  if (state.trustedRoots.includes(name)) out.push({ kind: 'trusted_root_ca' });
  return out;
}

/** What the device lacks for `bindings`, as messages (nothing is written). SSL/TLS service profiles are
 *  created when absent, so only decryption rules must already exist (and be SSL inbound inspection rules). */
export function missingForBindings(state: BindingState, bindings: Binding[], loc: PanosLocation): string[] {
  const out: string[] = [];
  for (const b of bindings) {
    if (b.kind !== 'decryption_rule') continue;
    const rule = state.rules.find((r) => r.name === b.name);
    if (!rule) out.push(`decryption rule ${JSON.stringify(b.name)} does not exist in ${loc.rulebaseVsys}`);
    else if (!rule.inbound) out.push(`decryption rule ${JSON.stringify(b.name)} is not an SSL inbound inspection rule; only those name a server certificate`);
  }
  return out;
}

export interface BindContext {
  session: PanosSession;
  loc: PanosLocation;
  maxNameLength: number;
  /** Every certificate object at the location (for common names and key types). */
  certificates: readonly CertEntry[];
  log: (msg: string) => void;
}

/** Checks binding names before anything is written. */
export function validateBinding(b: Binding, loc: PanosLocation, maxNameLength: number): void {
  switch (b.kind) {
    case 'ssl_tls_service_profile':
      validateObjectName('SSL/TLS service profile', b.name ?? '', maxNameLength);
      return;
    case 'decryption_rule':
      if (!loc.decryptionRules) throw new DeviceError('decryption rules live in Panorama device groups, which fwcert does not manage; bind them on the firewall');
      validateObjectName('decryption rule', b.name ?? '', maxNameLength);
      return;
    case 'forward_trust':
    case 'trusted_root_ca':
      if (!loc.sslDecrypt) throw new DeviceError(`${b.kind} is a firewall decryption setting; Panorama's own configuration has none`);
      return;
    default:
      throw new DeviceError(`unknown PAN-OS binding kind ${JSON.stringify(b.kind)}`);
  }
}

/** Points one binding at certificate `cert`; returns the certificate name it used before (if any). */
export async function applyBinding(ctx: BindContext, cert: CertEntry, b: Binding): Promise<string | undefined> {
  switch (b.kind) {
    case 'ssl_tls_service_profile':
      return bindProfile(ctx, cert, b.name!);
    case 'decryption_rule':
      return bindDecryptionRule(ctx, cert, b.name!);
    case 'forward_trust':
      return bindForwardTrust(ctx, cert);
    case 'trusted_root_ca':
      return addTrustedRoot(ctx, cert);
    default:
      throw new DeviceError(`unknown PAN-OS binding kind ${JSON.stringify(b.kind)}`);
  }
}

/** Sane settings for a profile fwcert has to create: TLS 1.2 and newer only. */
export function newProfileElement(certName: string): string {
  return textEl('certificate', certName) + el('protocol-settings', textEl('min-version', 'tls1-2'), textEl('max-version', 'max'));
}

async function bindProfile(ctx: BindContext, cert: CertEntry, profile: string): Promise<string | undefined> {
  const { session: s, loc } = ctx;
  const xpath = loc.sslTlsProfile(profile);
  const existing = parseProfiles(await s.configGet(xpath, `read SSL/TLS service profile ${profile}`)).find((p) => p.name === profile);
  if (!existing) {
    await s.configSet(xpath, newProfileElement(cert.name), `create SSL/TLS service profile ${profile}`);
    ctx.log(`created SSL/TLS service profile ${profile} (TLS 1.2+) with certificate ${cert.name}`);
    return undefined;
  }
  if (existing.certificate === cert.name) return existing.certificate;
  // `set` on the entry merges: only <certificate> changes, protocol settings stay as the admin made them.
  await s.configSet(xpath, textEl('certificate', cert.name), `point SSL/TLS service profile ${profile} at ${cert.name}`);
  return existing.certificate;
}

async function bindDecryptionRule(ctx: BindContext, cert: CertEntry, ruleName: string): Promise<string | undefined> {
  const { session: s, loc } = ctx;
  const xpath = loc.decryptionRule!(ruleName);
  const rule = entriesIn(await s.configGet(xpath, `read decryption rule ${ruleName}`), 'rules')
    .map(parseDecryptionRule)
    .find((r) => r?.name === ruleName);
  if (!rule) throw new DeviceError(`decryption rule ${JSON.stringify(ruleName)} does not exist in ${loc.rulebaseVsys}`);
  if (!rule.inbound) throw new DeviceError(`decryption rule ${JSON.stringify(ruleName)} is not an SSL inbound inspection rule; only those name a server certificate`);
  if (rule.legacy) {
    const previous = rule.certificates[0];
    if (previous !== cert.name) {
      await s.configEdit(`${xpath}/type/ssl-inbound-inspection`, textEl('ssl-inbound-inspection', cert.name), `point decryption rule ${ruleName} at ${cert.name}`);
    }
    return previous;
  }
  const plan = planRuleMembers(rule.certificates, cert, ctx.certificates);
  if (plan.changed) {
    await s.configEdit(
      `${xpath}/type/ssl-inbound-inspection/certificates`,
      el('certificates', members(plan.members)),
      `point decryption rule ${ruleName} at ${cert.name}`,
    );
  }
  return plan.previous;
}

/**
 * A rule may carry the certificates of several servers. The new certificate replaces the members that
 * are earlier versions of it (same subject common name); members for other servers stay.
 */
export function planRuleMembers(
  current: readonly string[],
  cert: Pick<CertEntry, 'name' | 'commonName' | 'certPem'>,
  certificates: readonly CertEntry[],
): { members: string[]; previous?: string; changed: boolean } {
  const cnOf = (name: string): string | undefined => {
    const e = certificates.find((c) => c.name === name);
    if (!e) return undefined;
    if (e.commonName) return e.commonName;
    try {
      return e.certPem ? parseCertificate(e.certPem).subject.cn : undefined;
    } catch {
      return undefined;
    }
  };
  const newCn = cert.commonName ?? (cert.certPem ? parseCertificate(cert.certPem).subject.cn : undefined);
  const replaced = current.filter((m) => m !== cert.name && newCn !== undefined && cnOf(m) === newCn);
  const kept = current.filter((m) => !replaced.includes(m));
  const next = kept.includes(cert.name) ? kept : [...kept, cert.name];
  const changed = next.length !== current.length || next.some((m, i) => m !== current[i]);
  return { members: next, previous: replaced[0] ?? (current.includes(cert.name) ? cert.name : undefined), changed };
}

function keyKind(cert: CertEntry): 'rsa' | 'ecdsa' {
  if (cert.certPem) {
    const spec = parseCertificate(cert.certPem).keySpec;
    if (spec) return spec.type;
  }
  return /^(EC|ECDSA)/i.test(cert.algorithm ?? '') ? 'ecdsa' : 'rsa';
}

async function bindForwardTrust(ctx: BindContext, cert: CertEntry): Promise<string | undefined> {
  const { session: s, loc } = ctx;
  if (!cert.isCa || !cert.hasKey) {
    throw new DeviceError(`forward trust needs a CA certificate with its private key on the device; ${cert.name} is ${cert.isCa ? 'a CA without a key' : 'not a CA'}`);
  }
  const kind = keyKind(cert);
  const current = parseSslDecrypt(await s.configGet(loc.sslDecrypt!, 'read SSL decryption settings')).forwardTrust[kind];
  if (current !== cert.name) {
    await s.configSet(`${loc.sslDecrypt}/forward-trust-certificate`, textEl(kind, cert.name), `set forward-trust certificate (${kind}) to ${cert.name}`);
  }
  return current;
}

async function addTrustedRoot(ctx: BindContext, cert: CertEntry): Promise<string | undefined> {
  const { session: s, loc } = ctx;
  const roots = parseSslDecrypt(await s.configGet(loc.sslDecrypt!, 'read SSL decryption settings')).trustedRoots;
  if (!roots.includes(cert.name)) {
    // `set` on a member list adds; the other trusted roots stay.
    await s.configSet(`${loc.sslDecrypt}/trusted-root-CA`, textEl('member', cert.name), `add ${cert.name} to trusted-root-CA`);
  }
  // Additive: there is no previous certificate to go back to.
  return undefined;
}
