// The emulated FMC's state and operations: domains, managed devices and HA pairs, certificate
// enrollment objects, trustpoints installed on devices, the RA VPN policy per device, pending changes,
// deployments and tasks. The router maps HTTP onto these methods.
import { randomUUID } from 'node:crypto';
import { parseCertificate } from '../../pki/index.js';
import { FmcDecryption } from './decryption.js';
import { enrollOnDevice } from './enroll.js';
import { FmcHttpError } from './http-io.js';
import type { Domain, FmcKnobs, Managed, Ref, StartFmcOptions, Task, Trustpoint } from './types.js';

/** §8: the wire enum; self-signed is misspelled on the wire (terraform certificate_enrollment.yaml). */
const ENROLLMENT_TYPES = ['SCEP', 'ACME', 'EST', 'MANUAL', 'SELF_SIGNED_CERTFICATE', 'PKCS12'];
/** §8: which types each version can create over the API (terraform YAML); 7.7 is inferred to take the lab's four. */
const CREATABLE: Record<string, string[]> = {
  '7.2': ['PKCS12'],
  '7.4': ['PKCS12', 'MANUAL'],
  '7.7': ['PKCS12', 'MANUAL', 'EST', 'SELF_SIGNED_CERTFICATE'],
};
/** Write-only fields (§8): kept apart, never answered on GET. */
const SECRET_PATHS: [string, string][] = [['pkcs12Content', 'passPhrase'], ['estContent', 'password'], ['scepContent', 'challengePassword']];

export const GLOBAL_DOMAIN = 'e276abec-e0f2-11e3-8169-6d9ed49b625f';

interface Enrollment {
  obj: Record<string, unknown>;
  secrets: Record<string, string>;
}

interface RaVpn {
  obj: Record<string, unknown>;
  targets: string[];
}

export class FmcModel {
  readonly domains: Domain[];
  readonly managed = new Map<string, Managed>();
  readonly enrollments = new Map<string, Enrollment>();
  readonly ravpns = new Map<string, RaVpn>();
  readonly tasks = new Map<string, Task>();
  readonly counters: Record<string, number> = {};
  readonly decryption = new FmcDecryption(this);
  private configVersion = Date.now();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(opts: StartFmcOptions, readonly knobs: FmcKnobs, private readonly onDeployed: (m: Managed) => void) {
    this.domains = [{ uuid: GLOBAL_DOMAIN, name: 'Global' }, { uuid: randomUUID(), name: 'Global/Lab' }];
    const add = (name: string, type: string, units?: Ref[], clusterId?: string) => {
      const m: Managed = {
        // A cluster is addressed by its control unit's id (see clusters()).
        ref: { id: clusterId ? units![0]!.id : randomUUID(), name, type }, units, clusterId, domain: GLOBAL_DOMAIN, model: 'Cisco Secure Firewall Threat Defense for VMware',
        swVersion: '7.4.1', trustpoints: new Map(), pending: [], deployed: { at: Date.now() }, deployments: [],
      };
      this.managed.set(m.ref.id, m);
      // Every FTD (pair) has its own RA VPN policy, assigned to it alone.
      const policy: Record<string, unknown> = {
        id: randomUUID(), type: 'RAVpn', name: `RAVPN-${name}`, configureSSL: true, configureIpsec: false,
        accessInterfaceSettings: { interfaceSettings: [], webPort: 443, dtlsPort: 443 },
      };
      this.ravpns.set(String(policy.id), { obj: policy, targets: [m.ref.id] });
      return m;
    };
    for (const n of opts.ftds) add(n, 'Device');
    for (const p of opts.haPairs ?? []) {
      add(p.name, 'DeviceHAPair', [
        { id: randomUUID(), name: p.primary, type: 'Device' },
        { id: randomUUID(), name: p.secondary, type: 'Device' },
      ]);
    }
    for (const c of opts.clusters ?? []) {
      add(c.name, 'DeviceCluster', [c.control, ...c.data].map((n) => ({ id: randomUUID(), name: n, type: 'Device' })), randomUUID());
    }
    // The first standalone FTD's access control policy uses the lab's decryption policy.
    this.decryption.seed([...this.managed.values()].filter((m) => m.ref.type === 'Device').slice(0, 1));
  }

