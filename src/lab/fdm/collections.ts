// The emulated resources: their paths, object types, which operations exist, how a request body
// becomes a stored object (validation) and how a stored object is shown (masking, references).
import { createSelfSigned } from '../../pki/index.js';
import { MASK, checkPrivateKey, extractedCertFields, parseCertField } from './certificates.js';
import { apiLevel, validateBody } from './api-spec.js';
import { invalidField } from './errors.js';
import { REF_FIELDS, expandRefs, normaliseRefs } from './references.js';
import type { ConfigStore } from './store.js';
import type { CollectionName, FdmKnobs, FdmObject } from './types.js';

export interface CollectionDef {
  name: CollectionName;
  /** Path below /api/fdm/<ver>. */
  path: string;
  type: string;
  /** POST and DELETE exist (certificate objects); consumers are singletons edited by PUT only. */
  creatable: boolean;
  kind: 'certificate' | 'consumer';
  /** Certificate objects that carry a private key (and certType). */
  hasKey: boolean;
}

export const COLLECTION_DEFS: readonly CollectionDef[] = [
  { name: 'internalcertificates', path: '/object/internalcertificates', type: 'internalcertificate', creatable: true, kind: 'certificate', hasKey: true },
  { name: 'externalcacertificates', path: '/object/externalcacertificates', type: 'externalcacertificate', creatable: true, kind: 'certificate', hasKey: false },
  { name: 'internalcacertificates', path: '/object/internalcacertificates', type: 'internalcacertificate', creatable: true, kind: 'certificate', hasKey: true },
  { name: 'webuicertificates', path: '/devicesettings/default/webuicertificates', type: 'webuicertificate', creatable: false, kind: 'consumer', hasKey: false },
  { name: 'sslpolicies', path: '/policy/sslpolicies', type: 'sslpolicy', creatable: false, kind: 'consumer', hasKey: false },
  { name: 'ravpns', path: '/ravpns', type: 'ravpn', creatable: false, kind: 'consumer', hasKey: false },
];

export function defFor(name: CollectionName): CollectionDef {
  return COLLECTION_DEFS.find((d) => d.name === name)!;
}

export interface PrepareContext {
  store: ConfigStore;
  knobs: FdmKnobs;
}

const MAX_NAME = 128; // spec-v2: name up to 128 characters
const NAME_FULL = /^[a-zA-Z0-9][a-zA-Z0-9.+-]*$/;
const NAME_PREFIX = /^[a-zA-Z0-9]/; // the 6.2.3 pattern as documented (unanchored)

function validateName(name: unknown, mode: FdmKnobs['certNamePattern']): string {
  if (typeof name !== 'string' || name.length === 0) throw invalidField('name', 'name is required', 'fieldRequired');
  if (name.length > MAX_NAME) {
    throw invalidField('name', `The name must be at most ${MAX_NAME} characters long`, 'invalidName');
  }
  if (!(mode === 'full' ? NAME_FULL : NAME_PREFIX).test(name)) {
    throw invalidField(
      'name',
      `Invalid name "${name}": it must start with a letter or digit and contain only letters, digits, ".", "+" and "-"`,
      'invalidName',
    );
  }
  return name;
}

function checkType(def: CollectionDef, body: Record<string, unknown>): void {
  if (body.type !== def.type) {
    throw invalidField('type', `type must be "${def.type}"`, body.type === undefined ? 'fieldRequired' : 'invalidValue');
  }
}

/**
 * Turns a POST/PUT body into the stored fields (everything except id and version).
 * Throws the 422 FDM would answer.
 */
export async function prepare(
  def: CollectionDef,
  body: Record<string, unknown>,
  existing: FdmObject | undefined,
  ctx: PrepareContext,
): Promise<Record<string, unknown>> {
  checkType(def, body);
  validateBody(apiLevel(ctx.knobs.supportedVersions), def.type, body);
  return def.kind === 'certificate' ? prepareCertificate(def, body, existing, ctx) : prepareConsumer(def, body, existing, ctx);
}

async function prepareCertificate(
  def: CollectionDef,
  body: Record<string, unknown>,
  existing: FdmObject | undefined,
  ctx: PrepareContext,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { name: validateName(body.name, ctx.knobs.certNamePattern), type: def.type };
  if (typeof body.description === 'string') out.description = body.description;
  if (!def.hasKey) {
    const x = parseCertField(body.cert);
    return { ...out, cert: x.toString(), isSystemDefined: false, ...extractedCertFields(x) };
  }

  // NetForge omits certType unless existing objects carry it, so absent means UPLOAD.
  const certType = body.certType ?? existing?.certType ?? 'UPLOAD';
  if (certType !== 'UPLOAD' && certType !== 'SELFSIGNED') {
    throw invalidField('certType', 'certType must be UPLOAD or SELFSIGNED');
  }
  out.certType = certType;
  const noPem = (v: unknown) => v === undefined || v === null || v === '' || v === MASK;
  let certPem: string;
  let keyPem: string;
  if (certType === 'SELFSIGNED' && noPem(body.cert) && noPem(body.privateKey)) {
    if (existing) {
      // Editing a device-generated certificate keeps its key and certificate.
      certPem = String(existing.cert);
      keyPem = String(existing.privateKey);
    } else {
      const cn = typeof body.subjectCommonName === 'string' && body.subjectCommonName ? body.subjectCommonName : out.name as string;
      const made = await createSelfSigned({ cn, sans: [], days: 365, key: { type: 'rsa', size: 2048 } });
      certPem = made.certPem;
      keyPem = made.keyPem;
    }
  } else {
    // UPLOAD: the PEMs must come on every write; a masked key read back by GET is refused.
    const x = parseCertField(body.cert);
    certPem = x.toString();
    checkPrivateKey(body.privateKey, certPem);
    keyPem = String(body.privateKey).trim() + '\n';
  }
  const x = parseCertField(certPem);
  return { ...out, cert: certPem, privateKey: keyPem, isSystemDefined: false, ...extractedCertFields(x) };
}

async function prepareConsumer(
  def: CollectionDef,
  body: Record<string, unknown>,
  existing: FdmObject | undefined,
  ctx: PrepareContext,
): Promise<Record<string, unknown>> {
  // PUT carries the whole object; what the client leaves out is gone (no partial updates).
  const { id: _id, version: _version, links: _links, ...rest } = body;
  const out: Record<string, unknown> = structuredClone(rest);
  // Singleton names are fixed by the device ("this name is ignored on backend", FTDAnsible ra_vpn.yml).
  out.name = existing?.name ?? body.name;
  normaliseRefs(def.name, out, ctx.store);
  return out;
}

/** What GET returns: private keys masked, references expanded, links.self absolute. */
export function render(def: CollectionDef, obj: FdmObject, store: ConfigStore, collectionUrl: string, level = 6): Record<string, unknown> {
  const shown = REF_FIELDS[def.name] ? expandRefs(def.name, obj, store) : structuredClone(obj);
  if ('privateKey' in shown) shown.privateKey = MASK;
  // WebUICertificate.trustChain exists from API v5 (FTD 6.6) on (see api-spec.ts).
  if (def.name === 'webuicertificates' && level < 5) delete shown.trustChain;
  const { version, name, id, type, ...rest } = shown;
  return { version, name, ...rest, id, type, links: { self: `${collectionUrl}/${id}` } };
}
