// The Target for one PAN-OS firewall (or Panorama's own store): ties session, certificates, bindings
// and commit together and enforces the safety checks the references ask for: names validated before
// any call, a certificate installed only onto the key it was made for (acme.sh #4716), readback after
// import, admin-scoped commits only.
import { randomBytes } from 'node:crypto';
import { DeviceError, errorMessage } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';
import type { Logger } from '../../core/log.js';
import {
  certFingerprintSha256,
  encryptPrivateKey,
  keyMatchesCertificate,
  parseCertificate,
  parseCsr,
  publicKeyOfCsrMatchesCertificate,
} from '../../pki/index.js';
import { ALL_KEY_SPECS, keySpecLabel, sameKeySpec, type CsrSpec, type KeySpec } from '../../pki/types.js';
import type { TlsTrust } from '../../http/client.js';
import type { Binding, CommitResult, DeviceCert, OpenInfo, RemoveOutcome, Target, TargetContext } from '../target.js';
import { PanosSession } from './api.js';
import { applyBinding, missingForBindings, readBindingState, validateBinding, type BindingState } from './bindings.js';
import {
  deleteCertificate,
  removeCertificate,
  exportCsr,
  generateOnDevice,
  importCertificatePem,
  importChain,
  importPrivateKeyPem,
  readCertificates,
  readPendingCsrs,
  type CertEntry,
} from './certificates.js';
import { commitAndWait } from './commit.js';
import { CsrReads } from './csr-reads.js';
import { removeCertificates } from './multi-delete.js';
import { readInventory } from './inventory.js';
import { panosLocation, type PanosLocation } from './locations.js';
import { FIREWALL_NAME_MAX, PANORAMA_NAME_MAX, validateCertName } from './names.js';
import type { PanosCredentialsConfig, PanosOptions } from './options.js';
import { haRole, parseHaState, parseSystemInfo } from './system.js';
import { el } from './xml.js';

export const PANOS_KEY_TYPES: KeySpec[] = [...ALL_KEY_SPECS];

export interface PanosSettings {
  url: string;
  options: PanosOptions;
  credentials: PanosCredentialsConfig;
  tls: TlsTrust;
  timeoutMs: number;
  /** Resolved commit admin (options.commit.admin or the login username). */
  admin: string;
}

export class PanosTarget implements Target {
  readonly name: string;
  readonly capabilities: Target['capabilities'];
  private readonly session: PanosSession;
  private readonly loc: PanosLocation;
  private readonly log: Logger;
  /** CSRs generated in this run, by object name (saves an export before install). */
  private readonly csrs = new Map<string, string>();
  /**
   * The certificate store as read once in this run and kept up to date by our own writes, so that
   * installing N certificates does not re-read the whole store N times.
   */
  private store?: Map<string, CertEntry>;
  /** Where the configuration uses certificates, as read by inventory() and updated by our binds. */
  private bindingState?: BindingState;
  /** Imported in this run and not yet read back: object name -> SHA-256 fingerprint sent. */
  private readonly unverified = new Map<string, string>();
  /** CSRs of on-box keys, read for several keys at once. */
  private readonly csrReads = new CsrReads({
    readAll: () => readPendingCsrs(this.session, this.loc),
    readOne: (name) => exportCsr(this.session, this.loc, name),
    onReadError: (e) => this.log.warn({ device: this.name }, `${this.name}: cannot read the certificate requests at once (${errorMessage(e)}); exporting each`),
  });

  constructor(ctx: TargetContext, private readonly settings: PanosSettings) {
    this.name = ctx.name;
    this.log = ctx.log;
    this.capabilities = {
      onDeviceKeygen: true,
      keyTypes: PANOS_KEY_TYPES,
      maxNameLength: settings.options.panorama ? PANORAMA_NAME_MAX : FIREWALL_NAME_MAX,
    };
    this.loc = panosLocation({ vsys: settings.options.vsys, panorama: settings.options.panorama });
    this.session = new PanosSession({
      name: ctx.name,
      url: settings.url,
      tls: settings.tls,
      timeoutMs: settings.timeoutMs,
      credentials: settings.credentials,
      log: ctx.log,
    });
  }

