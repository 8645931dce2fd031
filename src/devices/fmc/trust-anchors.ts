// Trust anchors on an FMC-managed FTD (seed 003, "Installing a Certificate Using Manual Enrollment" with
// "CA Only" checked): per anchor, a MANUAL enrollment object holding only the CA certificate, installed
// on the FTD as a trustpoint, kept equal to the configured file. The planner never sees them.
import { X509Certificate } from 'node:crypto';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { deleteEnrollment, INSTALL_API_VERSION, manageCertificate, upsertEnrollment } from './enrollments.js';
import type { FmcManager } from './manager.js';
import type { ObjectNames } from './names.js';
import type { TrustAnchor } from './trust-anchor-config.js';
import type { CertEnrollment, DeviceCertificate } from './types.js';

export interface TrustAnchorContext {
  device: string;
  deviceId: string;
  /** "FTD x" / "HA pair y", for messages. */
  label: string;
  manager: FmcManager;
  names: ObjectNames;
  /** The device's trustpoints as this run read them; undefined when the FMC cannot list them (< 7.4). */
  trustpoints: DeviceCertificate[] | undefined;
  taskOpts: (what: string) => { pollMs: number; timeoutMs: number; device: string; what: string };
  log: Logger;
  /** Remembers (in the ledger) an object fwcert created, so `run --remove-retired` may delete it later. */
  created(fmcName: string): void;
}

/**
 * The MANUAL, CA-only object. Wire fields from CiscoDevNet/terraform-provider-fmc
 * internal/provider/model_fmc_certificate_enrollment.go (manual_ca_only -> caCertificate.caOnly,
 * manual_ca_certificate -> caCertificate.base64Content; "Manual certificate creation is supported only
 * with manual_ca_only set to true"). base64Content carries the PEM text (reference §8); that the FMC
 * takes PEM rather than base64 of the file is inferred. validationUsage: the trustpoint validates IPsec
 * and SSL clients (seed 003's "Validation Usage"; inferred as the useful default for VPN clients and peers).
 */
export function manualCaEnrollment(fmcName: string, caPem: string, description: string): CertEnrollment {
  return {
    name: fmcName, type: 'CertEnrollment', enrollmentType: 'MANUAL', description,
    validationUsage: { ipsecClient: true, sslClient: true, sslServer: false },
    caCertificate: { caOnly: true, base64Content: caPem },
  };
}

/** SHA-256 of a certificate given as PEM, or as base64 of a PEM file or of DER (FMC base64Content); undefined when unreadable. Also compares internal certificate objects (known-key.ts). */
export function certFingerprint(content: unknown): string | undefined {
  if (typeof content !== 'string' || !content.trim()) return undefined;
  const tryParse = (x: string | Buffer) => {
    try {
      return new X509Certificate(x).fingerprint256;
    } catch {
      return undefined;
    }
  };
  if (content.includes('-----BEGIN CERTIFICATE-----')) return tryParse(content);
  const raw = Buffer.from(content.replace(/\s+/g, ''), 'base64');
  return tryParse(raw.toString('latin1').includes('-----BEGIN CERTIFICATE-----') ? raw.toString('latin1') : raw);
}

/** Before 7.7 the operator adds (or re-enrolls) the trustpoint in the UI; the same text each run until done. */
function owedText(ctx: TrustAnchorContext, fmcName: string): string {
  return `${ctx.device}: FMC ${ctx.manager.versionText} has no API to install certificates on devices (devices/operational/managecertificates needs FMC 7.7). ` +
    `The Manual (CA only) enrollment object ${fmcName} is up to date: in the FMC open Devices > Certificates, click Add, choose ${ctx.label} and ${fmcName} ` +
    '(or Re-enroll it if it is already listed), then run fwcert again';
}

