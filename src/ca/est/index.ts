// EST (RFC 7030) as a CA: type `est`. With local keys fwcert sends the CSR to /simpleenroll itself; for
// targets that can enroll on the device (FMC-managed FTDs) it hands the device the EST endpoint instead,
// so the key never leaves the device.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CaError, ConfigError } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';
import { HttpClient } from '../../http/client.js';
import { fromCertsOnlyPkcs7, parseCertificate } from '../../pki/index.js';
import { pemToDer } from '../../pki/pem.js';
import { ALL_KEY_SPECS } from '../../pki/types.js';
import type { CaRef, CollectResult, Issuer, IssuerType } from '../issuer.js';
import type { DeviceEnrollment } from '../../devices/target.js';

const optionsSchema = z.strictObject({
  /** The EST base: https://host[:port]/.well-known/est[/label] */
  url: z.string().url().refine((u) => u.startsWith('https://'), 'url must be https://'),
  timeout_s: z.number().positive().max(600).default(60),
});
type EstOptions = z.output<typeof optionsSchema>;

const credentialsSchema = z.strictObject({ username: z.string().min(1), password: z.string().min(1) });
type EstCredentials = z.output<typeof credentialsSchema>;

class EstIssuer implements Issuer {
  readonly capabilities = { keyTypes: [...ALL_KEY_SPECS], revoke: false, renewById: false };
  private readonly http: HttpClient;
  /** EST answers at once: what submit got, for collect in the same run. */
  private readonly issued = new Map<string, string>();
  private caCerts?: string[];

  constructor(readonly name: string, private readonly o: EstOptions, private readonly creds: EstCredentials, tls: ConstructorParameters<typeof HttpClient>[0]['tls']) {
    registerSecret(creds.password);
    this.http = new HttpClient({ baseUrl: o.url, tls, name, timeoutMs: o.timeout_s * 1000 });
  }

  private auth(): Record<string, string> {
    return { authorization: `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password}`).toString('base64')}` };
  }

  /** GET /cacerts (§4.1): the CA certificates, issuing CA first as the server sends them. */
  private async cacerts(): Promise<string[]> {
    if (this.caCerts) return this.caCerts;
    const res = await this.http.request({ method: 'GET', path: 'cacerts', headers: { accept: 'application/pkcs7-mime' } });
    if (res.status !== 200) throw new CaError(`${this.name}: EST cacerts answered HTTP ${res.status}`, res.status, res.status >= 500);
    this.caCerts = fromCertsOnlyPkcs7(res.text());
    if (!this.caCerts.length) throw new CaError(`${this.name}: EST cacerts holds no certificate`);
    return this.caCerts;
  }

  /** POST /simpleenroll (§4.2.1): base64 DER PKCS#10 in, certs-only PKCS#7 out. */
  async submit(req: { csrPem: string; previous?: CaRef }): Promise<CaRef> {
    const res = await this.http.request({
      method: 'POST', path: req.previous ? 'simplereenroll' : 'simpleenroll', retry: false,
      headers: { ...this.auth(), 'content-type': 'application/pkcs10', 'content-transfer-encoding': 'base64', accept: 'application/pkcs7-mime' },
      body: pemToDer(req.csrPem, 'CERTIFICATE REQUEST').toString('base64'),
    });
    if (res.status !== 200) throw new CaError(`${this.name}: EST enrollment answered HTTP ${res.status}: ${res.text().slice(0, 200)}`, res.status, res.status >= 500);
    const [leaf] = fromCertsOnlyPkcs7(res.text());
    if (!leaf) throw new CaError(`${this.name}: the EST answer holds no certificate`);
    const serial = parseCertificate(leaf).serial;
    this.issued.set(serial, leaf);
    return { ca: this.name, id: serial };
  }

  async collect(ref: CaRef): Promise<CollectResult> {
    const leaf = this.issued.get(ref.id);
    if (!leaf) throw new CaError(`${this.name}: EST issues at once and keeps no orders; certificate ${ref.id} cannot be collected again`);
    return { state: 'issued', leafPem: leaf, chainPem: await this.cacerts() };
  }

  async revoke(): Promise<void> {
    throw new CaError(`${this.name}: EST (RFC 7030) has no revocation operation; revoke the certificate at the CA behind the EST server`);
  }

  async deviceEnrollment(): Promise<DeviceEnrollment> {
    const [issuing] = await this.cacerts();
    const caFingerprint = createHash('sha256').update(pemToDer(issuing!, 'CERTIFICATE')).digest('hex').toUpperCase();
    return { protocol: 'est', url: this.o.url, username: this.creds.username, password: this.creds.password, caFingerprint };
  }

  async check(): Promise<string[]> {
    const certs = await this.cacerts();
    return [`EST cacerts: ${certs.length} CA certificate(s), issuing CA ${parseCertificate(certs[0]!).subject.cn ?? '?'}`];
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

export const estIssuerType: IssuerType<EstOptions, EstCredentials> = {
  type: 'est',
  optionsSchema,
  credentialsSchema,
  create(ctx, { options, credentials, tls }) {
    if (!credentials) throw new ConfigError(`cas.${ctx.name}: EST needs credentials: username and password (HTTP Basic, RFC 7030 §3.2.3)`);
    return new EstIssuer(ctx.name, options, credentials, tls);
  },
};