  /** API calls made so far (for reports and the benchmark). */
  get apiCalls(): number {
    return this.session.calls;
  }

  async open(): Promise<OpenInfo> {
    await this.session.ensureKey();
    const info = parseSystemInfo((await this.session.op(el('show', el('system', el('info'))), {}, { idempotent: true, what: 'show system info' })).result);
    if (info.isPanorama && !this.settings.options.panorama) {
      throw new DeviceError(`${this.name} is a Panorama (model ${info.model}); set panorama: true for it (31-character names, Panorama's own certificate store)`);
    }
    const ha = parseHaState(
      (await this.session.op(el('show', el('high-availability', el('state'))), {}, { idempotent: true, what: 'show high-availability state' })).result,
    );
    const role = haRole(ha);
    if (role === 'standby') {
      const why = ha.state === 'passive' || ha.state === undefined ? 'is the HA passive unit' : `is in HA state "${ha.state}", not active`;
      throw new DeviceError(`${this.name} ${why}; point fwcert at the active unit`);
    }
    this.log.debug({ device: this.name }, `${this.name}: ${info.model ?? 'unknown model'} PAN-OS ${info.version ?? '?'}, HA ${role}`);
    return { model: info.model, version: info.version, haRole: role };
  }

  validateName(name: string): void {
    validateCertName(name, this.capabilities.maxNameLength);
  }

  private async certStore(): Promise<Map<string, CertEntry>> {
    this.store ??= new Map((await readCertificates(this.session, this.loc)).map((c) => [c.name, c]));
    return this.store;
  }

  async inventory(): Promise<DeviceCert[]> {
    const { certs, state, deviceCerts } = await readInventory(this.session, this.loc);
    this.store = new Map(certs.map((c) => [c.name, c]));
    this.bindingState = state;
    return deviceCerts;
  }

  /** What the device lacks for `bindings` (a decryption rule that does not exist ...); reads only. */
  async checkBindings(bindings: Binding[]): Promise<string[]> {
    const problems: string[] = [];
    for (const b of bindings) {
      try {
        validateBinding(b, this.loc, this.capabilities.maxNameLength);
      } catch (e) {
        problems.push(errorMessage(e));
      }
    }
    // Only decryption rules must exist beforehand; skip the reads when none is named.
    if (problems.length || !bindings.some((b) => b.kind === 'decryption_rule')) return problems;
    return missingForBindings(await readBindingState(this.session, this.loc), bindings, this.loc);
  }

  async generateCsr(name: string, spec: CsrSpec): Promise<string> {
    return (await this.generateKey(name, spec)).csr();
  }

  /** The key is made on the box when this resolves; its CSR is read with those of the keys generated
   *  right after it, in one read of the store (csr-reads.ts). */
  async generateKey(name: string, spec: CsrSpec): Promise<{ csr(): Promise<string> }> {
    await this.csrReads.generation(async () => {
      this.validateName(name);
      if (!this.capabilities.keyTypes.some((k) => sameKeySpec(k, spec.key))) {
        throw new DeviceError(`${this.name}: PAN-OS cannot generate a ${keySpecLabel(spec.key)} key`);
      }
      const store = await this.certStore();
      const existing = store.get(name);
      if (existing?.certPem) {
        // Generating again would replace the key under a certificate that may be in use.
        throw new DeviceError(`${this.name}: certificate ${name} already exists; a new key needs a new object name`);
      }
      if (existing) {
        this.log.info({ device: this.name }, `${this.name}: replacing the unfinished CSR ${name}`);
        await deleteCertificate(this.session, this.loc, name);
        store.delete(name);
      }
      await generateOnDevice(this.session, this.loc, name, spec);
      store.set(name, { name, hasKey: true, isCa: false });
    });
    const pending = this.csrReads.csrOf(name);
    pending.catch(() => undefined); // awaited by csr(); never an unhandled rejection meanwhile
    return { csr: () => pending.then((csrPem) => this.acceptCsr(name, spec, csrPem)) };
  }

