// Picking among the chains a CA offers (RFC 8555 section 7.4.2: Link rel="alternate") the one
// whose top certificate was issued by the preferred CN — how certbot's --preferred-chain works.
import { parseCertificate, splitPemCertificates } from '../../pki/index.js';

/** URLs of `Link: <url>;rel="alternate"` entries, resolved against the certificate URL. */
export function alternateLinks(linkHeader: string | undefined, base: string): string[] {
  if (!linkHeader) return [];
  const out: string[] = [];
  for (const part of linkHeader.split(/,\s*(?=<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(^|;)\s*rel\s*=\s*"?alternate"?\s*(;|$)/i.test(m[2]!)) out.push(new URL(m[1]!, base).href);
  }
  return out;
}

/** Issuer CN of the last certificate in a PEM chain (the one closest to the root). */
export function topIssuerCn(chainPem: string): string | undefined {
  const certs = splitPemCertificates(chainPem);
  const top = certs[certs.length - 1];
  return top ? parseCertificate(top).issuerCn : undefined;
}

export function pickChain(chains: string[], preferredIssuerCn: string): string | undefined {
  return chains.find((c) => topIssuerCn(c) === preferredIssuerCn);
}
