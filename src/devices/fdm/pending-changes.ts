// Whose are the changes a deploy would push? FDM's deploy pushes EVERY pending change on the box,
// including another administrator's unfinished edits, so fwcert reads GET /operational/pendingchanges
// first (reference §5) and deploys only when each change is one fwcert makes.
// FDM shows no user per change (firepyer docs/fp_output/get_pending_changes.txt: entityId,
// entityName, entityType, type, values*/references* only), so ownership is judged from the objects
// and fields, as narrowly as fwcert writes them:
//   internalcertificate   created/deleted/updated, named as fwcert names its objects (engine's scope)
//   externalcacertificate created under fwcert's chain-CA name (CN + 8 hex of the SHA-256, names.ts)
//   ravpn / webuicertificate / sslpolicy  updated, and nothing changed but their certificate references
// Anything else (an access rule, a hostname, the RA VPN's FQDN ...) is someone else's.
import { nativeCertificate } from '../../pki/index.js';
import type { CommitScope } from '../target.js';
import { caObjectName } from './names.js';
import type { FdmObjects } from './objects.js';

export interface PendingChange {
  entityId?: string;
  entityName?: string | null;
  entityType?: string;
  type?: string;
  valuesAdded?: { fieldName?: string; newValue?: unknown }[];
  valuesDeleted?: { fieldName?: string; oldValue?: unknown }[];
  valuesUpdated?: { fieldName?: string; oldValue?: unknown; newValue?: unknown }[];
  referencesAdded?: { fieldName?: string; newValue?: { id?: string; name?: string; type?: string } }[];
  referencesDeleted?: { fieldName?: string; oldValue?: { id?: string; name?: string; type?: string } }[];
}

const PATH = 'operational/pendingchanges';

/** Certificate reference fields of the consumers fwcert rebinds (bindings.ts), by entity type. The
 *  reference entries' shape is inferred (the recorded samples had none); a device that reports a
 *  reference change as a value change of the same field is treated alike. */
const CERT_FIELDS: Record<string, string[]> = {
  ravpn: ['vpnGatewaySettings.serverCertificate', 'serverCertificate'],
  webuicertificate: ['certificate', 'trustChain'],
  sslpolicy: ['internalCertificates'],
};

const CA_NAME = /-[0-9a-f]{8}(-\d+)?$/;

function lastSegment(field: string | undefined): string {
  return (field ?? '').split('.').pop() ?? '';
}

function isCertField(entityType: string, field: string | undefined): boolean {
  const fields = CERT_FIELDS[entityType] ?? [];
  return fields.includes(field ?? '') || fields.some((f) => lastSegment(f) === lastSegment(field));
}

/** fwcert's chain CA objects: the name it derives from the certificate itself. */
function isOurCaObject(c: PendingChange): boolean {
  const name = c.entityName ?? '';
  if (!CA_NAME.test(name)) return false;
  const pem = c.valuesAdded?.find((v) => v.fieldName === 'cert')?.newValue;
  if (typeof pem !== 'string' || !pem.includes('BEGIN CERTIFICATE')) return true;
  try {
    // pki's memo: the same chain CA objects show up in every FDM's pending changes.
    const x = nativeCertificate(pem);
    const cn = /(?:^|\n)CN=([^\n]*)/.exec(x.subject)?.[1];
    return name.replace(/-\d+$/, '') === caObjectName(cn, x.fingerprint256) || name === caObjectName(cn, x.fingerprint256);
  } catch {
    return false;
  }
}

function isOurs(c: PendingChange, scope: CommitScope): boolean {
  const type = c.entityType ?? '';
  const name = c.entityName ?? '';
  if (type === 'internalcertificate') return !!name && scope.owns(name);
  if (type === 'externalcacertificate') return c.type === 'entitycreate' && isOurCaObject(c);
  if (!CERT_FIELDS[type] || c.type !== 'entityupdate') return false;
  const values = [...(c.valuesAdded ?? []), ...(c.valuesDeleted ?? []), ...(c.valuesUpdated ?? [])];
  if (values.some((v) => !isCertField(type, v.fieldName))) return false;
  if ([...(c.referencesAdded ?? []), ...(c.referencesDeleted ?? [])].some((r) => !isCertField(type, r.fieldName))) return false;
  // What is newly referenced must be fwcert's; what left may be anything (it is what was replaced).
  return (c.referencesAdded ?? []).every((r) => {
    const v = r.newValue;
    if (v?.type === 'externalcacertificate') return true;
    return !v?.name || scope.owns(v.name);
  });
}

function describe(c: PendingChange): string {
  const what = c.type === 'entitycreate' ? 'created' : c.type === 'entitydelete' ? 'deleted' : 'changed';
  const fields = [...(c.valuesAdded ?? []), ...(c.valuesDeleted ?? []), ...(c.valuesUpdated ?? [])]
    .map((v) => v.fieldName)
    .filter((f): f is string => !!f);
  const on = fields.length ? ` (${[...new Set(fields)].slice(0, 5).join(', ')}${fields.length > 5 ? ', …' : ''})` : '';
  return `${c.entityType ?? 'object'} ${c.entityName ? `"${c.entityName}"` : c.entityId ?? ''} ${what}${on}`.replace(/\s+/g, ' ').trim();
}

/** The changes that are not fwcert's, described for the report. */
export function foreignChanges(all: PendingChange[], scope: CommitScope): string[] {
  return all.filter((c) => !isOurs(c, scope)).map(describe);
}

/** Every pending change, and the ones that are not fwcert's (described for the report). */
export async function pendingChangesOf(objects: FdmObjects, scope: CommitScope): Promise<{ total: number; foreign: string[] }> {
  const all = await objects.listAll<PendingChange>(PATH);
  return { total: all.length, foreign: foreignChanges(all, scope) };
}
