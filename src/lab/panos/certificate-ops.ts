// Certificate operations of the XML API: on-box key + CSR generation (op `request certificate
// generate`, section 3), exports (type=export, pkcs10/pem/pkcs12, sections 3 and 5) and imports
// (type=import, certificate/private-key/keypair in PEM or PKCS#12, section 4). All of them work on
// the candidate config, like the device: a generated or imported object needs a commit to be used.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import {
  encryptPrivateKey,
  fromPkcs12,
  generateKeyPair,
  keyMatchesCertificate,
  splitPemCertificates,
  toPkcs12,
  type KeySpec,
} from '../../pki/index.js';
import {
  algorithmLabel,
  certEntrySteps,
  certListSteps,
  certNameProblem,
  certificateEntry,
  pendingCsrEntry,
  readCertObject,
  type CertObject,
  type KeyVault,
} from './cert-entry.js';
import type { ConfigStore } from './config-store.js';
import { ApiError, Code, fileResponse, successMsg, successResult, type ApiResponse } from './envelope.js';
import type { PanosKnobs } from './knobs.js';
import { makeOnboxCsr, signOnbox, subjectOneLine, type Digest, type OnboxRequest } from './onbox-x509.js';
import type { ApiParams } from './params.js';
import { escapeText, memberValues, textOf, child, type XNode } from './xml-tree.js';
import { ensurePath, select } from './xpath.js';

export interface CertOpsContext {
  store: ConfigStore;
  vault: KeyVault;
  knobs: PanosKnobs;
  admin: string;
}

function invalid(path: string, value: string, why = 'is invalid'): ApiError {
  return new ApiError(Code.INVALID_COMMAND, [` ${path} '${value}' ${why}`]);
}

function vsysParam(ctx: CertOpsContext, vsys: string | undefined): string | undefined {
  if (!vsys || vsys === 'shared') return undefined;
  const exists = select(ctx.store.candidate, certListSteps(vsys).slice(0, -1)).length > 0;
  if (!exists) throw new ApiError(Code.INVALID_COMMAND, [` vsys '${vsys}' is invalid`]);
  return vsys;
}

function findEntry(config: XNode, vsys: string | undefined, name: string): XNode | undefined {
  return select(config, certEntrySteps(vsys, name))[0];
}

/** Replaces or appends the entry in the candidate's certificate list and records who did it. */
function storeEntry(ctx: CertOpsContext, vsys: string | undefined, entry: XNode): void {
  const list = ensurePath(ctx.store.candidate, certListSteps(vsys));
  const i = list.children.findIndex((c) => c.tag === 'entry' && c.attrs.name === entry.attrs.name);
  if (i >= 0) list.children[i] = entry;
  else list.children.push(entry);
  ctx.store.touch(ctx.admin, certEntrySteps(vsys, entry.attrs.name!));
}

// ---- request certificate generate --------------------------------------------------------------

const RSA_BITS: Record<string, KeySpec> = {
  '2048': { type: 'rsa', size: 2048 },
  '3072': { type: 'rsa', size: 3072 },
  '4096': { type: 'rsa', size: 4096 },
};
const EC_BITS: Record<string, KeySpec> = {
  '256': { type: 'ecdsa', curve: 'P-256' },
  '384': { type: 'ecdsa', curve: 'P-384' },
  '521': { type: 'ecdsa', curve: 'P-521' },
};

function listOrText(n: XNode | undefined): string[] {
  if (!n) return [];
  return n.children.length ? memberValues(n) : n.text ? [n.text] : [];
}

function parseKeySpec(gen: XNode): KeySpec {
  const alg = child(gen, 'algorithm');
  if (!alg) return { type: 'rsa', size: 2048 };
  const rsa = child(alg, 'RSA');
  const ec = child(alg, 'ECDSA');
  const P = 'request -> certificate -> generate -> algorithm';
  if (rsa) {
    const bits = textOf(rsa, 'rsa-nbits') ?? '2048';
    // PAN-OS offers 512..4096; the emulator makes what fwcert can use.
    const spec = RSA_BITS[bits];
    if (!spec) throw invalid(`${P} -> RSA -> rsa-nbits`, bits);
    return spec;
  }
  if (ec) {
    const bits = textOf(ec, 'ecdsa-nbits') ?? '256';
    const spec = EC_BITS[bits];
    if (!spec) throw invalid(`${P} -> ECDSA -> ecdsa-nbits`, bits);
    return spec;
  }
  throw new ApiError(Code.INVALID_COMMAND, [` ${P} is invalid`]);
}

