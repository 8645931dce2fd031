// Certificate objects as PAN-OS stores them in the config (reference section 5): the entry
// children (common-name, subject, issuer, hashes, validity, expiry-epoch, algorithm, ca,
// public-key = the PEM certificate, private-key = a device-encrypted blob, csr while pending),
// object-name rules, and where certificate lists live (shared or a vsys).
import { randomBytes, X509Certificate } from 'node:crypto';
import { decryptPrivateKey, encryptPrivateKey, parseCertificate } from '../../pki/index.js';
import { loadPrivateKey } from '../../pki/keys.js';
import { DEVICE_ENTRY } from './config-store.js';
import { el, entryNamed, leaf, textOf, type XNode } from './xml-tree.js';
import { certNames } from './x509-names.js';
import { parseXpath, type Step } from './xpath.js';

/** Private keys never sit in the config in clear: they are encrypted with a per-device master key
 * (the real device shows an opaque blob). */
export class KeyVault {
  private readonly master = randomBytes(24).toString('base64');
  /** Blobs this vault sealed and their keys: unsealing one of them needs no key derivation (PBKDF2),
   *  which would otherwise cost the lab's CPU on every import; the blobs themselves are unchanged. */
  private readonly sealed = new Map<string, string>();

  seal(keyPem: string): string {
    const blob = Buffer.from(encryptPrivateKey(keyPem, this.master), 'utf8').toString('base64');
    // What unsealing gives back: the key as plain PKCS#8 PEM, whatever form it came in.
    this.sealed.set(blob, loadPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem' }) as string);
    return blob;
  }

  /** undefined when the blob is not one of ours (e.g. overwritten through the API). */
  unseal(blob: string | undefined): string | undefined {
    if (!blob) return undefined;
    const known = this.sealed.get(blob);
    if (known !== undefined) return known;
    try {
      return decryptPrivateKey(Buffer.from(blob, 'base64').toString('utf8'), this.master);
    } catch {
      return undefined;
    }
  }
}

/** Names: at most `max` characters (63 firewall / 31 Panorama), starting with a letter or digit;
 * `*` and leading `_` are refused [acme.sh #4309, KF Validators]. The allowed set (letters, digits,
 * space, `.`, `_`, `-`) is the usual PAN-OS object-name rule *(inferred)*. */
export function certNameProblem(name: string | undefined, max: number): string | undefined {
  if (name === undefined || name === '') return 'is missing';
  if (name.length > max) return `is too long (max ${max})`;
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/.test(name)) return 'is invalid';
  return undefined;
}

export function certListSteps(vsys: string | undefined): Step[] {
  if (!vsys || vsys === 'shared') return parseXpath('/config/shared/certificate');
  return [...parseXpath(DEVICE_ENTRY), { tag: 'vsys' }, { tag: 'entry', pred: { attr: 'name', value: vsys } }, { tag: 'certificate' }];
}

export function certEntrySteps(vsys: string | undefined, name: string): Step[] {
  return [...certListSteps(vsys), { tag: 'entry', pred: { attr: 'name', value: name } }];
}

export function algorithmLabel(certOrKeyType: string | undefined, ecLabel: string): string {
  return certOrKeyType === 'ec' ? ecLabel : 'RSA';
}

/** Entry for an imported or signed certificate. */
export function certificateEntry(name: string, certPem: string, keyBlob: string | undefined, ecLabel: string): XNode {
  const x = new X509Certificate(certPem);
  const info = parseCertificate(certPem);
  const names = certNames(certPem);
  const e = el('entry', { name }, [
    leaf('subject-hash', names.subject.hash),
    leaf('issuer-hash', names.issuer.hash),
    leaf('not-valid-before', x.validFrom),
    leaf('issuer', names.issuer.oneLine),
    leaf('not-valid-after', x.validTo),
    leaf('common-name', names.subject.commonName ?? ''),
    leaf('expiry-epoch', String(Math.floor(info.notAfter.getTime() / 1000))),
    leaf('ca', x.ca ? 'yes' : 'no'),
    leaf('subject', names.subject.oneLine),
    leaf('public-key', certPem.trim()),
    leaf('algorithm', algorithmLabel(x.publicKey.asymmetricKeyType, ecLabel)),
  ]);
  if (keyBlob) e.children.push(leaf('private-key', keyBlob));
  return e;
}

/** Entry for an on-box key pair waiting for its signed certificate (`signed-by external`): the request
 *  in `<csr>`, no `<public-key>` (one variant group of the entry schema: PaloAltoNetworks/pan-os-codegen
 *  specs/device/certificate.yaml), so a config get of the store shows every pending request. */
export function pendingCsrEntry(name: string, cn: string, subjectOneLine: string, algorithm: string, csrPem: string, keyBlob: string): XNode {
  return el('entry', { name }, [
    leaf('common-name', cn),
    leaf('subject', subjectOneLine),
    leaf('algorithm', algorithm),
    leaf('ca', 'no'),
    leaf('csr', csrPem.trim()),
    leaf('private-key', keyBlob),
  ]);
}

export interface CertObject {
  name: string;
  certPem?: string;
  csrPem?: string;
  keyBlob?: string;
  ca: boolean;
  commonName?: string;
}

export function readCertObject(entry: XNode): CertObject {
  const nonEmpty = (v: string | undefined) => (v && v.trim() !== '' ? v.trim() : undefined);
  const certPem = nonEmpty(textOf(entry, 'public-key'));
  const csrPem = nonEmpty(textOf(entry, 'csr'));
  const keyBlob = nonEmpty(textOf(entry, 'private-key'));
  const commonName = textOf(entry, 'common-name');
  return {
    name: entry.attrs.name ?? '',
    ...(certPem ? { certPem: `${certPem}\n` } : {}),
    ...(csrPem ? { csrPem: `${csrPem}\n` } : {}),
    ...(keyBlob ? { keyBlob } : {}),
    ca: textOf(entry, 'ca') === 'yes',
    ...(commonName !== undefined ? { commonName } : {}),
  };
}

/** Certificate lists of a config tree: shared, then each vsys. */
export function certificateLists(config: XNode): Array<{ location: string; list: XNode }> {
  const out: Array<{ location: string; list: XNode }> = [];
  const shared = config.children.find((c) => c.tag === 'shared')?.children.find((c) => c.tag === 'certificate');
  if (shared) out.push({ location: 'shared', list: shared });
  const devices = config.children.find((c) => c.tag === 'devices');
  const dev = entryNamed(devices, 'localhost.localdomain');
  const vsysList = dev?.children.find((c) => c.tag === 'vsys');
  for (const v of vsysList?.children ?? []) {
    const list = v.children.find((c) => c.tag === 'certificate');
    if (list) out.push({ location: v.attrs.name ?? 'vsys', list });
  }
  return out;
}

/** A certificate by name as a vsys sees it (its own list first, then shared); no vsys = shared only. */
export function findCertificate(config: XNode, name: string, vsys?: string): XNode | undefined {
  const lists = certificateLists(config);
  const order = [...lists.filter((l) => l.location === vsys), ...lists.filter((l) => l.location === 'shared')];
  for (const { list } of order) {
    const e = entryNamed(list, name);
    if (e) return e;
  }
  return undefined;
}
