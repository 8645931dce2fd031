// Certificate enrollment objects (§8: object/certenrollments, POST/PUT/DELETE since FMC 7.2) and their
// installation on a device (devices/operational/managecertificates, FMC >= 7.7, asynchronous task).
import { randomBytes } from 'node:crypto';
import { DeviceError } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';
import { orderChain, pkcs12Certificates, toPkcs12 } from '../../pki/index.js';
import type { FmcApi } from './api.js';
import { isNotFound } from './errors.js';
import { taskIdOf, waitForTask } from './tasks.js';
import type { CertEnrollment, DeviceCertificate, TaskAnswer } from './types.js';

/** FMC 7.7 added the install API (the cromanme/fireREST managecertificate model; terraform's YAML says 7.4). */
export const INSTALL_API_VERSION = 7.7;

export type CertAction = 'ENROLL' | 'REENROLL' | 'REFRESH' | 'DELETE';

/**
 * Enrollment objects by name, read once per run and FMC (one GET for all FTDs instead of one per step,
 * which matters under 120 requests a minute), kept current as this run creates and deletes them.
 */
export class EnrollmentIndex {
  private loading?: Promise<Map<string, CertEnrollment>>;

  constructor(private readonly api: () => FmcApi) {}

  private load(): Promise<Map<string, CertEnrollment>> {
    this.loading ??= this.api().all<CertEnrollment>('object/certenrollments').then((list) => new Map(list.map((e) => [e.name, e])));
    this.loading.catch(() => (this.loading = undefined));
    return this.loading;
  }

  async get(name: string): Promise<CertEnrollment | undefined> {
    return (await this.load()).get(name);
  }

  async set(obj: CertEnrollment): Promise<void> {
    (await this.load()).set(obj.name, obj);
  }

  async delete(name: string): Promise<void> {
    (await this.load()).delete(name);
  }

  async all(): Promise<CertEnrollment[]> {
    return [...(await this.load()).values()];
  }
}

/**
 * PKCS#12 for an enrollment object: base64 of the .p12 file, not PEM (pitfall 12); a fresh passphrase each
 * time. The certificates are stored unencrypted (the key is not): the passphrase is write-only on the FMC,
 * and fwcert must still be able to read which certificate an object holds (FMC < 7.7, pkcs12Leaf).
 */
export function pkcs12Enrollment(fmcName: string, cert: { leafPem: string; chainPem: string[]; keyPem: string }, description: string): CertEnrollment {
  const passPhrase = randomBytes(18).toString('base64url');
  registerSecret(passPhrase);
  const p12 = toPkcs12({ keyPem: cert.keyPem, certPem: cert.leafPem, chainPem: cert.chainPem, passphrase: passPhrase, friendlyName: fmcName, certificatesInClear: true });
  return {
    name: fmcName, type: 'CertEnrollment', enrollmentType: 'PKCS12', description,
    validationUsage: { ipsecClient: false, sslClient: false, sslServer: true },
    pkcs12Content: { base64Certificate: p12.toString('base64'), passPhrase },
  };
}

/** The leaf certificate of a PKCS12 enrollment object as read back (FMC appends "\r\n": pitfall 12, CSCwq44439). */
export function pkcs12Leaf(obj: CertEnrollment): string | undefined {
  const b64 = obj.pkcs12Content?.base64Certificate;
  if (typeof b64 !== 'string' || !b64.trim()) return undefined;
  try {
    const certs = pkcs12Certificates(Buffer.from(b64.replace(/\s+/g, ''), 'base64'));
    return certs.length ? orderChain(certs).leaf : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the object, or replaces the one of the same name (PUT needs its id). */
export async function upsertEnrollment(api: FmcApi, index: EnrollmentIndex, obj: CertEnrollment): Promise<CertEnrollment> {
  const existing = await index.get(obj.name);
  let out: CertEnrollment;
  if (existing?.id) {
    const put = await api.call<CertEnrollment>('PUT', `object/certenrollments/${encodeURIComponent(existing.id)}`, { json: { ...obj, id: existing.id } });
    out = put?.id ? put : { ...obj, id: existing.id };
  } else {
    const created = await api.call<CertEnrollment>('POST', 'object/certenrollments', { json: obj });
    if (!created?.id) throw new DeviceError(`${api.fmc}: creating the enrollment object ${obj.name} returned no id`);
    out = created;
  }
  await index.set({ name: out.name ?? obj.name, id: out.id, type: 'CertEnrollment', enrollmentType: obj.enrollmentType });
  return out;
}

export async function deleteEnrollment(api: FmcApi, index: EnrollmentIndex, obj: CertEnrollment): Promise<void> {
  await api.call('DELETE', `object/certenrollments/${encodeURIComponent(obj.id!)}`);
  await index.delete(obj.name);
}

/** Trustpoints of a device (terraform device_certificate: GET devices/certificates?filter=deviceId:<uuid>). */
export async function deviceCertificates(api: FmcApi, deviceId: string): Promise<DeviceCertificate[] | undefined> {
  try {
    return await api.all<DeviceCertificate>('devices/certificates', { filter: `deviceId:${deviceId}` });
  } catch (e) {
    // FMC < 7.4 has no such path.
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** One action, one certificate, one device per POST (fireREST managecertificate docstring), then the task. */
export async function manageCertificate(
  api: FmcApi, action: CertAction, deviceId: string, enrollmentId: string, opts: { pollMs: number; timeoutMs: number; device: string; what: string },
): Promise<void> {
  const answer = await api.call<TaskAnswer>('POST', 'devices/operational/managecertificates', {
    json: { action, deviceCertificates: [{ deviceId, certificates: [{ certificate: { id: enrollmentId } }] }] },
  });
  const task = await waitForTask(api, taskIdOf(answer, `managecertificates ${action}`, api.fmc), { pollMs: opts.pollMs, timeoutMs: opts.timeoutMs, what: opts.what });
  if (task.status === 'FAILED') {
    const why = task.subTasks?.find((s) => s.status === 'FAILED')?.message ?? task.message ?? 'no reason given';
    throw new DeviceError(`${opts.device}: ${opts.what} failed on the FMC: ${why}`);
  }
}
