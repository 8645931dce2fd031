// Certificate objects on the device: read them from the candidate config, generate a key + CSR on the
// box, read the CSRs (every pending one in one read, or one export), import certificates / key pairs /
// CA chain members, delete (reference 3-5).
import { isIP } from 'node:net';
import { DeviceError, errorMessage } from '../../core/errors.js';
import { certFingerprintSha256, parseCertificate } from '../../pki/index.js';
import type { CsrSpec } from '../../pki/types.js';
import type { PanosSession } from './api.js';
import { PanosApiError } from './envelope.js';
import type { PanosLocation } from './locations.js';
import { deriveCertName } from './names.js';
import { asArray, child, el, entryName, isNode, textEl, textOf, members } from './xml.js';

/** One `<entry>` under .../certificate, reduced to what fwcert uses. */
export interface CertEntry {
  name: string;
  /** `<public-key>`: despite the name, the PEM certificate. */
  certPem?: string;
  /** `<private-key>` non-empty, or the key is on an HSM. */
  hasKey: boolean;
  /** `<csr>`: a request generated on the box, waiting for its certificate. */
  csrPem?: string;
  isCa: boolean;
  /** `<algorithm>` (RSA / EC...), when the device shows it. */
  algorithm?: string;
  commonName?: string;
}

export function parseCertEntry(node: unknown): CertEntry | undefined {
  const name = entryName(node);
  if (!name || !isNode(node)) return undefined;
  const pem = (v: unknown) => {
    const t = textOf(v)?.trim();
    return t ? t : undefined;
  };
  const certPem = pem(node['public-key']);
  const csrPem = pem(node.csr);
  const hasKey = Boolean(pem(node['private-key'])) || textOf(node['private-key-on-hsm']) === 'yes';
  return {
    name,
    certPem,
    hasKey,
    csrPem,
    isCa: textOf(node.ca) === 'yes',
    algorithm: textOf(node.algorithm),
    commonName: textOf(node['common-name']),
  };
}

/**
 * `<entry>` elements of a config get on `<parent>` or `<parent>/entry[...]`: PAN-OS answers either
 * `<result><tag><entry/>...</tag></result>` or `<result><entry/></result>`.
 */
export function entriesIn(result: unknown, tag: string): unknown[] {
  if (!isNode(result)) return [];
  if (result.entry !== undefined) return asArray(result.entry);
  return asArray(child(result, tag, 'entry'));
}

export async function readCertificates(s: PanosSession, loc: PanosLocation): Promise<CertEntry[]> {
  const result = await s.configGet(loc.certificates, `read certificates (${loc.scope})`);
  return entriesIn(result, 'certificate')
    .map(parseCertEntry)
    .filter((e): e is CertEntry => e !== undefined);
}

export async function readCertificate(s: PanosSession, loc: PanosLocation, name: string): Promise<CertEntry | undefined> {
  const result = await s.configGet(loc.certificate(name), `read certificate ${name}`);
  return entriesIn(result, 'certificate')
    .map(parseCertEntry)
    .find((e) => e?.name === name);
}

/** The op command for `request certificate generate ... signed-by external` (key stays on the box). */
export function buildGenerateCmd(name: string, spec: CsrSpec): string {
  const cn = spec.subject.cn ?? spec.sans[0];
  if (!cn) throw new DeviceError(`CSR for ${name} needs a subject CN or at least one SAN`);
  const algorithm =
    spec.key.type === 'rsa'
      ? el('RSA', textEl('rsa-nbits', String(spec.key.size)))
      : el('ECDSA', textEl('ecdsa-nbits', spec.key.curve.slice(2)));
  // P-384/P-521 keys are paired with SHA-384, as a CA would expect.
  const digest = spec.key.type === 'ecdsa' && spec.key.curve !== 'P-256' ? 'sha384' : 'sha256';
  // Like a locally made CSR: the CN is also a SAN (browsers ignore the CN).
  const names = [...new Set([...(spec.subject.cn && !spec.sans.includes(spec.subject.cn) ? [spec.subject.cn] : []), ...spec.sans])];
  const ips = names.filter((n) => isIP(n) !== 0);
  const hosts = names.filter((n) => isIP(n) === 0);
  const sub = spec.subject;
  const parts = [
    textEl('certificate-name', name),
    textEl('name', cn),
    el('algorithm', algorithm),
    textEl('digest', digest),
    textEl('ca', 'no'),
    textEl('signed-by', 'external'),
    hosts.length ? el('hostname', members(hosts)) : '',
    ips.length ? el('ip', members(ips)) : '',
    sub.c ? textEl('country-code', sub.c) : '',
    sub.st ? textEl('state', sub.st) : '',
    sub.l ? textEl('locality', sub.l) : '',
    sub.o ? textEl('organization', sub.o) : '',
    sub.ou ? el('organization-unit', members([sub.ou])) : '',
    sub.email ? textEl('email', sub.email) : '',
  ];
  return el('request', el('certificate', el('generate', ...parts)));
}

export async function generateOnDevice(s: PanosSession, loc: PanosLocation, name: string, spec: CsrSpec): Promise<void> {
  await s.op(buildGenerateCmd(name, spec), loc.requestParams, { what: `generate key + CSR ${name}` });
}

const CSR_BLOCK = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----[\s\S]+?-----END (NEW )?CERTIFICATE REQUEST-----/;

/** The request PEM an entry's `<csr>` holds, if any. */
export function csrOfEntry(entry: CertEntry | undefined): string | undefined {
  const m = entry?.csrPem ? CSR_BLOCK.exec(entry.csrPem) : null;
  return m ? `${m[0]}\n` : undefined;
}

