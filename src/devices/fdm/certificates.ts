// Internal certificates (leaf + key) and the external CA objects that hold their chain (reference §3).
import { X509Certificate } from 'node:crypto';
import { DeviceError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { certFingerprintSha256, keyMatchesCertificate, parseCertificate } from '../../pki/index.js';
import { FdmApiError } from './errors.js';
import { caObjectName, uniqueName } from './names.js';
import type { FdmObjects } from './objects.js';
import { toFdmPrivateKey } from './private-key.js';
import { OBJECT_PATHS, toRef, type ExternalCaCertificate, type FdmRef, type InternalCertificate } from './types.js';

/** GET may mask `cert` as "*********" (spec-v2 default); only a real PEM can be compared or parsed. */
export function isPem(value: unknown): value is string {
  return typeof value === 'string' && value.includes('-----BEGIN CERTIFICATE-----');
}

function fingerprint(pem: string): string | undefined {
  try {
    return certFingerprintSha256(pem).replace(/:/g, '').toUpperCase();
  } catch {
    return undefined;
  }
}

/** The issuer of `child` among `candidates`, checked by signature, not only by name. */
function findIssuer(child: X509Certificate, candidates: { cert: X509Certificate; obj: ExternalCaCertificate }[]) {
  return candidates.find((c) => {
    try {
      return child.checkIssued(c.cert) && child.verify(c.cert.publicKey);
    } catch {
      return false;
    }
  });
}

export class FdmCertificates {
  /** Chain CA refs of the certificates installed by this session, for the web UI trustChain. */
  private readonly chainByName = new Map<string, FdmRef[]>();

  constructor(
    private readonly objects: FdmObjects,
    private readonly device: string,
    private readonly log: Logger,
  ) {}

  list(): Promise<InternalCertificate[]> {
    return this.objects.listAll<InternalCertificate>(OBJECT_PATHS.internalCertificates);
  }

  find(name: string): Promise<InternalCertificate | undefined> {
    return this.objects.findByName<InternalCertificate>(OBJECT_PATHS.internalCertificates, name);
  }

  async require(name: string): Promise<InternalCertificate> {
    const cert = await this.find(name);
    if (!cert) throw new DeviceError(`${this.device}: there is no internal certificate named "${name}"`);
    return cert;
  }

  /** The name behind a reference; FDM refs usually carry it, but it is optional in the model. */
  async nameOf(ref: FdmRef): Promise<string | undefined> {
    if (ref.name) return ref.name;
    try {
      return (await this.objects.get<InternalCertificate>(OBJECT_PATHS.internalCertificates, ref.id)).name;
    } catch (e) {
      if (e instanceof FdmApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  /**
   * Create the internal certificate `name` (certType UPLOAD) after making sure every chain certificate
   * exists as an external CA object. An object of that name holding the same certificate counts as done
   * (a retried run); one holding another certificate is an error, never overwritten.
   */
  async install(name: string, leafPem: string, chainPem: string[], keyPem: string): Promise<InternalCertificate> {
    const privateKey = toFdmPrivateKey(this.device, keyPem);
    if (!keyMatchesCertificate(keyPem, leafPem)) {
      throw new DeviceError(`${this.device}: the private key does not belong to the certificate for "${name}"; nothing was installed`);
    }
    const leafFp = fingerprint(leafPem);
    const chain = await this.ensureCaObjects(chainPem.filter((pem) => fingerprint(pem) !== leafFp));
    let created: InternalCertificate;
    try {
      created = await this.objects.create<InternalCertificate>(OBJECT_PATHS.internalCertificates, {
        name,
        type: 'internalcertificate',
        certType: 'UPLOAD',
        cert: leafPem,
        privateKey,
      });
    } catch (e) {
      if (!(e instanceof FdmApiError) || !e.has('duplicateName')) throw e;
      const existing = await this.find(name);
      if (existing && isPem(existing.cert) && fingerprint(existing.cert) === leafFp) {
        this.log.info(`${this.device}: internal certificate ${name} already holds this certificate; keeping it`);
        this.chainByName.set(name, chain);
        return existing;
      }
      throw new DeviceError(
        `${this.device}: an internal certificate named "${name}" already exists and holds a different certificate; ` +
          'fwcert does not overwrite objects: delete or rename it in FDM, or use another profile name',
        e.descriptions,
      );
    }
    this.chainByName.set(name, chain);
    this.log.info(`${this.device}: created internal certificate ${name} with ${chain.length} chain CA object(s)`);
    return created;
  }

  /**
   * One external CA object per chain certificate: an existing object with the same certificate (SHA-256
   * fingerprint of `cert`) is reused, whatever its name; else one is created under a name derived from the
   * subject CN. When `cert` is masked, the derived name (which embeds the fingerprint) identifies our objects.
   */
  async ensureCaObjects(chainPem: string[]): Promise<FdmRef[]> {
    if (!chainPem.length) return [];
    const existing = await this.objects.listAll<ExternalCaCertificate>(OBJECT_PATHS.externalCaCertificates);
    const taken = new Set(existing.map((o) => o.name));
    const refs: FdmRef[] = [];
    for (const pem of chainPem) {
      const fp = fingerprint(pem);
      if (!fp) throw new DeviceError(`${this.device}: a chain certificate is not a readable PEM certificate`);
      const wanted = caObjectName(parseCertificate(pem).subject.cn, fp);
      const same = existing.find((o) => (isPem(o.cert) ? fingerprint(o.cert) === fp : o.name === wanted));
      if (same) {
        this.log.debug(`${this.device}: chain CA ${same.name} already present; reusing it`);
        if (!refs.some((r) => r.id === same.id)) refs.push(toRef(same));
        continue;
      }
      const name = uniqueName(wanted, taken);
      const created = await this.objects.create<ExternalCaCertificate>(OBJECT_PATHS.externalCaCertificates, {
        name,
        type: 'externalcacertificate',
        cert: pem,
      });
      taken.add(name);
      existing.push({ ...created, cert: pem });
      refs.push(toRef(created));
      this.log.info(`${this.device}: created external CA certificate ${name}`);
    }
    return refs;
  }

  /**
   * The external CA objects that chain `cert` up: what install() used in this session, else rebuilt from
   * the device by signature (leaf -> issuer -> ...). Empty when FDM masks the PEMs.
   */
  async chainRefsFor(cert: InternalCertificate): Promise<FdmRef[]> {
    const known = this.chainByName.get(cert.name);
    if (known) return known;
    if (!isPem(cert.cert)) {
      this.log.warn(`${this.device}: FDM does not show the PEM of ${cert.name}; the web UI trust chain is left empty`);
      return [];
    }
    const cas = (await this.objects.listAll<ExternalCaCertificate>(OBJECT_PATHS.externalCaCertificates)).flatMap((obj) => {
      try {
        return isPem(obj.cert) ? [{ obj, cert: new X509Certificate(obj.cert) }] : [];
      } catch {
        return [];
      }
    });
    const refs: FdmRef[] = [];
    let current = new X509Certificate(cert.cert);
    for (let depth = 0; depth < 10 && current.subject !== current.issuer; depth++) {
      const issuer = findIssuer(current, cas);
      if (!issuer || refs.some((r) => r.id === issuer.obj.id)) break;
      refs.push(toRef(issuer.obj));
      current = issuer.cert;
    }
    return refs;
  }

  async delete(cert: InternalCertificate): Promise<void> {
    try {
      await this.objects.delete(OBJECT_PATHS.internalCertificates, cert.id);
    } catch (e) {
      if (e instanceof FdmApiError && e.status === 422) {
        throw new DeviceError(`${this.device}: FDM refused to delete internal certificate "${cert.name}": ${e.descriptions.join('; ') || e.message}`, e.descriptions);
      }
      throw e;
    }
    this.chainByName.delete(cert.name);
    this.log.info(`${this.device}: deleted internal certificate ${cert.name}`);
  }
}