export async function generateCertificate(ctx: CertOpsContext, gen: XNode, vsysRaw: string | undefined): Promise<ApiResponse> {
  const P = 'request -> certificate -> generate';
  const vsys = vsysParam(ctx, vsysRaw);
  const name = textOf(gen, 'certificate-name') ?? '';
  const problem = certNameProblem(name, ctx.knobs.maxNameLength);
  if (problem) throw invalid(`${P} -> certificate-name`, name, problem);
  const cn = textOf(gen, 'name');
  if (!cn) throw new ApiError(Code.INVALID_COMMAND, [` ${P} -> name is missing`]);
  if (findEntry(ctx.store.candidate, vsys, name)) {
    // *(inferred)* the reference does not say what a duplicate name does; refusing protects the old key.
    throw new ApiError(Code.INVALID_COMMAND, [` ${P} -> certificate-name '${name}' already exists`]);
  }
  const key = parseKeySpec(gen);
  const digest = (textOf(gen, 'digest') ?? 'sha256') as Digest;
  if (!['sha1', 'sha256', 'sha384', 'sha512'].includes(digest)) throw invalid(`${P} -> digest`, digest);
  const days = Number(textOf(gen, 'days-till-expiry') ?? '365');
  if (!Number.isInteger(days) || days < 1 || days > 7300) throw invalid(`${P} -> days-till-expiry`, String(textOf(gen, 'days-till-expiry')));
  const email = textOf(gen, 'email');
  const req: OnboxRequest = {
    cn,
    subject: {
      ...(textOf(gen, 'country-code') ? { c: textOf(gen, 'country-code')! } : {}),
      ...(textOf(gen, 'state') ? { st: textOf(gen, 'state')! } : {}),
      ...(textOf(gen, 'locality') ? { l: textOf(gen, 'locality')! } : {}),
      ...(textOf(gen, 'organization') ? { o: textOf(gen, 'organization')! } : {}),
      ou: listOrText(child(gen, 'organization-unit')),
      ...(email ? { email } : {}),
    },
    dns: listOrText(child(gen, 'hostname')),
    ips: listOrText(child(gen, 'ip')),
    emails: listOrText(child(gen, 'alt-email')),
    digest,
    ca: textOf(gen, 'ca') === 'yes',
    days,
  };
  const signedBy = textOf(gen, 'signed-by');
  let issuer: { certPem: string; keyPem: string } | undefined;
  if (signedBy && signedBy !== 'external') {
    const ca = findEntry(ctx.store.candidate, vsys, signedBy) ?? findEntry(ctx.store.candidate, undefined, signedBy);
    const obj = ca ? readCertObject(ca) : undefined;
    const caKey = ctx.vault.unseal(obj?.keyBlob);
    if (!obj?.certPem || !obj.ca || !caKey) throw invalid(`${P} -> signed-by`, signedBy);
    issuer = { certPem: obj.certPem, keyPem: caKey };
  }
  const pair = await generateKeyPair(key);
  const blob = ctx.vault.seal(pair.privateKeyPem);
  const alg = algorithmLabel(key.type === 'rsa' ? 'rsa' : 'ec', ctx.knobs.ecAlgorithmLabel);
  let entry: XNode;
  if (signedBy === 'external') {
    // Key stays on the box; the CSR waits for the signed certificate [KF "ODKG", OTTR].
    const csr = await makeOnboxCsr(req, pair.privateKeyPem);
    entry = pendingCsrEntry(name, cn, subjectOneLine(req), alg, csr, blob);
  } else {
    // No signer: self-signed (the device's default) *(inferred)*; a CA object name: signed on the box.
    const cert = await signOnbox(req, pair.privateKeyPem, issuer);
    entry = certificateEntry(name, cert, blob, ctx.knobs.ecAlgorithmLabel);
  }
  storeEntry(ctx, vsys, entry);
  // Clients only check the status [GW, OTTR, KF]; the text is *(inferred)*.
  return successResult(escapeText(`Successfully generated certificate ${name}`));
}

// ---- type=export --------------------------------------------------------------------------------

