// The models of the objects fwcert touches, per FDM API version, as the FDM Swagger specification
// defines them, and the checks FDM applies to a POST/PUT body against them. The same table is served
// as the device's own specification at GET /apispec/ngfw.json (FTDAnsible's httpapi plugin reads it
// there), so a client can learn what the box supports.
//
// Source: the FDM Swagger specification in CiscoDevNet/FTDAnsible
// test/unit/module_utils/test_data/ngfw_with_ex.json (basePath /api/fdm/v2, FTD 6.3): InternalCertificate,
// InternalCACertificate, ExternalCACertificate, SSLPolicy, SSLPolicyDefaultAction, SSLUndecryptableActions,
// WebUICertificate (model only; no path in v2), ReferenceModel, HAStatus, CliDeploymentError.
// Version differences: /ravpns and /devicesettings/default/webuicertificates came with FTD 6.4 (API v3)
// (FTD 6.4 Ansible docs list their operations; spec-v2 has neither path). WebUICertificate.trustChain
// is in the API v5 (FTD 6.6) documentation and not in 6.4's *(from v5 on is inferred)*.
// RaVpn is not in spec-v2: its model here is the FTDAnsible ra_vpn.yml sample's fields, checked
// leniently *(inferred)*.
import { invalidField } from './errors.js';

type Prop =
  | { kind: 'string' | 'boolean' | 'integer'; enum?: readonly string[] }
  | { kind: 'ref' }
  | { kind: 'refs' }
  | { kind: 'array' }
  | { kind: 'object'; model?: string };

export interface Model {
  required: readonly string[];
  props: Record<string, Prop>;
  /** Unknown fields are refused (false only where no specification of the model is at hand). */
  strict: boolean;
}

const str = { kind: 'string' } as const;
const bool = { kind: 'boolean' } as const;
const ref = { kind: 'ref' } as const;
const refs = { kind: 'refs' } as const;
const strEnum = (values: readonly string[]) => ({ kind: 'string', enum: values }) as const;

const CERT_FIELDS: Record<string, Prop> = {
  version: str, name: str, cert: str, privateKey: str, passPhrase: str,
  issuerCommonName: str, issuerCountry: str, issuerLocality: str, issuerOrganization: str, issuerOrganizationUnit: str, issuerState: str,
  subjectCommonName: str, subjectCountry: str, subjectDistinguishedName: str, subjectLocality: str, subjectOrganization: str,
  subjectOrganizationUnit: str, subjectState: str, validityStartDate: str, validityEndDate: str, isSystemDefined: bool,
  id: str, type: str,
};
/** Read-only parts of every answer a client may send back on PUT: the LinksWrapper of each *Wrapper
 *  model, and `description` that FDM objects carry in later versions *(accepting them is inferred)*. */
const ECHOED: Record<string, Prop> = { links: { kind: 'object' }, description: str };

const ACTION = ['INHERIT_DEFAULT_ACTION', 'DO_NOT_DECRYPT', 'BLOCK', 'BLOCK_WITH_RESET'] as const;

function models(level: number): Record<string, Model> {
  const m: Record<string, Model> = {
    internalcertificate: { required: ['type'], strict: true, props: { ...CERT_FIELDS, ...ECHOED, certType: strEnum(['UPLOAD', 'SELFSIGNED']) } },
    internalcacertificate: { required: ['type'], strict: true, props: { ...CERT_FIELDS, ...ECHOED, certType: strEnum(['UPLOAD', 'SELFSIGNED']) } },
    externalcacertificate: { required: ['type'], strict: true, props: { ...CERT_FIELDS, ...ECHOED } },
    sslpolicy: {
      required: ['defaultAction', 'undecryptableActions', 'type'],
      strict: true,
      props: {
        version: str, name: str, id: str, type: str, ...ECHOED,
        defaultAction: { kind: 'object', model: 'sslpolicydefaultaction' },
        undecryptableActions: { kind: 'object', model: 'sslundecryptableactions' },
        decryptionCACertificate: ref,
        internalCertificates: refs,
        // In the specification's own SSLPolicy example, not in its properties.
        sslRules: { kind: 'array' },
      },
    },
    sslpolicydefaultaction: {
      required: ['policyAction', 'eventLogAction', 'type'],
      strict: true,
      props: {
        policyAction: strEnum(['DECRYPT_RE_SIGN', 'DECRYPT_KNOWN_KEY', 'DO_NOT_DECRYPT', 'BLOCK']),
        eventLogAction: strEnum(['LOG_FLOW_END', 'LOG_NONE']),
        syslogServer: ref,
        type: str,
      },
    },
    sslundecryptableactions: {
      required: ['handShakeErrors', 'decryptionErrors', 'sslV2Session', 'unknownCipherSuite', 'compressedSession', 'unsupportedCipherSuite', 'sessionNotCached', 'type'],
      strict: true,
      props: {
        compressedSession: strEnum(ACTION), sslV2Session: strEnum(ACTION), unknownCipherSuite: strEnum(ACTION),
        unsupportedCipherSuite: strEnum(ACTION), sessionNotCached: strEnum(ACTION), handShakeErrors: strEnum(ACTION),
        decryptionErrors: strEnum(['BLOCK', 'BLOCK_WITH_RESET']), type: str,
      },
    },
  };
  if (level >= 3) {
    m.webuicertificate = {
      required: ['certificate', 'type'],
      strict: true,
      props: { version: str, name: str, id: str, type: str, ...ECHOED, certificate: ref, ...(level >= 5 ? { trustChain: refs } : {}) },
    };
    m.ravpn = {
      required: ['type'],
      strict: false,
      props: { version: str, name: str, id: str, type: str, ...ECHOED, vpnGatewaySettings: { kind: 'object' }, groupPolicies: refs, anyconnectPackageFiles: refs },
    };
  }
  return m;
}

