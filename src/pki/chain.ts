// Orders a bag of certificates into leaf -> issuer -> ... -> root. CAs hand out root-first
// bundles (Sectigo x509IO), devices and PKCS#12 files leaf-first or shuffled; installs need
// leaf first (PAN-OS rejects bundles that lead with the wrong certificate).
import type { X509Certificate } from 'node:crypto';
import { nativeCertificate } from './certificate.js';
import { Memo } from './memo.js';
import { splitPemCertificates } from './pem.js';

interface Node {
  pem: string;
  cert: X509Certificate;
}

// The same CA certificates come with every issued certificate: parse each once and check each
// (child, issuer) signature once (see memo.ts).
const verdicts = new Memo<boolean>(4096);

/** True when `parent` issued `child`: names/AKI match (OpenSSL's rules) and the signature verifies. */
function issuedBy(child: Node, parent: Node): boolean {
  if (child === parent) return false;
  return verdicts.get(`${child.cert.fingerprint256} ${parent.cert.fingerprint256}`, () => {
    try {
      return child.cert.checkIssued(parent.cert) && child.cert.verify(parent.cert.publicKey);
    } catch {
      return false;
    }
  });
}

function isSelfIssued(n: Node): boolean {
  return n.cert.subject === n.cert.issuer;
}

/** Same CA in another form (re-issued or cross-signed): same subject and same key. */
function sameCa(a: Node, b: Node): boolean {
  return a.cert.subject === b.cert.subject && a.cert.publicKey.equals(b.cert.publicKey);
}

function label(n: Node): string {
  return `"${n.cert.subject.replace(/\n/g, ', ')}"`;
}

/**
 * Leaf first, then each issuer in turn. Accepts any order and bundles with several blocks per
 * string; drops exact duplicates and alternative (cross-signed) paths: with several issuers of
 * the same name and key, the first that continues the chain wins.
 * Throws when the set is empty or is not one chain (two leaves, or a stray certificate).
 */
export function orderChain(pems: string[]): { leaf: string; chain: string[] } {
  const nodes: Node[] = [];
  const seen = new Set<string>();
  for (const pem of pems.flatMap((p) => splitPemCertificates(p))) {
    let cert: X509Certificate;
    try {
      cert = nativeCertificate(pem);
    } catch {
      throw new Error('certificate chain: one of the certificates cannot be parsed');
    }
    if (seen.has(cert.fingerprint256)) continue;
    seen.add(cert.fingerprint256);
    nodes.push({ pem, cert });
  }
  if (nodes.length === 0) throw new Error('certificate chain: no certificates given');

  // A leaf is the certificate that issued none of the others.
  const leaves = nodes.filter((n) => !nodes.some((o) => issuedBy(o, n)));
  if (leaves.length === 0) throw new Error('certificate chain: no end certificate (every certificate issued another one)');
  if (leaves.length > 1) {
    throw new Error(`certificate chain: not one chain, ${leaves.length} end certificates: ${leaves.map(label).join(', ')}`);
  }

  const ordered: Node[] = [leaves[0]!];
  const used = new Set<Node>(ordered);
  for (let cur = leaves[0]!; !isSelfIssued(cur); ) {
    const candidates = nodes.filter((n) => !used.has(n) && issuedBy(cur, n));
    if (candidates.length === 0) break;
    // Prefer a cross-signed copy over a self-signed one: it leads further up.
    const next = candidates.find((c) => !isSelfIssued(c)) ?? candidates[0]!;
    ordered.push(next);
    used.add(next);
    cur = next;
  }

  // What is left is an alternative path (a cross-signed copy of a CA on the chain and whatever
  // issued that copy), which is dropped, or a certificate unrelated to this leaf, which is an error.
  const related = new Set<Node>(ordered);
  for (let grew = true; grew; ) {
    grew = false;
    for (const n of nodes) {
      if (related.has(n)) continue;
      if ([...related].some((r) => sameCa(r, n) || issuedBy(r, n))) {
        related.add(n);
        grew = true;
      }
    }
  }
  const stray = nodes.find((n) => !related.has(n));
  if (stray) throw new Error(`certificate chain: ${label(stray)} is not an issuer of ${label(ordered[0]!)}`);
  return { leaf: ordered[0]!.pem, chain: ordered.slice(1).map((n) => sharedCaPems.get(n.pem, () => n.pem)) };
}

/** One string per CA certificate: every issued certificate brings the same chain, and a run holds
 *  thousands of issued certificates at once while they wait for their device (memory, not speed). */
const sharedCaPems = new Memo<string>(256);