export function exportCertificate(ctx: CertOpsContext, params: ApiParams): ApiResponse {
  const category = params.get('category');
  if (category !== 'certificate') throw new ApiError(Code.BAD_REQUEST, [`Invalid or unsupported export category '${category ?? ''}'`]);
  const name = params.get('certificate-name');
  if (!name) throw new ApiError(Code.BAD_REQUEST, ['Missing required parameter certificate-name']);
  const vsys = vsysParam(ctx, params.get('vsys'));
  const entry = findEntry(ctx.store.candidate, vsys, name);
  // Code for a missing object in an export: 13 "Object not found" fits the table *(inferred)*.
  if (!entry) throw new ApiError(Code.OBJECT_NOT_FOUND, [`Certificate ${name} does not exist`]);
  const obj = readCertObject(entry);
  const format = params.get('format') ?? 'pem';
  const base = name.toLowerCase(); // file name: lower-cased object name + extension [PY test]
  if (format === 'pkcs10') {
    if (!obj.csrPem) throw new ApiError(Code.INVALID_COMMAND, [`Certificate ${name} has no certificate signing request`]);
    return fileResponse(`${base}.csr`, obj.csrPem);
  }
  if (!obj.certPem) throw new ApiError(Code.INVALID_COMMAND, [`Certificate ${name} has no certificate (signing request pending)`]);
  const includeKey = params.get('include-key') === 'yes';
  const passphrase = params.get('passphrase');
  if (format === 'pem') {
    if (!includeKey) return fileResponse(`${base}.pem`, obj.certPem);
    const keyPem = keyForExport(ctx, obj, passphrase);
    return fileResponse(`${base}.pem`, obj.certPem + encryptPrivateKey(keyPem, passphrase!));
  }
  if (format === 'pkcs12') {
    const keyPem = keyForExport(ctx, obj, passphrase);
    return fileResponse(`${base}.p12`, toPkcs12({ keyPem, certPem: obj.certPem, passphrase: passphrase! }));
  }
  throw new ApiError(Code.BAD_REQUEST, [`Invalid export format '${format}'`]);
}

/** include-key=yes requires a passphrase [ANS panos_export]. */
function keyForExport(ctx: CertOpsContext, obj: CertObject, passphrase: string | undefined): string {
  if (!passphrase) throw new ApiError(Code.BAD_REQUEST, ['Missing required parameter passphrase']);
  const keyPem = ctx.vault.unseal(obj.keyBlob);
  if (!keyPem) throw new ApiError(Code.INVALID_COMMAND, [`Certificate ${obj.name} has no private key`]);
  return keyPem;
}

// ---- type=import --------------------------------------------------------------------------------

interface Bundle {
  certs: string[];
  keyPem?: string;
}

function importFailed(name: string, why: string): ApiError {
  // "Import of <name> failed. <why>" (pan-os-ansible #399/#555); no code attribute seen there.
  return new ApiError(undefined, [`Import of ${name} failed. ${why}`]);
}

const KEY_BLOCK = /-----BEGIN (ENCRYPTED |RSA |EC )?PRIVATE KEY-----[\s\S]*?-----END \1?PRIVATE KEY-----/;

function readBundle(name: string, format: string, data: Buffer, passphrase: string | undefined): Bundle {
  if (format === 'pkcs12') {
    if (!passphrase) throw importFailed(name, 'passphrase is required for PKCS12');
    try {
      const p = fromPkcs12(data, passphrase);
      return { certs: [p.certPem, ...p.chainPem], keyPem: p.keyPem };
    } catch {
      throw importFailed(name, 'Failed to decrypt or parse PKCS12 file (wrong passphrase?)');
    }
  }
  const text = data.toString('utf8');
  const certs = splitPemCertificates(text);
  const keyMatch = KEY_BLOCK.exec(text);
  if (!keyMatch) return { certs };
  try {
    const keyPem = createPrivateKey({ key: keyMatch[0], format: 'pem', ...(passphrase ? { passphrase } : {}) })
      .export({ type: 'pkcs8', format: 'pem' })
      .toString();
    return { certs, keyPem };
  } catch {
    throw importFailed(name, 'Failed to decrypt private key (wrong passphrase?)');
  }
}

