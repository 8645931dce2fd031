// Collect formats (reference §3.4): which certificates, in which order, in which encoding.
// Chain formats are root first / leaf last, as real SCM answers ([LEM], [SG]); `pemia` and
// `x509R` are the leaf-first ones, `x509IOR` lists the issuers intermediate first.
import { badRequest } from './errors.js';
import { derToPem } from '../../pki/pem.js';
import { toCertsOnlyPkcs7 } from '../../pki/pkcs7.js';

export const COLLECT_FORMATS = ['x509', 'x509CO', 'base64', 'bin', 'x509IO', 'x509IOR', 'pem', 'pemco', 'pemia', 'x509R'] as const;
export type CollectFormat = (typeof COLLECT_FORMATS)[number];

/** Documented default when `?format=` is absent ([DOC], [OAS]). */
export const DEFAULT_FORMAT: CollectFormat = 'base64';

export function parseFormat(raw: string | null | undefined): CollectFormat {
  if (raw === null || raw === undefined || raw === '') return DEFAULT_FORMAT;
  const found = COLLECT_FORMATS.find((f) => f.toLowerCase() === raw.toLowerCase());
  if (!found) throw badRequest(-126, raw);
  return found;
}

export interface CollectFile {
  body: Buffer;
  filename: string;
}

function pemFile(pems: string[]): Buffer {
  return Buffer.from(pems.map((p) => `${p.trim()}\n`).join(''), 'utf8');
}

/**
 * @param leafPem the issued certificate
 * @param issuers its issuers, the leaf's issuer first and the root last
 * @param commonName used for the download file name
 */
export function renderCollect(format: CollectFormat, leafPem: string, issuers: string[], commonName: string): CollectFile {
  const base = (commonName || 'certificate').replace(/[^A-Za-z0-9-]/g, '_');
  const leafFirst = [leafPem, ...issuers];
  const rootFirst = [...leafFirst].reverse();
  const crt = (pems: string[]): CollectFile => ({ body: pemFile(pems), filename: `${base}.crt` });
  switch (format) {
    case 'x509':
    case 'pem':
      return crt(rootFirst);
    case 'x509CO':
    case 'pemco':
      return crt([leafPem]);
    case 'x509IO':
      return crt([...issuers].reverse());
    case 'x509IOR':
      return crt(issuers);
    case 'pemia':
    case 'x509R':
      return crt(leafFirst);
    case 'base64':
      return { body: Buffer.from(derToPem(toCertsOnlyPkcs7(leafFirst), 'PKCS7'), 'utf8'), filename: `${base}.p7b` };
    case 'bin':
      return { body: toCertsOnlyPkcs7(leafFirst), filename: `${base}.p7b` };
  }
}
