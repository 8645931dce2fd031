// Subject DN and subjectAltName rules: validation of what a profile asks for, conversion to and
// from @peculiar/x509 names. Kept strict so a typo fails here, not as a CA or device rejection.
import { isIP } from 'node:net';
import { subjectAltNames } from './der.js';
import { Memo } from './memo.js';
import type { SubjectSpec } from './types.js';
import { x509 } from './x509-lib.js';

/** DN attribute short names in the order they are written (the usual C ... CN, emailAddress order). */
const DN_ORDER: ReadonlyArray<[keyof SubjectSpec, string, number]> = [
  // [SubjectSpec field, @peculiar/x509 name, upper bound from RFC 5280 appendix A]
  ['c', 'C', 2],
  ['st', 'ST', 128],
  ['l', 'L', 128],
  ['o', 'O', 64],
  ['ou', 'OU', 64],
  ['cn', 'CN', 64],
  ['email', 'E', 255],
];

const OID: Record<keyof SubjectSpec, string> = {
  cn: '2.5.4.3',
  o: '2.5.4.10',
  ou: '2.5.4.11',
  l: '2.5.4.7',
  st: '2.5.4.8',
  c: '2.5.4.6',
  email: '1.2.840.113549.1.9.1',
};

const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** A host name as certificates carry it: LDH labels, optional leading "*." wildcard, <= 253 chars. */
export function isDnsName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  return labels.every((label, i) => (i === 0 && label === '*' && labels.length > 1) || DNS_LABEL.test(label));
}

/** Canonical text of an IP address (IPv6 compressed, lower case), or undefined if `s` is not one. */
export function canonicalIp(s: string): string | undefined {
  const v = isIP(s);
  if (v === 4) return s;
  if (v === 6) return new URL(`http://[${s}]/`).hostname.slice(1, -1);
  return undefined;
}

export interface SanEntry {
  type: 'dns' | 'ip';
  value: string;
}

/** Classifies one SAN string; throws for anything that is neither a DNS name nor an IP address. */
export function classifySan(raw: string): SanEntry {
  const s = typeof raw === 'string' ? raw.trim() : '';
  if (!s) throw new Error('empty subjectAltName entry');
  const ip = canonicalIp(s);
  if (ip) return { type: 'ip', value: ip };
  if (isDnsName(s)) return { type: 'dns', value: s.toLowerCase() };
  throw new Error(`invalid subjectAltName "${s}": not a DNS name or an IP address`);
}

/**
 * The SAN list a CSR carries: the CN first when it is a DNS name or IP and not already listed
 * (browsers and most firewalls ignore the CN), then the requested names, without duplicates.
 */
export function sanListFor(cn: string | undefined, sans: readonly string[]): SanEntry[] {
  const out: SanEntry[] = [];
  const seen = new Set<string>();
  const add = (e: SanEntry) => {
    const key = `${e.type}:${e.value}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(e);
    }
  };
  const requested = sans.map(classifySan);
  if (cn) {
    const cnIp = canonicalIp(cn);
    if (cnIp) add({ type: 'ip', value: cnIp });
    else if (isDnsName(cn)) add({ type: 'dns', value: cn.toLowerCase() });
  }
  requested.forEach(add);
  return out;
}

/** Throws for empty, over-long or malformed DN fields. */
export function validateSubject(subject: SubjectSpec): void {
  if (!subject || typeof subject !== 'object') throw new Error('subject must be an object');
  for (const [field, , max] of DN_ORDER) {
    const v = subject[field];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.trim() === '') throw new Error(`subject ${field} must not be empty`);
    // Control characters break DN parsers on devices and in openssl output.
    if (/[\u0000-\u001f\u007f]/.test(v)) throw new Error(`subject ${field} contains control characters`);
    if (v !== v.trim()) throw new Error(`subject ${field} "${v}" has leading or trailing spaces`);
    if (field === 'c') continue; // checked below with a better message
    if (v.length > max) throw new Error(`subject ${field} is ${v.length} characters; at most ${max} allowed`);
  }
  if (subject.c !== undefined && !/^[A-Z]{2}$/.test(subject.c)) {
    throw new Error(`subject c "${subject.c}" must be a two-letter upper-case country code (ISO 3166), e.g. US`);
  }
  if (subject.email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(subject.email)) {
    throw new Error(`subject email "${subject.email}" is not an e-mail address`);
  }
  const known = new Set(DN_ORDER.map(([f]) => f as string));
  for (const k of Object.keys(subject)) {
    if (!known.has(k)) throw new Error(`unknown subject field "${k}": allowed ${[...known].join(', ')}`);
  }
}

/** SubjectSpec -> @peculiar/x509 Name (JSON form, so commas and plus signs need no escaping). */
export function subjectToName(subject: SubjectSpec): x509.Name {
  const json: x509.JsonName = [];
  for (const [field, short] of DN_ORDER) {
    const v = subject[field];
    if (v !== undefined) json.push({ [short]: [v] });
  }
  return new x509.Name(json);
}

/** @peculiar/x509 Name -> SubjectSpec (first value of each known attribute). */
export function nameToSubject(name: x509.Name): SubjectSpec {
  const out: SubjectSpec = {};
  for (const [field] of DN_ORDER) {
    const v = name.getField(OID[field])[0];
    if (v !== undefined) out[field] = v;
  }
  return out;
}

/** Subject fields and DN of encoded Names: a profile's certificates and requests on every device
 *  carry the same subject, so each distinct Name is read by @peculiar/x509 once (see memo.ts). */
const encodedNames = new Memo<{ subject: SubjectSpec; dn: string }>(1024);

/** nameToSubject and the DN string of an encoded Name; the caller gets its own copy of the fields. */
export function subjectOfEncoded(name: Uint8Array): { subject: SubjectSpec; dn: string } {
  const known = encodedNames.get(Buffer.from(name).toString('base64'), () => {
    const n = new x509.Name(name);
    return { subject: nameToSubject(n), dn: n.toString() };
  });
  return { subject: { ...known.subject }, dn: known.dn };
}

/** The DNS and IP entries of a SubjectAlternativeName extension, in extension order. */
export function sansOf(ext: x509.SubjectAlternativeNameExtension | null | undefined): string[] {
  if (!ext) return [];
  const out: string[] = [];
  for (const n of ext.names.items) {
    if (n.type === 'dns') out.push(n.value);
    else if (n.type === 'ip') out.push(canonicalIp(n.value) ?? n.value);
  }
  return out;
}

/** sansOf for an encoded subjectAltName Extension, read without @peculiar/x509 where der.ts can (faster). */
export function sansOfEncoded(ext: Uint8Array | undefined): string[] {
  if (!ext) return [];
  const names = subjectAltNames(ext);
  if (!names) return sansOf(new x509.SubjectAlternativeNameExtension(ext));
  return names.map((n) => (n.type === 'ip' ? (canonicalIp(n.value) ?? n.value) : n.value));
}

export function sanExtension(entries: SanEntry[]): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension(entries.map((e) => ({ type: e.type, value: e.value })), false);
}
