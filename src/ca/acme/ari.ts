// ACME Renewal Information (RFC 9773): the certificate identifier the CA knows a certificate by,
// base64url(AKI keyIdentifier) "." base64url(serial number DER value bytes).
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

const AKI_OID = '2.5.29.35';

function derOf(pem: string): Uint8Array {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error('no CERTIFICATE block in the PEM text');
  return new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

export function ariCertId(certPem: string): string {
  const cert = pkijs.Certificate.fromBER(derOf(certPem));
  const ext = cert.extensions?.find((e) => e.extnID === AKI_OID);
  const aki = ext?.parsedValue as pkijs.AuthorityKeyIdentifier | undefined;
  const keyId = aki?.keyIdentifier?.valueBlock.valueHexView;
  if (!keyId?.length) throw new Error('the certificate has no Authority Key Identifier keyIdentifier, so ACME renewal information cannot name it');
  // The INTEGER's content octets as encoded, including a leading 0x00 that keeps it positive.
  const serial = (cert.serialNumber as asn1js.Integer).valueBlock.valueHexView;
  return `${Buffer.from(keyId).toString('base64url')}.${Buffer.from(serial).toString('base64url')}`;
}

export interface RenewalInfo {
  suggestedWindow: { start: string; end: string };
  explanationURL?: string;
}

export function parseRenewalInfo(data: unknown): { start: Date; end: Date; explanationURL?: string } {
  const w = (data as Partial<RenewalInfo> | undefined)?.suggestedWindow;
  const start = new Date(String(w?.start));
  const end = new Date(String(w?.end));
  if (!w || Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end < start) {
    throw new Error(`renewal information without a usable suggestedWindow: ${JSON.stringify(data).slice(0, 200)}`);
  }
  const explanationURL = (data as RenewalInfo).explanationURL;
  return { start, end, ...(explanationURL ? { explanationURL } : {}) };
}