/** The highest API version number the device speaks ("v6" -> 6). */
export function apiLevel(supportedVersions: readonly string[]): number {
  return Math.max(0, ...supportedVersions.map((v) => Number(/^v(\d+)$/.exec(v)?.[1] ?? 0)));
}

/** The resource paths (below /api/fdm/<ver>) the device has at this level. */
export function pathsAt(level: number): string[] {
  const paths = [
    '/object/internalcertificates', '/object/internalcacertificates', '/object/externalcacertificates', '/policy/sslpolicies',
    '/operational/deploy', '/operational/pendingchanges', '/operational/deploymenterrors/{objId}', '/operational/systeminfo/default',
    '/devices/default/operational/ha/status/{objId}', '/fdm/token',
  ];
  if (level >= 3) paths.push('/ravpns', '/devicesettings/default/webuicertificates');
  return paths;
}

/** Does the device at this level have the collection below `path`? */
export function hasPath(level: number, path: string): boolean {
  return pathsAt(level).includes(path);
}

const SPEC_NAMES: Record<string, string> = {
  internalcertificate: 'InternalCertificate', internalcacertificate: 'InternalCACertificate', externalcacertificate: 'ExternalCACertificate',
  sslpolicy: 'SSLPolicy', sslpolicydefaultaction: 'SSLPolicyDefaultAction', sslundecryptableactions: 'SSLUndecryptableActions',
  webuicertificate: 'WebUICertificate', ravpn: 'RaVpn',
};

function swaggerProp(p: Prop): Record<string, unknown> {
  switch (p.kind) {
    case 'ref':
      return { type: 'object', $ref: '#/definitions/ReferenceModel' };
    case 'refs':
      return { type: 'array', items: { $ref: '#/definitions/ReferenceModel' } };
    case 'object':
      return p.model ? { type: 'object', $ref: `#/definitions/${SPEC_NAMES[p.model]}` } : { type: 'object' };
    case 'array':
      return { type: 'array', items: { type: 'object' } };
    default:
      return p.enum ? { type: p.kind, enum: [...p.enum] } : { type: p.kind };
  }
}

/** GET /apispec/ngfw.json: a Swagger 2.0 document with the paths and models of this API level. */
export function specDocument(level: number, version: string): Record<string, unknown> {
  const definitions: Record<string, unknown> = {
    ReferenceModel: { type: 'object', required: ['id', 'type'], properties: { id: { type: 'string' }, type: { type: 'string' }, version: { type: 'string' }, name: { type: 'string' } } },
  };
  for (const [type, model] of Object.entries(models(level))) {
    const { links: _l, description: _d, ...props } = model.props;
    definitions[SPEC_NAMES[type]!] = {
      type: 'object',
      required: [...model.required],
      properties: Object.fromEntries(Object.entries(props).map(([k, p]) => [k, k === 'type' ? { type: 'string', default: type } : swaggerProp(p)])),
    };
  }
  return {
    swagger: '2.0',
    info: { title: 'Firepower Threat Defense REST API', version: `${level}.0.0` },
    basePath: `/api/fdm/${version}`,
    paths: Object.fromEntries(pathsAt(level).map((p) => [p, {}])),
    definitions,
  };
}

/**
 * Checks a POST/PUT body against the model of its `type`: required fields present, no field the
 * model does not have, enum values from the model, nested models likewise. Throws FDM's 422 with
 * `error.messages[]` naming the field (`location`); the codes `fieldRequired` / `invalidValue` are
 * the ones FDM validation answers use *(the text of the unknown-field message is inferred)*.
 */
export function validateBody(level: number, type: string, body: Record<string, unknown>): void {
  const all = models(level);
  const check = (modelName: string, value: Record<string, unknown>, at: string): void => {
    const model = all[modelName];
    if (!model) return;
    for (const f of model.required) {
      if (value[f] === undefined || value[f] === null) throw invalidField(`${at}${f}`, `${at}${f} is required but missing`, 'fieldRequired');
    }
    for (const [k, v] of Object.entries(value)) {
      const p = model.props[k];
      if (!p) {
        if (model.strict) throw invalidField(`${at}${k}`, `Unrecognized field "${k}" in ${SPEC_NAMES[modelName] ?? modelName}`, 'invalidField');
        continue;
      }
      if (v === null || v === undefined) continue;
      if ((p.kind === 'string' || p.kind === 'boolean' || p.kind === 'integer') && p.enum && !p.enum.includes(String(v))) {
        throw invalidField(`${at}${k}`, `${at}${k} must be one of ${p.enum.join(', ')}`, 'invalidValue');
      }
      if (p.kind === 'object' && p.model) {
        if (typeof v !== 'object' || Array.isArray(v)) throw invalidField(`${at}${k}`, `${at}${k} must be an object`, 'invalidValue');
        check(p.model, v as Record<string, unknown>, `${at}${k}.`);
      }
    }
  };
  check(type, body, '');
}
