// JSON views of a certificate record: GET /{sslId} details and GET list items, with SCM's
// MM/dd/yyyy dates (reference §3.5, §3.6; `dateFormat` query parameter per [DOC]).
import { X509Certificate } from 'node:crypto';
import { colonSerial, effectiveStatus } from './store.js';
import type { CertRecord, ScmCertType } from './types.js';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Named formats of the `dateFormat` parameter (UTC); default and unknown values: US (MM/dd/yyyy). */
export function formatDate(d: Date, dateFormat?: string | null): string {
  const y = d.getUTCFullYear();
  const m = pad(d.getUTCMonth() + 1);
  const day = pad(d.getUTCDate());
  switch ((dateFormat ?? '').toUpperCase()) {
    case 'ISO':
      return `${y}-${m}-${day}`;
    case 'ISO_HMS':
      return `${y}-${m}-${day}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    case 'EU':
      return `${day}.${m}.${y}`;
    case 'UK':
      return `${day}/${m}/${y}`;
    case 'JP':
      return `${y}/${m}/${day}`;
    default:
      return `${m}/${day}/${y}`;
  }
}

export function certTypeView(t: ScmCertType) {
  return {
    id: t.id,
    name: t.name,
    description: t.description ?? t.name,
    terms: t.terms,
    keyTypes: t.keyTypes,
    useSecondaryOrgName: false,
  };
}

/** RFC 4514 order ("CN=...,O=...,C=...") from node's one-attribute-per-line DER order. */
function dn(lines: string): string {
  return lines.split('\n').filter(Boolean).reverse().join(',');
}

function certificateDetails(leafPem: string) {
  const x = new X509Certificate(leafPem);
  const sans = (x.subjectAltName ?? '')
    .split(', ')
    .filter(Boolean)
    .map((s) => s.replace(/^DNS:/, 'dNSName=').replace(/^IP Address:/, 'iPAddress='))
    .join(', ');
  return {
    issuer: dn(x.issuer),
    subject: dn(x.subject),
    subjectAltNames: sans,
    sha1Hash: x.fingerprint.replace(/:/g, ''),
  };
}

export function certHashes(leafPem: string): { sha1Hash: string; sha256Hash: string } {
  const x = new X509Certificate(leafPem);
  return { sha1Hash: x.fingerprint.replace(/:/g, ''), sha256Hash: x.fingerprint256.replace(/:/g, '') };
}

export function detailsView(rec: CertRecord, type: ScmCertType | undefined, dateFormat?: string | null) {
  const date = (d: Date | undefined) => (d ? formatDate(d, dateFormat) : undefined);
  const [keyAlgorithm, keySize] = rec.keyLabel.split(' - ');
  const view = {
    commonName: rec.commonName,
    sslId: rec.sslId,
    id: rec.sslId,
    orgId: rec.orgId,
    status: effectiveStatus(rec),
    orderNumber: rec.orderNumber,
    backendCertId: String(rec.orderNumber),
    vendor: 'fwcert Lab',
    certType: type ? certTypeView(type) : { id: rec.certTypeId },
    validationType: type?.validationType ?? 'Organization Validation (OV)',
    term: rec.term,
    owner: rec.requester,
    requester: rec.requester,
    externalRequester: rec.externalRequester,
    requestedVia: 'REST API',
    comments: rec.comments,
    requested: date(rec.requested),
    approved: date(rec.approved),
    declined: date(rec.declined),
    issued: date(rec.issued),
    expires: date(rec.notAfter),
    revoked: date(rec.revoked),
    reasonCode: rec.reasonCode,
    replaced: date(rec.replaced),
    renewed: rec.renewed,
    renewedDate: date(rec.renewedDate),
    serialNumber: rec.serial ? colonSerial(rec.serial) : undefined,
    keyType: rec.keyLabel,
    keyAlgorithm,
    keySize: keySize && /^\d+$/.test(keySize) ? Number(keySize) : undefined,
    subjectAlternativeNames: rec.subjAltNames,
    customFields: rec.customFields,
    certificateDetails: rec.leafPem ? certificateDetails(rec.leafPem) : undefined,
    autoInstallDetails: { state: 'Not configured' },
    autoRenewDetails: { state: 'Not scheduled' },
    suspendNotifications: false,
  };
  // Absent values are omitted, as SCM does (reference §3.10).
  return Object.fromEntries(Object.entries(view).filter(([, v]) => v !== undefined));
}

export function listItemView(rec: CertRecord) {
  const item: Record<string, unknown> = {
    sslId: rec.sslId,
    commonName: rec.commonName,
    subjectAlternativeNames: rec.subjAltNames,
  };
  // Empty until issuance (reference pitfall 10).
  if (rec.serial) item.serialNumber = colonSerial(rec.serial);
  return item;
}
