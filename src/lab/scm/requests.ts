// Request bodies of the SSL endpoints, checked field by field the way SCM's JSON binding does:
// a value of the wrong JSON type is "Cannot parse message body" (-1002), a missing required
// value is -7, a broken documented limit is a 400 naming the field.
import { canonicalIp, isDnsName } from '../../pki/index.js';
import { invalidField, missing, unparsable } from './errors.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function asObject(body: Json | undefined): JsonObject {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw unparsable();
  return body;
}

/** JSON number or numeric string (Jackson coerces "365" into an int); absent -> undefined. */
export function intField(obj: JsonObject, name: string): number | undefined {
  const v = obj[name];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isInteger(n)) throw unparsable();
  return n;
}

export function stringField(obj: JsonObject, name: string, max?: number): string | undefined {
  const v = obj[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw unparsable();
  if (max !== undefined && v.length > max) throw invalidField(`${name}: size must be between 0 and ${max}`);
  return v;
}

export function requiredText(obj: JsonObject, name: string, max: number): string {
  const v = stringField(obj, name);
  if (v === undefined || v.trim() === '') throw missing(name);
  if (v.length > max) throw invalidField(`${name}: size must be between 1 and ${max}`);
  return v;
}

/** "a.example.com, b.example.com" -> names; the documented shape is a string, never an array. */
export function commaNames(obj: JsonObject, name: string): string[] {
  const v = stringField(obj, name);
  if (v === undefined) return [];
  const names = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) checkName(n);
  return names;
}

export function checkName(n: string): void {
  if (!isDnsName(n) && !canonicalIp(n)) throw invalidField(`Invalid domain name: ${n}`);
}

export interface EnrollFields {
  orgId: number;
  csr: unknown;
  certType: number | undefined;
  term: number | undefined;
  subjAltNames: string[];
  comments: string;
  externalRequester: string;
  customFields: { name: string; value: string }[];
  dcvMode?: string;
  dcvEmail?: string;
}

/** dcvMode values ([DOC] enroll table: EMAIL, CNAME, HTTP, HTTPS, TXT; [OAS] adds AUTO). */
const DCV_MODES = new Set(['EMAIL', 'CNAME', 'HTTP', 'HTTPS', 'TXT', 'AUTO']);

/** dcvMode/dcvEmail of enroll and renew bodies. An unknown mode fails enum binding like any bad value (-1002, inferred). */
export function dcvFields(o: JsonObject): { dcvMode?: string; dcvEmail?: string } {
  const dcvMode = stringField(o, 'dcvMode') || undefined;
  if (dcvMode !== undefined && !DCV_MODES.has(dcvMode)) throw unparsable();
  const dcvEmail = stringField(o, 'dcvEmail') || undefined;
  return { dcvMode, dcvEmail };
}

export function enrollFields(body: Json | undefined): EnrollFields {
  const o = asObject(body);
  const orgId = intField(o, 'orgId');
  if (orgId === undefined) throw missing('orgId');
  if (o.csr === undefined || o.csr === null || o.csr === '') throw missing('csr');
  const cf = o.customFields;
  if (cf !== undefined && cf !== null && !Array.isArray(cf)) throw unparsable();
  const customFields = (Array.isArray(cf) ? cf : []).map((f) => {
    const item = asObject(f);
    const name = stringField(item, 'name', 256) ?? '';
    const value = stringField(item, 'value', 256) ?? '';
    return { name, value };
  });
  // numberServers / serverType are legacy fields real clients still send: accepted and ignored.
  return {
    orgId,
    csr: o.csr,
    certType: intField(o, 'certType'),
    term: intField(o, 'term'),
    subjAltNames: commaNames(o, 'subjAltNames'),
    comments: stringField(o, 'comments', 1024) ?? '',
    externalRequester: stringField(o, 'externalRequester', 512) ?? '',
    customFields,
    ...dcvFields(o),
  };
}

/** renewById / renew: `""`, `{}`, an empty body, or {csr, dcvMode, dcvEmail}. */
export function renewFields(body: Json | undefined): { csr?: string; dcvMode?: string; dcvEmail?: string } {
  if (body === '' || body === undefined || body === null) return {};
  const o = asObject(body);
  const csr = stringField(o, 'csr');
  return { ...(csr ? { csr } : {}), ...dcvFields(o) };
}

const REASON_CODES = new Set([0, 1, 3, 4, 5]);

export function revokeFields(body: Json | undefined): { reasonCode: number; reason: string } {
  const o = asObject(body);
  const raw = o.reasonCode;
  if (raw === undefined || raw === null || raw === '') throw missing('reasonCode');
  // [DOC] shows a number, [OAS] a string enum: both are accepted; other values fail binding.
  const code = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!REASON_CODES.has(code)) throw unparsable();
  return { reasonCode: code, reason: requiredText(o, 'reason', 512) };
}

export interface ReplaceFields {
  csr: string;
  reason: string;
  commonName?: string;
  subjectAlternativeNames?: string[];
}

export function replaceFields(body: Json | undefined): ReplaceFields {
  const o = asObject(body);
  const csr = stringField(o, 'csr');
  if (!csr) throw missing('csr');
  const reason = requiredText(o, 'reason', 512);
  const commonName = stringField(o, 'commonName', 64) || undefined;
  const sans = o.subjectAlternativeNames;
  let subjectAlternativeNames: string[] | undefined;
  if (sans !== undefined && sans !== null) {
    // Unlike enroll, replace takes an array (reference §3.9 / pitfall 1).
    if (!Array.isArray(sans) || sans.some((s) => typeof s !== 'string')) throw unparsable();
    subjectAlternativeNames = (sans as string[]).map((s) => s.trim()).filter(Boolean);
    subjectAlternativeNames.forEach(checkName);
  }
  return { csr, reason, commonName, subjectAlternativeNames };
}

export function messageField(body: Json | undefined): string {
  return requiredText(asObject(body), 'message', 512);
}
