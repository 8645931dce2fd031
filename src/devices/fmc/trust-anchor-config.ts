// `trust_anchors:` of a cisco-fmc-ftd device entry: CA certificates the FTD must trust (to validate VPN
// clients and peers), each kept as a Manual, "CA Only" enrollment object and trustpoint (seed 003). The
// files are read and checked at load, like tls.ca_file: one PEM certificate that is a CA (basicConstraints CA:true).
import { z } from 'zod';
import { parseCertificate, splitPemCertificates, type CertInfo } from '../../pki/index.js';
import type { OptionFiles } from '../target.js';
import { FMC_NAME, ObjectNames } from './names.js';

/** A CA certificate file is small; anything bigger is not one certificate. */
export const MAX_TRUST_ANCHOR_BYTES = 64 * 1024;

export const trustAnchorSchema = z.strictObject({
  /** The trustpoint's name (the FMC object is "<name>_<device>", like fwcert's other enrollment objects). */
  name: z.string().regex(FMC_NAME, 'letters, digits, ".", "_" or "-", starting with a letter or digit'),
  /** PEM file with exactly one CA certificate, relative to the configuration folder. */
  ca_file: z.string().min(1),
});

export interface TrustAnchor {
  name: string;
  ca_file: string;
  /** The certificate read at load. */
  caPem?: string;
}

/** Why `pem` is not exactly one CA certificate, or undefined. */
export function trustAnchorProblem(pem: string): string | undefined {
  const blocks = splitPemCertificates(pem);
  if (blocks.length !== 1) return `holds ${blocks.length} PEM certificates; a trust anchor is exactly one CA certificate (-----BEGIN CERTIFICATE----- ...)`;
  let cert: CertInfo;
  try {
    cert = parseCertificate(blocks[0]!);
  } catch {
    return 'is not a valid X.509 certificate';
  }
  if (!cert.isCa) return `holds ${cert.subjectDn}, which is not a CA certificate (basicConstraints CA:true)`;
  return undefined;
}

/** Load time: names fit the FMC's object names and are unique on the device; each file holds one CA certificate. */
export function loadTrustAnchors(anchors: TrustAnchor[], files: OptionFiles): TrustAnchor[] {
  const names = new ObjectNames(files.device);
  const seen = new Set<string>();
  return anchors.map((a, i) => {
    if (a.name.length > names.maxLength) {
      files.problem(['trust_anchors', i, 'name'], `"${a.name}" is too long: the FMC object "${names.toFmc(a.name)}" may have at most 64 characters (at most ${names.maxLength} for this device)`);
    }
    if (seen.has(a.name)) files.problem(['trust_anchors', i, 'name'], `"${a.name}" is listed twice`);
    seen.add(a.name);
    const text = files.read(a.ca_file, ['trust_anchors', i, 'ca_file'], MAX_TRUST_ANCHOR_BYTES);
    if (text === undefined) return a;
    const problem = trustAnchorProblem(text);
    if (problem) {
      files.problem(['trust_anchors', i, 'ca_file'], `${a.ca_file} ${problem}`);
      return a;
    }
    return { ...a, caPem: splitPemCertificates(text)[0]! };
  });
}

/** FMC object names of the trust anchors fwcert created for a device, kept in its ledger store (key "trust-anchors"). */
export function createdTrustAnchors(store: { get(key: string): string | undefined } | undefined): string[] {
  try {
    const v = JSON.parse(store?.get('trust-anchors') ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * A profile and a trust anchor of the same name would be the same FMC enrollment object "<name>_<device>":
 * the profile's PKCS12 upsert would overwrite the anchor's MANUAL object (or the other way round).
 */
export function trustAnchorNameClash(anchors: TrustAnchor[], device: string, profile: string): string | undefined {
  const i = anchors.findIndex((a) => a.name === profile);
  if (i < 0) return undefined;
  return `devices.${device}.trust_anchors.${i}.name is also "${profile}", and both would be the FMC enrollment object "${new ObjectNames(device).toFmc(profile)}"; rename the profile or the trust anchor`;
}
