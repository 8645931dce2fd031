// The cisco-fmc-ftd Target: one FTD (or HA pair) managed by an FMC. Everything goes through the FMC
// manager's shared session; the FTD itself is never contacted.
import { DeviceError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { ALL_KEY_SPECS, type KeySpec } from '../../pki/types.js';
import { registerSecret } from '../../core/redact.js';
import type { CsrSpec } from '../../pki/types.js';
import type { Binding, CommitResult, ProfileBindings, DeviceCert, DeviceEnrollment, InstallResult, OpenInfo, Target, TargetContext } from '../target.js';
import type { DeployTarget } from './deploy.js';
import {
  deleteEnrollment, deviceCertificates, INSTALL_API_VERSION, manageCertificate, pkcs12Enrollment, pkcs12Leaf, upsertEnrollment,
} from './enrollments.js';
import type { FmcDevice, FmcManager } from './manager.js';
import { ObjectNames } from './names.js';
import { bindRaVpn, raVpnPolicyOf } from './ravpn.js';
import { KNOWN_KEY, KNOWN_KEY_VERSION, knownKeyObjectName, knownKeyTarget, referenceFromRule, sameCertificate, upsertInternalCert } from './known-key.js';
import { rememberKnownKeyObject, retireKnownKeyObjects } from './known-key-retire.js';
import type { FmcFtdOptions } from './schemas.js';
import { createdTrustAnchors } from './trust-anchor-config.js';
import { isNotFound } from './errors.js';
import { certFingerprint, convergeTrustAnchors, retireTrustAnchors, type TrustAnchorContext } from './trust-anchors.js';
import type { CertEnrollment, DeviceCertificate, RaVpn } from './types.js';

/** PKCS#12 imports on ASA-based FTD trustpoints take RSA and ECDSA keys. */
export const FMC_KEY_TYPES: KeySpec[] = [...ALL_KEY_SPECS];

function isPem(s: unknown): s is string {
  return typeof s === 'string' && s.includes('-----BEGIN CERTIFICATE-----');
}

/** Seed 003's Devices > Certificates columns: enrollment type, state, and the CA certificate's expiry. */
function trustpointDetail(t: DeviceCertificate): string {
  const caUntil = (t.caCertificates ?? []).map((c) => c.validTo).filter((v): v is string => !!v).sort()[0];
  return [
    `trustpoint ${t.name}`, t.enrollmentType ? `enrollment ${t.enrollmentType}` : '', t.status ? `state ${t.status}` : '',
    caUntil ? `CA certificate until ${caUntil.slice(0, 10)}` : '', t.statusMessage ?? '',
  ].filter(Boolean).join(', ');
}

/** A certificate the RA VPN policy uses, in both forms a profile can ask for: `ravpn: true` and `ravpn: "<policy>"`. */
function ravpnBindings(policy: RaVpn): Binding[] {
  return [{ kind: 'ravpn' }, { kind: 'ravpn', name: policy.name }];
}

export class FmcFtdTarget implements Target {
  readonly capabilities: Target['capabilities'];
  private readonly names: ObjectNames;
  private device?: FmcDevice;
  private trustpoints: DeviceCertificate[] = [];
  /** The FMC listed the device's trustpoints (7.4+). */
  private listed = false;
  /** Trustpoint names on the device: as read, plus those this run installed. */
  private readonly enrolled = new Set<string>();
  private committed = false;
  /** This FTD's RA VPN policy as last read or written (null: none assigned). */
  private policyCache?: RaVpn | null;
  private dirty = false;
  /** Certificates and keys this run installed: a known-key binding uploads them (the FMC never shows a key). */
  private readonly fresh = new Map<string, { leafPem: string; keyPem: string }>();

  constructor(
    readonly name: string, private readonly log: Logger, private readonly manager: FmcManager, private readonly options: FmcFtdOptions,
    private readonly store?: TargetContext['store'],
  ) {
    this.names = new ObjectNames(name);
    this.capabilities = { onDeviceKeygen: false, keyTypes: FMC_KEY_TYPES, maxNameLength: this.names.maxLength, listsEveryCertificate: true, removeAfterCommit: true };
  }

  private get fmcName(): string {
    return this.options.fmc_name ?? this.name;
  }

  private get dev(): FmcDevice {
    if (!this.device) throw new DeviceError(`${this.name}: not opened`);
    return this.device;
  }

  private get label(): string {
    return `${this.dev.kind === 'ha-pair' ? 'HA pair' : this.dev.kind === 'cluster' ? 'cluster' : 'FTD'} ${this.dev.name}`;
  }

  private taskOpts(what: string) {
    const o = this.manager.options;
    return { pollMs: o.poll_interval_s * 1000, timeoutMs: o.task_timeout_s * 1000, device: this.name, what };
  }

  async open(): Promise<OpenInfo> {
    await this.manager.open();
    this.device = this.manager.resolve(this.fmcName, this.name);
    return { version: `FMC ${this.manager.versionText}`, haRole: this.device.kind === 'standalone' ? 'standalone' : 'active' };
  }

  private async readTrustpoints(): Promise<DeviceCertificate[]> {
    const list = await deviceCertificates(this.manager.api, this.dev.id);
    if (!list) {
      this.log.warn(`${this.name}: FMC ${this.manager.versionText} cannot list device certificates (devices/certificates needs 7.4)`);
      return [];
    }
    this.trustpoints = list;
    this.listed = true;
    for (const t of list) this.enrolled.add(t.name);
    return list;
  }

  async inventory(): Promise<DeviceCert[]> {
    const [tps, policy] = await Promise.all([this.readTrustpoints(), this.policy().catch(() => undefined)]);
    const ravpnId = policy?.accessInterfaceSettings?.sslIdCertificate?.id;
    const pending = await this.uninstalledObjects(tps, policy);
    return this.withKnownKeyBindings([...pending, ...tps.map((t) => {
      const isCa = t.enrollmentType === 'MANUAL';
      const id = t.identityCertificate;
      const certPem = isCa ? t.caCertificates?.find((c) => isPem(c.certificateContent))?.certificateContent : id?.certificateContent;
      return {
        name: this.names.fromFmc(t.name) ?? t.name,
        certPem: isPem(certPem) ? certPem : undefined,
        hasKey: !isCa && id?.status === 'AVAILABLE',
        pendingCsr: t.status === 'IN_PROGRESS',
        isCa,
        bindings: ravpnId && t.certificate?.id === ravpnId ? ravpnBindings(policy!) : [],
        detail: trustpointDetail(t),
      };
    })]);
  }

  /** Adds the known-key rules that list the profile's internal certificate object while it holds this certificate. */
  private async withKnownKeyBindings(certs: DeviceCert[]): Promise<DeviceCert[]> {
    if (this.manager.version < KNOWN_KEY_VERSION) return certs;
    try {
      for (const c of certs) if (!c.isCa && c.certPem) c.bindings = [...c.bindings, ...(await this.manager.knownKeys.bindingsOf(knownKeyObjectName(c.name), c.certPem))];
    } catch (e) {
      // A 404: the FMC is older than 7.4 (or the user's role cannot see these paths).
      if (!isNotFound(e)) throw e;
    }
    return certs;
  }

  /** What the operator must do on an FMC without the install API; the same text every run until it is done. */
  private owedText(fmcName: string): string {
    return `${this.name}: FMC ${this.manager.versionText} has no API to install certificates on devices (devices/operational/managecertificates needs FMC 7.7). ` +
      `The PKCS12 enrollment object ${fmcName} is up to date: in the FMC open Devices > Certificates, click Add, choose ${this.label} and ${fmcName} ` +
      '(or Re-enroll it if it is already listed), then run fwcert again';
  }

  /**
   * This FTD's PKCS12 enrollment objects that hold fwcert's certificate but are not (yet) a trustpoint on
   * the device (FMC < 7.7, or one since upgraded). They count as installed, so the certificate they hold
   * is not ordered again. Before 7.7 the step the operator owes is reported each run; from 7.7 on, bind()
   * installs it. (7.2 lists no trustpoints at all: an object the RA VPN policy already names is installed.)
   */
  private async uninstalledObjects(tps: DeviceCertificate[], policy: RaVpn | undefined): Promise<DeviceCert[]> {
    const out: DeviceCert[] = [];
    const ravpnId = policy?.accessInterfaceSettings?.sslIdCertificate?.id;
    for (const e of await this.manager.enrollments.all()) {
      const name = this.names.fromFmc(e.name);
      if (!name || e.enrollmentType !== 'PKCS12' || tps.some((t) => t.name === e.name)) continue;
      const leaf = pkcs12Leaf(e);
      if (!leaf) continue;
      const bound = !!ravpnId && e.id === ravpnId;
      const canInstall = this.manager.version >= INSTALL_API_VERSION;
      out.push({
        name, certPem: leaf, hasKey: true, bindings: bound ? ravpnBindings(policy!) : [],
        ...(bound || canInstall ? {} : { owed: this.owedText(e.name) }),
        detail: `PKCS12 enrollment object ${e.name}${bound ? '' : `, not installed on ${this.label} yet${canInstall ? ' (fwcert installs it when it binds it)' : ''}`}`,
      });
    }
    return out;
  }

  private anchorContext(): TrustAnchorContext {
    return {
      device: this.name, deviceId: this.dev.id, label: this.label, manager: this.manager, names: this.names,
      trustpoints: this.listed ? this.trustpoints : undefined, taskOpts: (what) => this.taskOpts(what), log: this.log,
      created: (fmcName) => this.setCreatedAnchors([...new Set([...this.createdAnchors(), fmcName])]),
    };
  }

  /** Trust anchor objects fwcert created on this FTD's FMC (ledger, key "trust-anchors"). */
  private createdAnchors(): string[] {
    return createdTrustAnchors(this.store);
  }

  private setCreatedAnchors(names: string[]): void {
    this.store?.set('trust-anchors', JSON.stringify(names));
  }

  /** The device entry's trust_anchors (see trust-anchors.ts), after inventory() read the trustpoints. */
  async converge(): Promise<{ changed: boolean; problems: string[] }> {
    if (!this.options.trust_anchors.length) return { changed: false, problems: [] };
    const r = await convergeTrustAnchors(this.options.trust_anchors, this.anchorContext());
    if (r.changed) this.dirty = true;
    return r;
  }

  /**
   * `run --remove-retired` (after inventory()): trust anchors fwcert created that the entry no longer lists,
   * and internal certificate objects fwcert created whose profile no longer binds known_key anywhere.
   */
  async retireOwn(dryRun: boolean, configured: ProfileBindings[] = []): Promise<{ removed: string[]; wouldRemove: string[]; problems: string[]; changed: boolean }> {
    const out = { removed: [] as string[], wouldRemove: [] as string[], problems: [] as string[], changed: false };
    const absorb = (r: { removed: string[]; wouldRemove: string[]; problems: string[] }): void => {
      out.removed.push(...r.removed);
      out.wouldRemove.push(...r.wouldRemove);
      out.problems.push(...r.problems);
    };
    const created = this.createdAnchors();
    if (created.length) {
      const keep = new Set(this.options.trust_anchors.map((a) => this.names.toFmc(a.name)));
      const r = await retireTrustAnchors(created, keep, this.anchorContext(), dryRun, (fmcName) => this.setCreatedAnchors(this.createdAnchors().filter((n) => n !== fmcName)));
      absorb(r);
    }
    if (this.manager.version >= KNOWN_KEY_VERSION) {
      const keep = new Set(configured.filter((c) => c.bindings.some((b) => b.kind === KNOWN_KEY)).map((c) => c.profile));
      const r = await retireKnownKeyObjects(
        { device: this.name, fmc: this.manager.name, api: this.manager.api, index: this.manager.knownKeys, store: this.store, log: this.log }, keep, dryRun,
      );
      absorb(r);
      if (r.changed) out.changed = this.dirty = true;
    }
    return out;
  }

  validateName(name: string): void {
    this.names.validate(name);
  }

  private async policy(): Promise<RaVpn | undefined> {
    if (this.policyCache === undefined) {
      this.policyCache = (await raVpnPolicyOf(this.manager.api, await this.manager.assignments(), this.dev.assignedAs, this.name)) ?? null;
    }
    return this.policyCache ?? undefined;
  }

  /**
   * PKCS12 enrollment: the object "<name>_<device>" is created or updated, then installed on the FTD
   * (ENROLL, or REENROLL when the trustpoint exists). FMC < 7.7 has no install API: the object is kept
   * current and the result says what the operator must do in the FMC UI (owed, see inventory()).
   */
  async install(name: string, cert: { leafPem: string; chainPem: string[]; keyPem?: string }): Promise<void | InstallResult> {
    this.validateName(name);
    if (!cert.keyPem) throw new DeviceError(`${this.name}: a PKCS12 enrollment needs the private key of "${name}"`);
    this.fresh.set(name, { leafPem: cert.leafPem, keyPem: cert.keyPem });
    const fmcName = this.names.toFmc(name);
    const api = this.manager.api;
    const obj = await upsertEnrollment(api, this.manager.enrollments, pkcs12Enrollment(fmcName, { ...cert, keyPem: cert.keyPem }, `fwcert: ${name} for ${this.dev.name}`));
    // Stored on the FMC: the engine records it (nothing is ordered again) and reports what the operator owes.
    if (this.manager.version < INSTALL_API_VERSION) return { owed: this.owedText(fmcName) };
    const present = this.trustpoints.some((t) => t.name === fmcName);
    await manageCertificate(api, present ? 'REENROLL' : 'ENROLL', this.dev.id, obj.id!, this.taskOpts(`installing ${fmcName} on ${this.label}`));
    this.enrolled.add(fmcName);
    this.log.info(`${this.name}: ${fmcName} ${present ? 're-enrolled' : 'enrolled'} on ${this.label}`);
  }

  /**
   * The FTD makes the key and certificate itself; fwcert creates the enrollment object "<name>_<device>"
   * and enrolls it (seed 003): EST (URL, username, password, CA fingerprint: the FTD asks the EST server,
   * "Installing a Certificate using EST Enrollment") or SELF_SIGNED_CERTFICATE (the FTD signs its own,
   * "Installing a Certificate Using Self-Signed Enrollment"; the wire value is misspelled, pitfall 12).
   * Returns what the trustpoint then holds.
   */
  async enrollOnDevice(name: string, spec: CsrSpec, how: DeviceEnrollment): Promise<{ leafPem: string; chainPem: string[] }> {
    this.validateName(name);
    const fmcName = this.names.toFmc(name);
    const what = how.protocol === 'est' ? 'EST' : 'self-signed';
    if (this.manager.version < INSTALL_API_VERSION) {
      throw new DeviceError(
        `${this.name}: FMC ${this.manager.versionText} cannot create and install ${what} enrollments over the API (FMC 7.7 can); ` +
          `in the FMC create a ${what} enrollment object${how.protocol === 'est' ? ` for ${how.url}` : ''} and add it to ${this.label} in Devices > Certificates`,
      );
    }
    const [cn, ...alt] = spec.sans.length ? spec.sans : [spec.subject.cn ?? this.dev.name];
    const obj: CertEnrollment = {
      name: fmcName, type: 'CertEnrollment', enrollmentType: how.protocol === 'est' ? 'EST' : 'SELF_SIGNED_CERTFICATE', description: `fwcert: ${name} for ${this.dev.name}`,
      validationUsage: { ipsecClient: false, sslClient: false, sslServer: true },
      certificateParameters: {
        includeFQDN: 'CUSTOM', customFqdn: cn, commonName: spec.subject.cn ?? cn, organization: spec.subject.o, countryCode: spec.subject.c,
        ...(alt.length ? { altFQDN: alt.join(',') } : {}),
      },
      key: spec.key.type === 'rsa'
        ? { keyType: 'RSA', keyName: fmcName, keySize: `CertKey_${spec.key.size}` }
        : { keyType: 'ECDSA', keyName: fmcName, keySize: `CertKey_${spec.key.curve.slice(2)}` },
    };
    if (how.protocol === 'est') {
      registerSecret(how.password);
      obj.estContent = { enrollmentUrl: how.url, username: how.username, password: how.password, fingerprint: how.caFingerprint, ignoreServerCertificateValidations: false };
    }
    const saved = await upsertEnrollment(this.manager.api, this.manager.enrollments, obj);
    const present = this.trustpoints.some((t) => t.name === fmcName);
    await manageCertificate(this.manager.api, present ? 'REENROLL' : 'ENROLL', this.dev.id, saved.id!, this.taskOpts(`${what} enrollment of ${fmcName} on ${this.label}`));
    let tp = (await this.readTrustpoints()).find((t) => t.name === fmcName);
    // Seed 003: "Sometimes, a manual refresh might be required to obtain the identity certificate":
    // REFRESH synchronizes what the FTD holds to the FMC.
    for (let i = 0; i < 3 && tp && tp.status !== 'AVAILABLE' && tp.status !== 'FAILED'; i++) {
      await manageCertificate(this.manager.api, 'REFRESH', this.dev.id, saved.id!, this.taskOpts(`refreshing the status of ${fmcName} on ${this.label}`));
      tp = (await this.readTrustpoints()).find((t) => t.name === fmcName);
    }
    const leaf = tp?.identityCertificate?.certificateContent;
    if (!isPem(leaf)) throw new DeviceError(`${this.name}: ${fmcName} has no identity certificate on ${this.label} after the ${what} enrollment (state ${tp?.status ?? 'missing'})`);
    this.log.info(`${this.name}: ${this.label} enrolled ${fmcName} (${what})`);
    return { leafPem: leaf, chainPem: (tp!.caCertificates ?? []).map((c) => c.certificateContent).filter(isPem) };
  }

  async bind(name: string, bindings: Binding[]): Promise<{ binding: Binding; previous?: string }[]> {
    this.validateName(name);
    const fmcName = this.names.toFmc(name);
    const out: { binding: Binding; previous?: string }[] = [];
    for (const binding of bindings) {
      if (binding.kind === KNOWN_KEY) {
        await this.bindKnownKey(name, binding);
        out.push({ binding });
        continue;
      }
      if (binding.kind !== 'ravpn') throw new DeviceError(`${this.name}: FMC-managed FTDs have no binding kind "${binding.kind}" (known: ravpn, known_key)`);
      const enrollment = await this.manager.enrollments.get(fmcName);
      if (!enrollment?.id) throw new DeviceError(`${this.name}: no enrollment object ${fmcName} on ${this.manager.name}`);
      await this.ensureEnrolled(fmcName, enrollment.id);
      const policy = await this.policy();
      if (!policy) throw new DeviceError(`${this.name}: no RA VPN policy is assigned to ${this.label} on ${this.manager.name}`);
      if (binding.name !== undefined && binding.name !== policy.name) {
        throw new DeviceError(`${this.name}: the RA VPN policy assigned to ${this.label} is ${policy.name}, not "${binding.name}"`);
      }
      const prev = policy.accessInterfaceSettings?.sslIdCertificate;
      this.policyCache = await bindRaVpn(this.manager.api, policy, { id: enrollment.id, name: fmcName });
      if (prev?.id !== enrollment.id) this.dirty = true;
      const previous = prev?.name && prev.id !== enrollment.id ? (this.names.fromFmc(prev.name) ?? prev.name) : undefined;
      out.push(previous ? { binding, previous } : { binding });
    }
    return out;
  }

  /**
   * Known key: the internal certificate object named after the profile holds this certificate and key
   * (created, or updated in place), and the named DECRYPT_KNOWN_KEY rule lists it. The FMC then holds
   * changes for the FTDs whose decryption policy uses it; this FTD deploys them with its commit.
   */
  private async bindKnownKey(name: string, binding: Binding): Promise<void> {
    if (this.manager.version < KNOWN_KEY_VERSION) throw new DeviceError(`${this.name}: known_key needs FMC ${KNOWN_KEY_VERSION} (object/internalcertificates, policy/decryptionpolicies); ${this.manager.name} runs ${this.manager.versionText}`);
    const { policy: policyName, rule: ruleName } = knownKeyTarget(binding);
    const found = await this.manager.knownKeys.find(policyName, ruleName);
    if (typeof found === 'string') throw new DeviceError(`${this.name}: ${this.manager.name} has ${found}`);
    const objName = knownKeyObjectName(name);
    let obj = (await this.manager.knownKeys.internalCerts()).get(objName);
    const fresh = this.fresh.get(name);
    if (fresh) {
      const r = await upsertInternalCert(this.manager.api, this.manager.knownKeys, objName, fresh, this.name, (n) => rememberKnownKeyObject(this.store, n));
      obj = r.obj;
      if (r.unreadable) this.log.warn(`${this.name}: ${this.manager.name} answers the certificate of the internal certificate object ${objName} in a form fwcert cannot read; it was replaced with ${name}`);
      if (r.changed) {
        this.dirty = true;
        this.log.info(`${this.name}: internal certificate object ${objName} on ${this.manager.name} now holds ${name}`);
      }
    } else {
      const tp = this.trustpoints.find((t) => t.name === this.names.toFmc(name))?.identityCertificate?.certificateContent;
      // Without the key fwcert cannot update the object, so it must provably hold this certificate already.
      if (!obj || !tp || !sameCertificate(obj.cert, tp)) {
        const unreadable = !obj || !tp ? [] : [
          ...(certFingerprint(obj.cert) === undefined ? [`the internal certificate object ${objName}`] : []),
          ...(certFingerprint(tp) === undefined ? [`the trustpoint ${this.names.toFmc(name)}`] : []),
        ];
        if (unreadable.length) {
          throw new DeviceError(
            `${this.name}: ${this.manager.name} answers the certificate of ${unreadable.join(' and of ')} in a form fwcert cannot read, so fwcert cannot tell whether the object holds ${name}; ` +
              'to replace it fwcert needs the private key, which it only holds while it installs a new certificate: run `fwcert renew --force` for this profile',
          );
        }
        throw new DeviceError(
          `${this.name}: the internal certificate object ${objName} needs the private key of ${name}, which fwcert only holds while it installs a new certificate: ` +
            'run `fwcert renew --force` for this profile',
        );
      }
    }
    if (await referenceFromRule(this.manager.api, found.policy, found.rule, obj!)) {
      this.dirty = true;
      this.log.info(`${this.name}: ${policyName} rule ${ruleName} now lists ${objName}`);
    }
  }

  /** A stored enrollment object that is not a trustpoint on the FTD yet (see uninstalledObjects) is installed first. */
  private async ensureEnrolled(fmcName: string, enrollmentId: string): Promise<void> {
    if (this.enrolled.has(fmcName)) return;
    if (this.manager.version < INSTALL_API_VERSION) throw new DeviceError(this.owedText(fmcName));
    await manageCertificate(this.manager.api, 'ENROLL', this.dev.id, enrollmentId, this.taskOpts(`installing ${fmcName} on ${this.label}`));
    this.enrolled.add(fmcName);
    this.log.info(`${this.name}: ${fmcName} enrolled on ${this.label}`);
  }

  /**
   * What the FMC lacks for `bindings`, for `fwcert check` and before ordering (reads only): an RA VPN
   * policy assigned to this FTD, and when the profile names one, that very policy (an FTD has at most one).
   */
  async checkBindings(bindings: Binding[]): Promise<string[]> {
    const out: string[] = [];
    for (const b of bindings) {
      if (b.kind === KNOWN_KEY) {
        if (this.manager.version < KNOWN_KEY_VERSION) {
          out.push(`known_key needs FMC ${KNOWN_KEY_VERSION} (object/internalcertificates, policy/decryptionpolicies); ${this.manager.name} runs ${this.manager.versionText}`);
          continue;
        }
        const { policy, rule } = knownKeyTarget(b);
        const found = await this.manager.knownKeys.find(policy, rule);
        if (typeof found === 'string') out.push(`${this.manager.name} has ${found}`);
        continue;
      }
      if (b.kind !== 'ravpn') {
        out.push(`FMC-managed FTDs have no binding kind "${b.kind}" (known: ravpn, known_key)`);
        continue;
      }
      let policy: RaVpn | undefined;
      try {
        policy = await this.policy();
      } catch (e) {
        out.push(errorMessage(e).replace(`${this.name}: `, ''));
        continue;
      }
      if (b.name === undefined) {
        if (!policy) out.push(`no RA VPN policy is assigned to ${this.label} on ${this.manager.name}: assign one in the FMC (Devices > VPN > Remote Access) or drop "ravpn"`);
        continue;
      }
      if (policy?.name === b.name) continue;
      const all = await this.manager.api.all<RaVpn>('policy/ravpns');
      out.push(all.some((p) => p.name === b.name)
        ? `the RA VPN policy "${b.name}" is not assigned to ${this.label} on ${this.manager.name} (${policy ? `its policy is ${policy.name}` : 'it has none'})`
        : `${this.manager.name} has no RA VPN policy named "${b.name}" (RA VPN policies: ${all.map((p) => p.name).join(', ') || 'none'})`);
    }
    return out;
  }

  /** Takes the trustpoint off the FTD (managecertificates DELETE) and deletes its enrollment object. */
  async remove(name: string): Promise<void> {
    this.validateName(name);
    const fmcName = this.names.toFmc(name);
    const api = this.manager.api;
    const policy = await this.policy().catch(() => undefined);
    const enrollment = await this.manager.enrollments.get(fmcName);
    if (enrollment?.id && policy?.accessInterfaceSettings?.sslIdCertificate?.id === enrollment.id) {
      throw new DeviceError(`${this.name}: cannot remove ${fmcName}: it is still the RA VPN identity certificate of ${policy.name}`);
    }
    // The trustpoints read by this run's inventory (the replaced one was there).
    if (enrollment?.id && this.trustpoints.some((t) => t.name === fmcName)) {
      if (this.manager.version < INSTALL_API_VERSION) throw new DeviceError(`${this.name}: FMC ${this.manager.versionText} cannot delete ${fmcName} from ${this.label} over the API; delete it in Devices > Certificates`);
      await manageCertificate(api, 'DELETE', this.dev.id, enrollment.id, this.taskOpts(`deleting ${fmcName} from ${this.label}`));
    }
    if (enrollment?.id) await deleteEnrollment(api, this.manager.enrollments, enrollment);
    this.log.info(`${this.name}: removed ${fmcName}`);
  }

  private deployTarget(): DeployTarget {
    return { device: this.name, id: this.dev.id, fmcName: this.dev.name, deployForeign: this.options.deploy_foreign_changes };
  }

  /** Joins the run's single deployment on this FMC; a second commit in the same run deploys only new changes. */
  async commit(note: string): Promise<CommitResult> {
    if (this.committed) {
      if (!this.dirty) return { committed: false };
      this.dirty = false;
      return this.manager.deployNow(this.deployTarget(), note);
    }
    this.committed = true;
    this.dirty = false;
    return this.manager.commit(this.deployTarget(), note);
  }

  /** Done for this run: the run's deployment no longer waits for this device. */
  async close(): Promise<void> {
    this.manager.leave(this.name);
  }
}