/**
 * Every pending request of the store in one read, by object name. A key + CSR generated on the box is
 * an entry of the candidate certificate store whose `<csr>` child holds the PEM request until the
 * signed certificate replaces it: `csr` is a string child of the certificate entry, in one variant
 * group with `public-key` (PaloAltoNetworks/pan-os-codegen specs/device/certificate.yaml, generated
 * from the device schema; pango device/certificate/entry.go reads `Csr` the same way), and
 * reference section 3 names this config get as the alternative to the pkcs10 export.
 * That the `<csr>` of an entry generated but not yet committed shows in a `get` (candidate) is
 * *(inferred)* from the generate op writing to the candidate config; a name the read does not show
 * with a request is exported by itself (exportCsr).
 */
export async function readPendingCsrs(s: PanosSession, loc: PanosLocation): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readCertificates(s, loc)) {
    const pem = e.certPem ? undefined : csrOfEntry(e);
    if (pem) out.set(e.name, pem);
  }
  return out;
}

/** The CSR as PEM: export format=pkcs10, or the entry's `<csr>` when the export yields no request. */
export async function exportCsr(s: PanosSession, loc: PanosLocation, name: string): Promise<string> {
  let exported = '';
  let exportError: unknown;
  try {
    exported = await s.exportFile({ category: 'certificate', 'certificate-name': name, format: 'pkcs10', ...loc.requestParams }, `export CSR ${name}`);
  } catch (e) {
    exportError = e;
  }
  const m = CSR_BLOCK.exec(exported);
  if (m) return `${m[0]}\n`;
  const fromConfig = csrOfEntry(await readCertificate(s, loc, name));
  if (fromConfig) return fromConfig;
  if (exportError) throw exportError;
  throw new DeviceError(`the device holds no certificate request named ${name}`);
}

function importParams(loc: PanosLocation, name: string, format: string, category: string): Record<string, string> {
  return { category, 'certificate-name': name, format, ...loc.requestParams };
}

/** One PEM certificate (no key) under `name`; completes a pending on-box CSR of the same name. */
export async function importCertificatePem(s: PanosSession, loc: PanosLocation, name: string, pem: string): Promise<void> {
  await s.importFile(importParams(loc, name, 'pem', 'certificate'), { filename: `${name}.pem`, content: pem }, `import certificate ${name}`);
}

/**
 * The private key of the certificate already imported under `name`: `category=private-key`,
 * `format=pem`, the key PEM encrypted with `passphrase` (reference section 4: PEM cert then PEM key
 * with the same name [ACME, PANGO ImportPem, CT]; the passphrase is required even for a plain key).
 */
export async function importPrivateKeyPem(s: PanosSession, loc: PanosLocation, name: string, encryptedKeyPem: string, passphrase: string): Promise<void> {
  await s.importFile(
    { ...importParams(loc, name, 'pem', 'private-key'), passphrase },
    { filename: `${name}.key`, content: encryptedKeyPem },
    `import private key ${name}`,
  );
}

/**
 * Imports every CA certificate of the chain as its own object (one per call), reusing an object that
 * already holds the same certificate. Returns the object names in chain order.
 */
export async function importChain(
  s: PanosSession,
  loc: PanosLocation,
  chainPem: readonly string[],
  existing: readonly CertEntry[],
  maxNameLength: number,
  log?: (msg: string) => void,
): Promise<string[]> {
  const byFingerprint = new Map<string, string>();
  const taken = new Set(existing.map((e) => e.name));
  for (const e of existing) {
    if (!e.certPem) continue;
    try {
      byFingerprint.set(certFingerprintSha256(e.certPem), e.name);
    } catch {
      // an unreadable certificate on the box is not ours to judge here
    }
  }
  const names: string[] = [];
  for (const pem of chainPem) {
    const fp = certFingerprintSha256(pem);
    const have = byFingerprint.get(fp);
    if (have) {
      names.push(have);
      continue;
    }
    const cn = parseCertificate(pem).subject.cn;
    let name = deriveCertName(cn, maxNameLength);
    if (taken.has(name)) name = deriveCertName(cn, maxNameLength, fp.replace(/:/g, '').slice(0, 8).toLowerCase());
    if (taken.has(name)) throw new DeviceError(`cannot find a free object name for CA certificate ${cn ?? fp}`);
    await importCertificatePem(s, loc, name, pem);
    log?.(`imported CA certificate ${name}`);
    taken.add(name);
    byFingerprint.set(fp, name);
    names.push(name);
  }
  return names;
}

/**
 * Deletes a certificate object; true when it existed. A code 7 on delete has been seen for objects
 * that do exist (pan-chainguard), so "not present" is double-checked and the delete sent once more.
 */
/** deleteCertificate for Target.remove(): a certificate still referenced by the configuration is
 *  reported as "still in use" (PAN-OS answers code 10 or names the reference). True when it existed. */
export async function removeCertificate(s: PanosSession, loc: PanosLocation, name: string, device: string): Promise<boolean> {
  try {
    return await deleteCertificate(s, loc, name);
  } catch (e) {
    if (e instanceof PanosApiError && (e.code === 10 || e.detail.some((l) => /reference|in use/i.test(l)))) {
      throw new DeviceError(`${device}: certificate ${name} is still in use and was not deleted: ${e.detail.join(' ') || errorMessage(e)}`, e.detail);
    }
    throw e;
  }
}

export async function deleteCertificate(s: PanosSession, loc: PanosLocation, name: string): Promise<boolean> {
  if (await s.configDelete(loc.certificate(name), `delete certificate ${name}`)) return true;
  if (!(await readCertificate(s, loc, name))) return false;
  if (await s.configDelete(loc.certificate(name), `delete certificate ${name} (again)`)) return true;
  throw new DeviceError(`delete certificate ${name}: the device answers "not present" but still lists the object; try again later`);
}