/** Makes every anchor's object and trustpoint match its file; `changed` when anything was written. */
export async function convergeTrustAnchors(anchors: TrustAnchor[], ctx: TrustAnchorContext): Promise<{ changed: boolean; problems: string[] }> {
  let changed = false;
  const problems: string[] = [];
  const api = ctx.manager.api;
  for (const a of anchors) {
    if (!a.caPem) continue;
    const fmcName = ctx.names.toFmc(a.name);
    const want = certFingerprint(a.caPem);
    try {
      const obj = await ctx.manager.enrollments.get(fmcName);
      if (obj && obj.enrollmentType !== 'MANUAL') {
        problems.push(`${ctx.device}: trust anchor ${a.name}: the FMC already has a ${obj.enrollmentType} enrollment object named ${fmcName}; rename the trust anchor`);
        continue;
      }
      let objectChanged = false;
      let id = obj?.id;
      if (!obj || certFingerprint(obj.caCertificate?.base64Content) !== want) {
        const saved = await upsertEnrollment(api, ctx.manager.enrollments, manualCaEnrollment(fmcName, a.caPem, `fwcert: trust anchor ${a.name} (${a.ca_file}) for ${ctx.label}`));
        id = saved.id;
        if (!obj) ctx.created(fmcName);
        objectChanged = changed = true;
        ctx.log.info(`${ctx.device}: ${obj ? 'updated' : 'created'} the Manual (CA only) enrollment object ${fmcName}`);
      }
      const tp = ctx.trustpoints?.find((t) => t.name === fmcName);
      const held = (tp?.caCertificates ?? []).map((c) => certFingerprint(c.certificateContent)).filter((f) => f !== undefined);
      // Without certificate content in the trustpoint, an object unchanged this run is taken as installed.
      if (tp && (held.length ? held.includes(want!) : !objectChanged)) continue;
      if (!ctx.trustpoints && !objectChanged) continue;
      if (ctx.manager.version < INSTALL_API_VERSION) {
        problems.push(owedText(ctx, fmcName));
        continue;
      }
      const action = tp ? 'REENROLL' : 'ENROLL';
      await manageCertificate(api, action, ctx.deviceId, id!, ctx.taskOpts(`installing trust anchor ${fmcName} on ${ctx.label}`));
      changed = true;
      ctx.log.info(`${ctx.device}: trust anchor ${fmcName} ${tp ? 're-enrolled' : 'enrolled'} on ${ctx.label}`);
    } catch (e) {
      problems.push(`${ctx.device}: trust anchor ${a.name}: ${errorMessage(e).replace(`${ctx.device}: `, '')}`);
    }
  }
  return { changed, problems };
}

/** What the operator must do before 7.7 to take a trustpoint off a device (no API for it). */
export function owedDeleteText(ctx: Pick<TrustAnchorContext, 'device' | 'label' | 'manager'>, fmcName: string): string {
  return `${ctx.device}: the trust anchor ${fmcName} is no longer configured, but FMC ${ctx.manager.versionText} has no API to delete certificates from devices ` +
    `(devices/operational/managecertificates needs FMC 7.7): in the FMC open Devices > Certificates and delete ${fmcName} from ${ctx.label}, then run \`fwcert run --remove-retired\` again`;
}

/**
 * `run --remove-retired`: the Manual objects fwcert created (`created`, from the ledger) that the device
 * entry no longer lists are taken off the FTD (managecertificates DELETE, FMC 7.7) and deleted. Objects
 * fwcert did not create are left alone. Returns what went and what is owed; `forget` drops a name from
 * the ledger once its object is gone.
 */
export async function retireTrustAnchors(
  created: string[], keep: Set<string>, ctx: TrustAnchorContext, dryRun: boolean, forget: (fmcName: string) => void,
): Promise<{ removed: string[]; wouldRemove: string[]; problems: string[] }> {
  const out = { removed: [] as string[], wouldRemove: [] as string[], problems: [] as string[] };
  for (const fmcName of created.filter((n) => !keep.has(n))) {
    const obj = await ctx.manager.enrollments.get(fmcName);
    const tp = ctx.trustpoints?.find((t) => t.name === fmcName);
    if (!obj && !tp) {
      if (!dryRun) forget(fmcName);
      continue;
    }
    if (dryRun) {
      out.wouldRemove.push(fmcName);
      continue;
    }
    try {
      if (tp) {
        if (ctx.manager.version < INSTALL_API_VERSION) {
          out.problems.push(owedDeleteText(ctx, fmcName));
          continue;
        }
        if (obj?.id) await manageCertificate(ctx.manager.api, 'DELETE', ctx.deviceId, obj.id, ctx.taskOpts(`deleting trust anchor ${fmcName} from ${ctx.label}`));
      }
      if (obj?.id) await deleteEnrollment(ctx.manager.api, ctx.manager.enrollments, obj);
      forget(fmcName);
      out.removed.push(fmcName);
      ctx.log.info(`${ctx.device}: removed the trust anchor ${fmcName}, no longer configured`);
    } catch (e) {
      // FMC < 7.4 lists no trustpoints: an object still installed is refused; the UI step is owed.
      out.problems.push(ctx.manager.version < INSTALL_API_VERSION ? owedDeleteText(ctx, fmcName) : `${ctx.device}: removing the trust anchor ${fmcName}: ${errorMessage(e).replace(`${ctx.device}: `, '')}`);
    }
  }
  return out;
}