function assertUsableCert(ctx: CertOpsContext, name: string, pem: string): void {
  let x: X509Certificate;
  try {
    x = new X509Certificate(pem);
  } catch {
    throw importFailed(name, 'Failed to extract certificate');
  }
  if (ctx.knobs.rejectExpiredImport && new Date(x.validTo).getTime() < Date.now()) throw importFailed(name, 'Certificate is expired');
}

export async function importCertificate(ctx: CertOpsContext, params: ApiParams): Promise<ApiResponse> {
  const category = params.get('category') ?? '';
  if (!['certificate', 'private-key', 'keypair'].includes(category)) {
    throw new ApiError(Code.BAD_REQUEST, [`Invalid or unsupported import category '${category}'`]);
  }
  const name = params.get('certificate-name');
  const problem = certNameProblem(name, ctx.knobs.maxNameLength);
  // Code 17 + CLI-path text, as in acme.sh #4309.
  if (problem) throw invalid(`upload -> ${category} -> certificate-name`, name ?? '', problem);
  const format = params.get('format');
  if (format !== 'pem' && format !== 'pkcs12') throw new ApiError(Code.BAD_REQUEST, [`Invalid or missing format '${format ?? ''}'`]);
  const file = params.file('file');
  if (!file) throw new ApiError(Code.BAD_REQUEST, ['Missing file part "file"']);
  const passphrase = params.get('passphrase');
  const needsKey = category !== 'certificate' || format === 'pkcs12';
  if (needsKey) {
    // Required even for an unencrypted key [JAL README], 6 characters minimum (acme.sh 21450a08).
    if (!passphrase) throw invalid(`upload -> ${category} -> passphrase`, '', 'is missing');
    if (passphrase.length < ctx.knobs.passphraseMinLength) throw invalid(`upload -> ${category} -> passphrase`, '******', 'is too short');
  }
  const vsys = vsysParam(ctx, params.get('vsys'));
  const bundle = readBundle(name!, format, file.data, passphrase);
  const existing = findEntry(ctx.store.candidate, vsys, name!);
  const prev = existing ? readCertObject(existing) : undefined;
  const seal = (k: string) => ctx.vault.seal(k);
  const ec = ctx.knobs.ecAlgorithmLabel;

  if (category === 'private-key') {
    if (!bundle.keyPem) throw importFailed(name!, 'Failed to extract private key');
    if (!prev?.certPem) throw importFailed(name!, `certificate ${name} does not exist`);
    // acme.sh #4716: the key import of a non-matching key succeeded (knob makes it strict).
    if (ctx.knobs.privateKeyImportChecksPair && !keyMatchesCertificate(bundle.keyPem, prev.certPem)) {
      throw importFailed(name!, 'private key does not match the certificate');
    }
    storeEntry(ctx, vsys, certificateEntry(name!, prev.certPem, seal(bundle.keyPem), ec));
  } else {
    const leaf = bundle.certs[0];
    if (!leaf) throw importFailed(name!, 'Failed to extract certificate');
    assertUsableCert(ctx, name!, leaf);
    let keyBlob: string | undefined;
    if (category === 'keypair' || (format === 'pkcs12' && bundle.keyPem)) {
      if (!bundle.keyPem) throw importFailed(name!, 'Failed to extract private key');
      // The first certificate must be the key's (PKCS12 bundles led by another cert failed, PSIRI a2cbfd46).
      if (!keyMatchesCertificate(bundle.keyPem, leaf)) throw importFailed(name!, "private key doesn't match the certificate");
      keyBlob = seal(bundle.keyPem);
    } else if (prev?.keyBlob) {
      // A certificate alone under a name that holds a key (pending CSR or older cert): the key stays
      // and must pair with the new certificate (pairing is by name, reference section 4).
      const onBox = ctx.vault.unseal(prev.keyBlob);
      const matches = onBox !== undefined && keyMatchesCertificate(onBox, leaf);
      if (!matches && (prev.csrPem || ctx.knobs.certImportRequiresMatchingKey)) throw importFailed(name!, "private key doesn't exist for csr");
      keyBlob = prev.keyBlob; // with the knob off a mismatched pair is kept, as the device does not check
    }
    storeEntry(ctx, vsys, certificateEntry(name!, leaf, keyBlob, ec));
  }
  // Clients only check the status [ANS, GW, KF]; wording *(inferred)*.
  return successMsg(`Successfully imported ${name} into candidate configuration`);
}