  private acceptCsr(name: string, spec: CsrSpec, csrPem: string): string {
    const entry = this.store?.get(name);
    if (entry && !entry.certPem) entry.csrPem = csrPem;
    const csr = parseCsr(csrPem);
    if (csr.keySpec && !sameKeySpec(csr.keySpec, spec.key)) {
      throw new DeviceError(`${this.name}: the device made a ${keySpecLabel(csr.keySpec)} CSR for ${name}, ${keySpecLabel(spec.key)} was asked for`);
    }
    this.csrs.set(name, csrPem);
    this.log.info({ device: this.name }, `${this.name}: generated ${keySpecLabel(spec.key)} key and CSR ${name} on the device`);
    return csrPem;
  }

  async install(name: string, cert: { leafPem: string; chainPem: string[]; keyPem?: string }): Promise<void> {
    this.validateName(name);
    const leaf = parseCertificate(cert.leafPem);
    const chain = cert.chainPem.filter((p) => certFingerprintSha256(p) !== leaf.fingerprintSha256);
    const store = await this.certStore();
    const certs = [...store.values()];

    // Every check happens before the first import: nothing half-installed when one fails.
    let passphrase: string | undefined;
    if (cert.keyPem) {
      if (!keyMatchesCertificate(cert.keyPem, cert.leafPem)) throw new DeviceError(`${this.name}: the private key for ${name} does not belong to its certificate; nothing was imported`);
      passphrase = randomBytes(24).toString('hex');
      registerSecret(passphrase);
    } else {
      await this.checkOnDeviceKey(name, cert.leafPem, store.get(name));
    }

    const chainNames = await importChain(this.session, this.loc, chain, certs, this.capabilities.maxNameLength, (m) =>
      this.log.info({ device: this.name }, `${this.name}: ${m}`),
    );
    chainNames.forEach((n, i) => {
      if (!store.has(n)) store.set(n, { name: n, certPem: chain[i], hasKey: false, isCa: true });
    });
    await importCertificatePem(this.session, this.loc, name, cert.leafPem);
    if (cert.keyPem && passphrase) {
      // The documented PEM pair import that pan-python, pango's ImportPem and acme.sh use: the
      // certificate, then its key (encrypted PKCS#8) under the same name with the passphrase. It works
      // on every PAN-OS release, where a PKCS#12 with AES-256/SHA-256 may be refused by older ones.
      try {
        await importPrivateKeyPem(this.session, this.loc, name, encryptPrivateKey(cert.keyPem, passphrase), passphrase);
      } catch (e) {
        // No certificate without its key left behind in the candidate configuration.
        await deleteCertificate(this.session, this.loc, name).catch(() => undefined);
        throw e;
      }
    }
    // Read back before the commit, all of this run's imports in one read (verifyInstalled).
    this.unverified.set(name, leaf.fingerprintSha256);
    store.set(name, { name, certPem: cert.leafPem, hasKey: true, isCa: leaf.isCa ?? false, commonName: leaf.subject.cn });
    this.csrs.delete(name);
    this.log.info(
      { device: this.name },
      `${this.name}: installed ${name} (serial ${leaf.serial})${chainNames.length ? `, chain ${chainNames.join(', ')}` : ''}`,
    );
  }

  /** The certificate must carry the public key of the key the device holds under `name`. */
  private async checkOnDeviceKey(name: string, leafPem: string, entry: CertEntry | undefined): Promise<void> {
    if (!entry) {
      throw new DeviceError(`${this.name}: there is no key or CSR named ${name} on the device; generate the CSR on the device first (or use key generate: local)`);
    }
    if (entry.csrPem || !entry.certPem) {
      // The device's own CSR is the truth; this run's copy saves an export when the config omits it.
      const csrPem = entry.csrPem ?? this.csrs.get(name) ?? (await exportCsr(this.session, this.loc, name));
      if (!publicKeyOfCsrMatchesCertificate(csrPem, leafPem)) {
        throw new DeviceError(
          `${this.name}: the certificate for ${name} was not issued for the key the device generated (public keys differ); refusing to import it, nothing was changed`,
        );
      }
      return;
    }
    if (entry.certPem && entry.hasKey) {
      // Same-name renewal on the same key: the key is the one under the current certificate.
      if (parseCertificate(entry.certPem).publicKeySha256 !== parseCertificate(leafPem).publicKeySha256) {
        throw new DeviceError(`${this.name}: the certificate for ${name} does not match the private key already on the device; refusing to import it`);
      }
      return;
    }
    throw new DeviceError(`${this.name}: ${name} on the device has no private key; a certificate imported there could not be used`);
  }