  /** Every FTD starts with a self-signed trustpoint fwcert does not manage (one object installed on all, as FMC allows). */
  async seed(): Promise<void> {
    const e = { obj: { id: randomUUID(), name: 'Lab-SelfSigned', type: 'CertEnrollment', enrollmentType: 'SELF_SIGNED_CERTFICATE', certificateParameters: { commonName: 'ftd.lab.example' } }, secrets: {} };
    this.enrollments.set(e.obj.id, e);
    for (const m of this.managed.values()) await this.applyCertAction('ENROLL', m, e);
  }

  count(name: string, n = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + n;
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
  }

  private later(fn: () => Promise<void> | void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      void Promise.resolve().then(fn).catch(() => undefined);
    }, this.knobs.taskDurationMs);
    this.timers.add(t);
  }

  domain(uuid: string): Domain {
    const d = this.domains.find((x) => x.uuid === uuid);
    if (!d) throw new FmcHttpError(404, `Invalid domain UUID: ${uuid}`);
    return d;
  }

  /** Devices of a domain: Global sees everything (child domains hold none in the lab). */
  visible(domain: string): Managed[] {
    return [...this.managed.values()].filter((m) => domain === GLOBAL_DOMAIN || m.domain === domain);
  }

  managedById(id: string): Managed {
    const m = this.managed.get(id);
    if (!m) throw new FmcHttpError(404, `Device with id ${id} not found`);
    return m;
  }

  // ------------------------------------------------------------ devices (fmcapi devicerecords / ftddevicehapairs)

  deviceRecords(domain: string): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const m of this.visible(domain)) {
      (m.units ?? [m.ref]).forEach((u, i) => {
        // Cluster units name their cluster in containerDetails {id, name, type, role} (the field set an
        // FMC inventory script reads from devicerecords?expanded=true; the role values are inferred).
        const container = m.clusterId ? { containerDetails: { id: m.clusterId, name: m.ref.name, type: 'DeviceCluster', role: i === 0 ? 'CONTROL' : 'DATA' } } : {};
        out.push({ id: u.id, name: u.name, type: 'Device', hostName: `${u.name}.lab.example`, model: m.model, sw_version: m.swVersion, ftdMode: 'ROUTED', ...container });
      });
    }
    return out;
  }

  /**
   * GET deviceclusters/ftddevicecluster: items {id, name, type "DeviceCluster"}; with expanded=true also
   * controlDevice.deviceDetails and dataDevices[].deviceDetails ({id, name, type}) (terraform-provider-fmc
   * gen/definitions/device_cluster.yaml data paths; fmcapi FTDDeviceCluster type "DeviceCluster"; FMC 6.x
   * called them masterDevice/slaveDevices, which inventory scripts still read). INFERRED: the cluster's
   * certificates and deployments are addressed by the control unit's device id (ref.id), as its
   * interfaces are; the cluster's own id only names it (lists, policy assignment targets).
   */
  clusters(domain: string, expanded: boolean): Record<string, unknown>[] {
    return this.visible(domain).filter((m) => m.clusterId).map((m) => {
      const base = { id: m.clusterId, name: m.ref.name, type: 'DeviceCluster', links: { self: `/deviceclusters/ftddevicecluster/${m.clusterId}` } };
      if (!expanded) return base;
      const [control, ...data] = m.units!;
      return { ...base, controlDevice: { deviceDetails: control }, dataDevices: data.map((d) => ({ deviceDetails: d })) };
    });
  }

  cluster(id: string): Record<string, unknown> {
    const m = [...this.managed.values()].find((x) => x.clusterId === id);
    if (!m) throw new FmcHttpError(404, `No DeviceCluster found with id ${id}`);
    return this.clusters(m.domain, true).find((c) => c.id === id)!;
  }

  /** How policy assignments name a device: a cluster by its own id (type DeviceCluster), others by ref. */
  assignmentRef(m: Managed): Ref {
    return m.clusterId ? { id: m.clusterId, name: m.ref.name, type: 'DeviceCluster' } : m.ref;
  }

  haPairs(domain: string): Record<string, unknown>[] {
    return this.visible(domain).filter((m) => m.units && !m.clusterId).map((m) => ({
      id: m.ref.id, name: m.ref.name, type: 'DeviceHAPair',
      ftdHABootstrap: { isEncryptionEnabled: false },
      primary: m.units![0], secondary: m.units![1],
    }));
  }

  // ------------------------------------------------------------ certenrollments (§8)

  enrollmentView(e: Enrollment): Record<string, unknown> {
    const v = structuredClone(e.obj);
    // FMC bug CSCwq44439: a read appends "\r\n" to base64Certificate (terraform resource_fmc_certificate_enrollment.go).
    const p12 = v.pkcs12Content as Record<string, unknown> | undefined;
    if (p12 && typeof p12.base64Certificate === 'string') p12.base64Certificate = `${p12.base64Certificate}\r\n`;
    return v;
  }

  private checkEnrollment(body: Record<string, unknown>, selfId?: string): Enrollment {
    const name = body.name;
    if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
      throw new FmcHttpError(400, 'Invalid name: use up to 64 letters, digits, ".", "_" or "-"');
    }
    if (body.type !== 'CertEnrollment') throw new FmcHttpError(400, 'Invalid type: expected CertEnrollment');
    const type = String(body.enrollmentType);
    if (!ENROLLMENT_TYPES.includes(type)) throw new FmcHttpError(400, `Invalid enrollmentType ${type}`);
    if (!CREATABLE[this.knobs.version]!.includes(type)) {
      throw new FmcHttpError(400, `Enrollment type ${type} cannot be created through the REST API on this version`);
    }
    for (const e of this.enrollments.values()) {
      if (e.obj.name === name && e.obj.id !== selfId) throw new FmcHttpError(400, `The object name ${name} already exists. Enter a new name.`);
    }
    const obj = structuredClone(body);
    const secrets: Record<string, string> = {};
    for (const [outer, field] of SECRET_PATHS) {
      const holder = obj[outer] as Record<string, unknown> | undefined;
      if (holder && typeof holder[field] === 'string') {
        secrets[field] = holder[field] as string;
        delete holder[field];
      }
    }
    if (type === 'MANUAL') {
      // Only "CA Only" manual objects can be created over the API (terraform-provider-fmc
      // resource_fmc_certificate_enrollment.go: "manual_ca_only ... Must be set to `true`"); the message is inferred.
      const c = obj.caCertificate as Record<string, unknown> | undefined;
      if (c?.caOnly !== true) throw new FmcHttpError(400, 'caCertificate.caOnly must be true: only CA-only manual enrollment is supported through the REST API');
      if (typeof c.base64Content !== 'string' || !c.base64Content.trim()) throw new FmcHttpError(400, 'caCertificate.base64Content is required');
    }
    if (type === 'PKCS12') {
      const c = obj.pkcs12Content as Record<string, unknown> | undefined;
      if (!c || typeof c.base64Certificate !== 'string' || !c.base64Certificate) throw new FmcHttpError(400, 'pkcs12Content.base64Certificate is required');
      if (!secrets.passPhrase) throw new FmcHttpError(400, 'pkcs12Content.passPhrase is required');
    }
    return { obj, secrets };
  }

  createEnrollment(body: Record<string, unknown>): Record<string, unknown> {
    const e = this.checkEnrollment(body);
    e.obj.id = randomUUID();
    e.obj.links = { self: `/object/certenrollments/${e.obj.id}` };
    this.enrollments.set(String(e.obj.id), e);
    this.count('certenrollments_created');
    return this.enrollmentView(e);
  }

  updateEnrollment(id: string, body: Record<string, unknown>, user: string): Record<string, unknown> {
    const old = this.enrollment(id);
    if (body.id !== undefined && body.id !== id) throw new FmcHttpError(400, 'The id in the body does not match the URL');
    const e = this.checkEnrollment({ ...body, id }, id);
    // A PUT without the write-only secret keeps the stored one.
    e.secrets = { ...old.secrets, ...e.secrets };
    e.obj.id = id;
    this.enrollments.set(id, e);
    this.count('certenrollments_updated');
    // Devices whose deployed RA VPN uses the object now have a pending change.
    for (const m of this.managed.values()) if (m.deployed.ravpnCertEnrollmentId === id) this.pend(m, { id, name: String(e.obj.name), type: 'CertEnrollment' }, user);
    return this.enrollmentView(e);
  }

  deleteEnrollment(id: string): Record<string, unknown> {
    const e = this.enrollment(id);
    for (const m of this.managed.values()) {
      for (const t of m.trustpoints.values()) if (t.enrollmentId === id) throw new FmcHttpError(400, `The object ${String(e.obj.name)} is enrolled on ${m.ref.name} and cannot be deleted`);
    }
    for (const r of this.ravpns.values()) if (this.ravpnCertId(r.obj) === id) throw new FmcHttpError(400, `The object ${String(e.obj.name)} is used by ${String(r.obj.name)}`);
    this.enrollments.delete(id);
    return this.enrollmentView(e);
  }

  enrollment(id: string): Enrollment {
    const e = this.enrollments.get(id);
    if (!e) throw new FmcHttpError(404, `No CertEnrollment found with id ${id}`);
    return e;
  }

  // ------------------------------------------------------------ install on devices (§8, FMC >= 7.7)

  manageCertificates(body: Record<string, unknown>): Record<string, unknown> {
    // fireREST managecertificate docstring spells it REENROLL; terraform's comment RE_ENROLL: accept both.
    const action = String(body.action === 'RE_ENROLL' ? 'REENROLL' : body.action);
    if (!['ENROLL', 'REENROLL', 'REFRESH', 'DELETE'].includes(action)) throw new FmcHttpError(400, `Invalid action ${String(body.action)}`);
    const sections = Array.isArray(body.deviceCertificates) ? (body.deviceCertificates as Record<string, unknown>[]) : [];
    if (!sections.length) throw new FmcHttpError(400, 'deviceCertificates is required');
    const work: { m: Managed; e: Enrollment }[] = [];
    for (const s of sections) {
      const m = this.managedById(String(s.deviceId));
      const certs = Array.isArray(s.certificates) ? (s.certificates as { certificate?: { id?: string } }[]) : [];
      if (certs.length !== 1) throw new FmcHttpError(400, 'Exactly one certificate per device is allowed in one request');
      work.push({ m, e: this.enrollment(String(certs[0]!.certificate?.id)) });
    }
    const task = this.newTask('DEVICE_CERTIFICATE');
    this.count('managecertificates');
    this.count(`managecertificates_${action}`);
    this.later(async () => {
      task.status = 'RUNNING';
      const fail = this.knobs.failNextCertTask > 0;
      if (fail) this.knobs.failNextCertTask--;
      for (const { m, e } of work) {
        const name = String(e.obj.name);
        const sub = { target: m.ref.name, status: 'SUCCESS', message: `${action} ${name}` };
        try {
          if (fail) throw new Error('Certificate enrollment failed on the device (lab fault)');
          await this.applyCertAction(action, m, e);
        } catch (err) {
          sub.status = 'FAILED';
          sub.message = (err as Error).message;
          const tp = m.trustpoints.get(name);
          if (tp && action !== 'DELETE') {
            tp.status = 'FAILED';
            tp.message = sub.message;
          }
        }
        task.subTasks.push(sub);
      }
      const failed = task.subTasks.filter((s) => s.status === 'FAILED');
      task.status = failed.length ? 'FAILED' : 'SUCCESS';
      task.message = failed.length ? failed.map((s) => `${s.target}: ${s.message}`).join('; ') : `${action} completed`;
    });
    return { type: 'ManageCertificates', action, deviceCertificates: sections, metadata: { task: { id: task.id, type: 'TaskStatus', links: { self: `/job/taskstatuses/${task.id}` } } } };
  }

  private async applyCertAction(action: string, m: Managed, e: Enrollment): Promise<void> {
    const name = String(e.obj.name);
    if (action === 'REFRESH') {
      // Seed 003 "Refresh certificate status": the FMC synchronizes what the device holds.
      const tp = m.trustpoints.get(name);
      if (!tp) throw new Error(`${name} is not enrolled on ${m.ref.name}`);
      if (tp.held) {
        Object.assign(tp, tp.held, { status: 'AVAILABLE', held: undefined, message: undefined });
        this.onDeployed(m);
      }
      return;
    }
    if (action === 'DELETE') {
      if (this.ravpnCertIdFor(m, true) === e.obj.id || m.deployed.ravpnCertEnrollmentId === e.obj.id) {
        throw new Error(`${name} is used by the RA VPN configuration`);
      }
      m.trustpoints.delete(name);
      return;
    }
    const existing = m.trustpoints.get(name);
    if (action === 'REENROLL' && !existing) throw new Error(`${name} is not enrolled on ${m.ref.name}`);
    const tp: Trustpoint = existing ?? { id: randomUUID(), name, enrollmentId: String(e.obj.id), enrollmentType: String(e.obj.enrollmentType), status: 'IN_PROGRESS', caPems: [] };
    tp.status = 'IN_PROGRESS';
    m.trustpoints.set(name, tp);
    const got = await enrollOnDevice(e.obj, e.secrets, m.ref.name, action === 'REENROLL');
    const selfEnrolled = ['EST', 'SELF_SIGNED_CERTFICATE'].includes(String(e.obj.enrollmentType));
    if (selfEnrolled && this.knobs.identityNeedsRefresh > 0) {
      this.knobs.identityNeedsRefresh--;
      tp.held = got;
      return;
    }
    Object.assign(tp, { identityPem: got.identityPem, keyPem: got.keyPem, caPems: got.caPems, status: 'AVAILABLE', message: undefined });
    // An installed trustpoint is live at once; if the deployed RA VPN uses it, the data plane follows.
    this.onDeployed(m);
  }

  /** GET /devices/certificates?filter=deviceId:<uuid> items; the status fields beyond id/name/type are inferred (see router). */
  deviceCertificates(m: Managed): Record<string, unknown>[] {
    return [...m.trustpoints.values()].map((t) => {
      const e = this.enrollments.get(t.enrollmentId);
      const info = (pem: string | undefined) => {
        if (!pem) return { status: t.status === 'AVAILABLE' ? 'NOT_AVAILABLE' : t.status };
        const c = parseCertificate(pem);
        return {
          status: 'AVAILABLE', serialNumber: c.serial, subject: `CN=${c.subject.cn ?? ''}`, issuer: `CN=${c.issuerCn ?? ''}`,
          validFrom: c.notBefore.toISOString(), validTo: c.notAfter.toISOString(), certificateContent: pem,
        };
      };
      return {
        id: t.id, type: 'DeviceCertificate', name: t.name,
        device: m.ref, certificate: { id: t.enrollmentId, name: e ? String(e.obj.name) : t.name, type: 'CertEnrollment' },
        enrollmentType: t.enrollmentType, status: t.status, ...(t.message ? { statusMessage: t.message } : {}),
        // While (re-)enrolling, the identity certificate shows InProgress (seed 003's status column).
        identityCertificate: t.enrollmentType === 'MANUAL' ? undefined : t.status === 'IN_PROGRESS' ? { status: 'IN_PROGRESS' } : info(t.identityPem),
        caCertificates: t.caPems.map((p) => info(p)),
      };
    });
  }

  // ------------------------------------------------------------ RA VPN policies (terraform vpn_ra.yaml)

  ravpnCertId(obj: Record<string, unknown>): string | undefined {
    const s = (obj.accessInterfaceSettings as { sslIdCertificate?: { id?: string } } | undefined)?.sslIdCertificate;
    return s?.id;
  }

  /** The candidate (true) or deployed (false) identity certificate enrollment of the device's RA VPN. */
  ravpnCertIdFor(m: Managed, candidate: boolean): string | undefined {
    if (!candidate) return m.deployed.ravpnCertEnrollmentId;
    for (const r of this.ravpns.values()) if (r.targets.includes(m.ref.id)) return this.ravpnCertId(r.obj);
    return undefined;
  }

  ravpn(id: string): RaVpn {
    const r = this.ravpns.get(id);
    if (!r) throw new FmcHttpError(404, `No RAVpn found with id ${id}`);
    return r;
  }

  updateRavpn(id: string, body: Record<string, unknown>, user: string): Record<string, unknown> {
    const r = this.ravpn(id);
    if (body.id !== id || body.type !== 'RAVpn' || typeof body.name !== 'string') throw new FmcHttpError(400, 'The body must be the RAVpn object with its id, type and name');
    const certId = this.ravpnCertId(body);
    if (certId !== undefined) {
      const e = this.enrollment(certId);
      for (const mid of r.targets) {
        const m = this.managedById(mid);
        const tp = m.trustpoints.get(String(e.obj.name));
        if (!tp || tp.status !== 'AVAILABLE' || !tp.identityPem) {
          throw new FmcHttpError(400, `The identity certificate ${String(e.obj.name)} is not enrolled on ${m.ref.name}`);
        }
      }
    }
    const before = JSON.stringify(r.obj);
    r.obj = structuredClone(body);
    if (JSON.stringify(r.obj) !== before) for (const mid of r.targets) this.pend(this.managedById(mid), { id, name: body.name, type: 'RAVpn' }, user);
    return structuredClone(r.obj);
  }

  policyAssignments(): Record<string, unknown>[] {
    return [...this.ravpns.values()].map((r) => ({
      id: r.obj.id, type: 'PolicyAssignment', name: r.obj.name,
      policy: { id: r.obj.id, name: r.obj.name, type: 'RAVpn' },
      targets: r.targets.map((t) => this.assignmentRef(this.managedById(t))),
    }));
  }

  // ------------------------------------------------------------ deployment (§8, pitfall 13)

  pend(m: Managed, entity: Ref, user: string): void {
    this.configVersion = Math.max(this.configVersion + 1, Date.now());
    m.pending.push({ entity, user, at: this.configVersion });
  }

  applyForeignChanges(): void {
    for (const name of this.knobs.foreignChangeOn) {
      const m = [...this.managed.values()].find((x) => x.ref.name === name);
      if (m) this.pend(m, { id: randomUUID(), name: 'Default-Access-Policy', type: 'AccessPolicy' }, 'other-admin');
    }
    this.knobs.foreignChangeOn = [];
  }

  deployable(domain: string): Record<string, unknown>[] {
    return this.visible(domain).filter((m) => m.pending.length).map((m) => ({
      type: 'DeployableDevice', name: m.ref.name, device: m.ref,
      version: String(Math.max(...m.pending.map((p) => p.at))),
      canBeDeployed: true, upToDate: false,
      isDeploying: m.deployments.some((d) => d.status === 'DEPLOYING'),
    }));
  }

  pendingChanges(m: Managed): Record<string, unknown>[] {
    return m.pending.map((p) => ({ type: 'PendingChange', entity: p.entity, user: { name: p.user }, lastModified: new Date(p.at).toISOString() }));
  }

  deploymentRequest(body: Record<string, unknown>): Record<string, unknown> {
    if (body.type !== 'DeploymentRequest') throw new FmcHttpError(400, 'Invalid type: expected DeploymentRequest');
    const version = Number(body.version);
    const list = Array.isArray(body.deviceList) ? body.deviceList.map(String) : [];
    if (!list.length) throw new FmcHttpError(400, 'deviceList is required');
    if (!Number.isFinite(version)) throw new FmcHttpError(400, 'version is required (from deployabledevices)');
    const targets = list.map((id) => this.managedById(id));
    for (const m of targets) {
      if (!m.pending.length && body.forceDeploy !== true) throw new FmcHttpError(400, `${m.ref.name} has no changes to deploy`);
      if (m.deployments.some((d) => d.status === 'DEPLOYING')) throw new FmcHttpError(400, `A deployment to ${m.ref.name} is already running, please try again later`);
    }
    this.count('deploymentrequests');
    const task = this.newTask('DEPLOYMENT');
    task.status = 'DEPLOYING';
    const note = String(body.deploymentNote ?? '');
    const runs = targets.map((m) => {
      const d = { id: randomUUID(), jobId: task.id, status: 'DEPLOYING' as const, deploymentNote: note, startTime: Date.now() };
      m.deployments.push(d);
      return { m, d };
    });
    this.later(() => {
      for (const { m, d } of runs) {
        const left = this.knobs.failDeployFor[m.ref.name] ?? 0;
        const done = d as unknown as { status: string; endTime: number; message?: string };
        done.endTime = Date.now();
        if (left > 0) {
          this.knobs.failDeployFor[m.ref.name] = left - 1;
          done.status = 'FAILED';
          done.message = 'Deployment failed on the device (lab fault)';
          task.subTasks.push({ target: m.ref.name, status: 'FAILED', message: done.message });
          continue;
        }
        // Only the changes up to the requested version are deployed.
        m.pending = m.pending.filter((p) => p.at > version);
        m.deployed = { ravpnCertEnrollmentId: this.ravpnCertIdFor(m, true), at: Date.now(), knownKeySerials: this.decryption.knownKeySerials(m) };
        done.status = 'SUCCEEDED';
        task.subTasks.push({ target: m.ref.name, status: 'SUCCEEDED', message: 'Deployed' });
        this.count('devices_deployed');
        this.onDeployed(m);
      }
      const failed = task.subTasks.filter((s) => s.status === 'FAILED');
      task.status = failed.length ? 'FAILED' : 'DEPLOYED';
      task.message = failed.length ? `Deployment failed for ${failed.map((s) => s.target).join(', ')}` : 'Deployment completed';
    });
    return {
      type: 'DeploymentRequest', version: String(body.version), forceDeploy: body.forceDeploy === true, ignoreWarning: body.ignoreWarning === true,
      deviceList: list, deploymentNote: note, metadata: { task: { id: task.id, type: 'TaskStatus', links: { self: `/job/taskstatuses/${task.id}` } } },
    };
  }

  private newTask(taskType: Task['taskType']): Task {
    const t: Task = { id: randomUUID(), taskType, status: 'PENDING', message: '', subTasks: [] };
    this.tasks.set(t.id, t);
    return t;
  }

  task(id: string): Task {
    const t = this.tasks.get(id);
    if (!t) throw new FmcHttpError(404, `No task found with id ${id}`);
    return t;
  }
}
