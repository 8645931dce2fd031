// A template or template stack on Panorama as one fwcert device: certificates and SSL/TLS service
// profiles are written into the template (`target-tpl`), Panorama commits them and pushes them to the
// firewalls that the entry lists. Keys are always made locally: a key generated on a firewall cannot
// be moved into a template, and Panorama only generates keys for its own store.
import { randomBytes } from 'node:crypto';
import { DeviceError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { registerSecret } from '../../core/redact.js';
import { certFingerprintSha256, encryptPrivateKey, keyMatchesCertificate, parseCertificate } from '../../pki/index.js';
import type { Binding, CommitResult, DeviceCert, OpenInfo, Receiver, Target, TargetContext } from '../target.js';
import { applyBinding, validateBinding } from './bindings.js';
import { deleteCertificate, importCertificatePem, removeCertificate, importChain, readCertificate, readCertificates } from './certificates.js';
import { readInventory } from './inventory.js';
import type { PanosLocation } from './locations.js';
import { PANORAMA_NAME_MAX, validateCertName } from './names.js';
import { PANOS_KEY_TYPES } from './device.js';
import { firewallLocation, templateLocation, templateXpath, type TemplateKind } from './panorama-locations.js';
import type { ManagedDevice, PanoramaManager, PushOutcome } from './panorama-manager.js';
import type { TemplateTargetOptions } from './panorama-options.js';
import { asArray, child, entryName, textOf } from './xml.js';
import { entriesIn, parseCertEntry } from './certificates.js';

/** Commits go through the manager: directly, or batched with the other devices of the run. */
export type CommitPath = (device: string, note: string) => Promise<PushOutcome>;

export class PanoramaTemplateTarget implements Target {
  readonly name: string;
  readonly capabilities = { onDeviceKeygen: false, keyTypes: PANOS_KEY_TYPES, maxNameLength: PANORAMA_NAME_MAX };
  readonly kind: TemplateKind;
  readonly template: string;
  private readonly loc: PanosLocation;
  private readonly log: Logger;
  private firewalls: ManagedDevice[] = [];

  constructor(
    ctx: TargetContext,
    private readonly manager: PanoramaManager,
    private readonly options: TemplateTargetOptions,
    private readonly commitPath: CommitPath,
    private readonly onClose: () => void = () => undefined,
  ) {
    this.name = ctx.name;
    this.log = ctx.log;
    this.kind = options.template_stack !== undefined ? 'template-stack' : 'template';
    this.template = (options.template_stack ?? options.template)!;
    this.loc = templateLocation(this.kind, this.template, options.vsys);
  }

  private get session() {
    return this.manager.session;
  }

  /** Serials of the firewalls this template target pushes to (after open()). */
  get serials(): string[] {
    return this.firewalls.map((f) => f.serial);
  }

  async open(): Promise<OpenInfo> {
    const info = await this.manager.open();
    const entry = await this.session.configGet(templateXpath(this.kind, this.template), `read ${this.kind} ${this.template}`);
    if (entry === undefined) throw new DeviceError(`${this.name}: Panorama ${this.manager.name} has no ${this.kind} named ${JSON.stringify(this.template)}`);
    this.firewalls = await this.manager.resolve(this.options.firewalls);
    const assigned = new Set(asArray(child(child(entry, 'entry') ?? entry, 'devices', 'entry')).map(entryName));
    const stray = this.firewalls.filter((f) => !assigned.has(f.serial));
    if (stray.length) {
      throw new DeviceError(`${this.name}: ${stray.map((f) => `${f.hostname} (${f.serial})`).join(', ')} ${stray.length > 1 ? 'are' : 'is'} not assigned to ${this.kind} ${this.template} on ${this.manager.name}`);
    }
    return { model: info.model, version: info.version, haRole: 'active' };
  }

  validateName(name: string): void {
    validateCertName(name, this.capabilities.maxNameLength);
  }

  async inventory(): Promise<DeviceCert[]> {
    return (await readInventory(this.session, this.loc)).deviceCerts;
  }

  /**
   * Chain members, then the leaf and its key as two PEM imports (certificate, then private-key with
   * a one-time passphrase). Key pairs and PKCS#12 bundles imported into templates failed on Panorama
   * 10.1 with "private key doesn't exist for csr" (pan-os-ansible #399, #555); the PEM pair is what
   * acme.sh deploys into templates with target-tpl.
   */
  async install(name: string, cert: { leafPem: string; chainPem: string[]; keyPem?: string }): Promise<void> {
    this.validateName(name);
    if (!cert.keyPem) throw new DeviceError(`${this.name}: a template certificate needs its private key; keys for templates are made locally`);
    if (!keyMatchesCertificate(cert.keyPem, cert.leafPem)) throw new DeviceError(`${this.name}: the private key for ${name} does not belong to its certificate; nothing was imported`);
    const leaf = parseCertificate(cert.leafPem);
    const certs = await readCertificates(this.session, this.loc);
    if (certs.some((c) => c.name === name)) throw new DeviceError(`${this.name}: ${this.loc.scope} already holds a certificate named ${name}`);
    const chain = cert.chainPem.filter((p) => certFingerprintSha256(p) !== leaf.fingerprintSha256);
    const chainNames = await importChain(this.session, this.loc, chain, certs, this.capabilities.maxNameLength, (m) => this.log.info(`${this.name}: ${m}`));
    const passphrase = randomBytes(24).toString('hex');
    registerSecret(passphrase);
    await importCertificatePem(this.session, this.loc, name, cert.leafPem);
    try {
      await this.session.importFile(
        { category: 'private-key', 'certificate-name': name, format: 'pem', passphrase, ...this.loc.requestParams },
        { filename: `${name}.key`, content: encryptPrivateKey(cert.keyPem, passphrase) },
        `import private key ${name}`,
      );
      const entry = await readCertificate(this.session, this.loc, name);
      if (!entry?.certPem || certFingerprintSha256(entry.certPem) !== leaf.fingerprintSha256) throw new DeviceError(`${this.name}: after import, ${name} holds a different certificate than the one sent`);
      if (!entry.hasKey) throw new DeviceError(`${this.name}: after import, ${name} has no private key`);
    } catch (e) {
      // A certificate without its key must not stay behind in the template (acme.sh #4716).
      await deleteCertificate(this.session, this.loc, name).catch(() => undefined);
      throw e;
    }
    this.log.info(`${this.name}: installed ${name} in ${this.loc.scope} (serial ${leaf.serial})${chainNames.length ? `, chain ${chainNames.join(', ')}` : ''}`);
  }

  async bind(name: string, bindings: Binding[]): Promise<{ binding: Binding; previous?: string }[]> {
    this.validateName(name);
    for (const b of bindings) validateBinding(b, this.loc, this.capabilities.maxNameLength);
    if (bindings.length === 0) return [];
    const certificates = await readCertificates(this.session, this.loc);
    const cert = certificates.find((c) => c.name === name);
    if (!cert?.certPem) throw new DeviceError(`${this.name}: cannot bind ${name}: no such certificate in ${this.loc.scope}`);
    const ctx = { session: this.session, loc: this.loc, maxNameLength: this.capabilities.maxNameLength, certificates, log: (m: string) => this.log.info(`${this.name}: ${m}`) };
    const out: { binding: Binding; previous?: string }[] = [];
    for (const b of bindings) out.push({ binding: b, previous: await applyBinding(ctx, cert, b) });
    return out;
  }

  async remove(name: string): Promise<void> {
    this.validateName(name);
    await removeCertificate(this.session, this.loc, name, this.name);
  }

  /** The run's Panorama commit + the push of this template; a firewall that failed fails the commit. */
  async commit(note: string): Promise<CommitResult> {
    const r = await this.commitPath(this.name, note);
    const failed = r.devices.filter((d) => d.result !== 'OK');
    const label = (d: { serial: string; name: string }) => this.firewalls.find((f) => f.serial === d.serial)?.hostname ?? d.name ?? d.serial;
    if (failed.length) {
      const ok = r.devices.filter((d) => d.result === 'OK').map(label);
      throw new DeviceError(
        `${this.name}: push of ${this.kind} ${this.template} (job ${r.pushJob}) failed on ${failed.map(label).join(', ')}${ok.length ? `; succeeded on ${ok.join(', ')}` : ''}; the next run pushes again`,
        failed.flatMap((d) => [`${label(d)} (${d.serial}): ${d.result}`, ...d.messages.map((m) => `  ${m}`)]),
        true,
      );
    }
    return {
      committed: true,
      jobId: r.pushJob,
      messages: [
        ...(r.panoramaJob ? [`Panorama commit job ${r.panoramaJob}`] : ['Panorama: no changes of fwcert to commit']),
        `pushed ${this.kind} ${this.template} to ${r.devices.map(label).join(', ')} (job ${r.pushJob})`,
      ],
    };
  }

  /**
   * What each firewall RUNS, asked through Panorama (`target=<serial>` forwards a request to a managed
   * firewall [pan-python]): the certificate its SSL/TLS service profile names in the running config,
   * or the object itself when the profile binds nothing by name.
   */
  async receivers(cert: { objectName: string; bindings: Binding[] }): Promise<Receiver[]> {
    const fw = firewallLocation(this.options.vsys);
    const profile = cert.bindings.find((b) => b.kind === 'ssl_tls_service_profile')?.name;
    return Promise.all(
      this.firewalls.map(async (f): Promise<Receiver> => {
        const show = async (xpath: string, what: string) => {
          const r = await this.session.call({ type: 'config', action: 'show', xpath, target: f.serial }, { idempotent: true, what: `${what} on ${f.hostname}` });
          return r.code === 7 ? undefined : r.result;
        };
        try {
          let name = cert.objectName;
          if (profile) {
            const bound = textOf(child(await show(`${fw.sslTlsProfile(profile)}/certificate`, `read SSL/TLS service profile ${profile}`), 'certificate'))?.trim();
            if (!bound) return { device: f.hostname, problem: `SSL/TLS service profile ${profile} names no certificate` };
            name = bound;
          }
          const entry = entriesIn(await show(fw.certificate(name), `read certificate ${name}`), 'certificate').map(parseCertEntry).find((e) => e?.name === name);
          if (!entry?.certPem) return { device: f.hostname, objectName: name, problem: `certificate ${name} is not in its running configuration` };
          return { device: f.hostname, objectName: name, certPem: entry.certPem };
        } catch (e) {
          return { device: f.hostname, problem: `not readable through ${this.manager.name}: ${errorMessage(e)}` };
        }
      }),
    );
  }

  async close(): Promise<void> {
    this.onClose();
  }
}
