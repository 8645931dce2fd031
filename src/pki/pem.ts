// PEM <-> DER helpers. Bundles from CAs and devices arrive with CRLF, blank lines, text before
// blocks ("subject=..." from openssl), so parsing is lenient and output is normalised.

import { Memo } from './memo.js';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/** Wraps DER in a PEM block with 64-character lines and a trailing newline. */
export function derToPem(der: Uint8Array | ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der instanceof ArrayBuffer ? new Uint8Array(der) : der).toString('base64');
  return `-----BEGIN ${label}-----\n${base64Lines(b64)}\n-----END ${label}-----\n`;
}

/** Base64 text in 64-character lines joined by LF (slices: a regex split cost more on every chain read). */
function base64Lines(b64: string): string {
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return lines.join('\n');
}

/** DER of the first PEM block with the given label; a clear Error when there is none. */
export function pemToDer(pem: string, label: string): Buffer {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`);
  const m = re.exec(pem);
  if (!m) throw new Error(`no "${label}" PEM block found`);
  const der = Buffer.from(m[1]!.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (der.length === 0) throw new Error(`empty "${label}" PEM block`);
  return der;
}

/** Normalised blocks by their text as found: the CA certificates of every issued certificate come
 *  in the same text, and each chain is split again by the engine after the CA driver (see memo.ts). */
const normalised = new Memo<string>(256);

/** Every CERTIFICATE block in `text`, each normalised (LF line ends, 64-char lines, trailing newline). */
export function splitPemCertificates(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(CERT_BLOCK)) {
    const pem = normalised.get(m[1]!, () => {
      const der = Buffer.from(m[1]!.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
      return der.length > 0 ? derToPem(der, 'CERTIFICATE') : '';
    });
    if (pem) out.push(pem);
  }
  return out;
}

/** The single certificate in `pem` as DER; Error when there is none. */
export function certificateDer(pem: string): Buffer {
  return pemToDer(pem, 'CERTIFICATE');
}