  /** Every certificate imported in this run holds what was sent, with its key: one read for all of them. */
  private async verifyInstalled(): Promise<void> {
    if (!this.unverified.size) return;
    const certs = await readCertificates(this.session, this.loc);
    this.store = new Map(certs.map((c) => [c.name, c]));
    for (const [name, fingerprint] of this.unverified) this.verifyOne(name, fingerprint, this.store.get(name));
    this.unverified.clear();
  }

  private verifyOne(name: string, fingerprint: string, entry: CertEntry | undefined): void {
    if (!entry?.certPem) throw new DeviceError(`${this.name}: after import, ${name} holds no certificate`);
    if (certFingerprintSha256(entry.certPem) !== fingerprint) {
      throw new DeviceError(`${this.name}: after import, ${name} holds a different certificate than the one sent`);
    }
    if (!entry.hasKey) throw new DeviceError(`${this.name}: after import, ${name} has no private key`);
  }

  async bind(name: string, bindings: Binding[]): Promise<{ binding: Binding; previous?: string }[]> {
    this.validateName(name);
    for (const b of bindings) validateBinding(b, this.loc, this.capabilities.maxNameLength);
    if (bindings.length === 0) return [];
    const store = await this.certStore();
    const certificates = [...store.values()];
    const cert = store.get(name);
    if (!cert?.certPem) throw new DeviceError(`${this.name}: cannot bind ${name}: no such certificate on the device`);
    const ctx = {
      session: this.session,
      loc: this.loc,
      maxNameLength: this.capabilities.maxNameLength,
      certificates,
      profiles: this.bindingState?.profiles,
      log: (m: string) => this.log.info({ device: this.name }, `${this.name}: ${m}`),
    };
    const out: { binding: Binding; previous?: string }[] = [];
    for (const b of bindings) {
      const previous = await applyBinding(ctx, cert, b);
      out.push({ binding: b, previous });
    }
    return out;
  }

  async remove(name: string): Promise<void> {
    this.validateName(name);
    await removeCertificate(this.session, this.loc, name, this.name);
    this.forget(name);
  }

  /** The replaced certificates of a run in one multi-config request (multi-delete.ts). */
  async removeMany(names: string[]): Promise<RemoveOutcome[]> {
    const refused = new Map<string, RemoveOutcome>();
    for (const name of names) {
      try {
        this.validateName(name);
      } catch (error) {
        refused.set(name, { name, result: 'failed', error });
      }
    }
    const valid = names.filter((n) => !refused.has(n));
    const done = await removeCertificates(this.session, this.loc, valid, this.name, (m) => this.log.info({ device: this.name }, `${this.name}: ${m}`));
    for (const o of done) if (o.result !== 'failed') this.forget(o.name);
    const byName = new Map(done.map((o) => [o.name, o]));
    return names.map((n) => refused.get(n) ?? byName.get(n)!);
  }

  /** What this run knows of a deleted object. */
  private forget(name: string): void {
    this.csrs.delete(name);
    this.store?.delete(name);
    this.unverified.delete(name);
  }

  async commit(note: string): Promise<CommitResult> {
    await this.verifyInstalled();
    const base = this.settings.options.commit.description;
    const description = (note ? `${base}: ${note}` : base).slice(0, 512);
    return commitAndWait(this.session, this.name, {
      admin: this.settings.admin,
      description,
      timeoutS: this.settings.options.commit_timeout_s,
      pollIntervalS: this.settings.options.poll_interval_s,
      log: (m) => this.log.info({ device: this.name }, m),
    });
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
