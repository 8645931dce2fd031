// The FTD side of EST (RFC 7030) when the FMC installs an EST enrollment object: fetch /cacerts and
// accept it only if the configured fingerprint matches one of its certificates (§4.1.1 manual
// authorization), then make a key and CSR on the device and POST it to /simpleenroll (or
// /simplereenroll) with HTTP Basic auth; the certificate comes back as certs-only PKCS#7.
import { createHash, X509Certificate } from 'node:crypto';
import https from 'node:https';
import { createCsr, fromCertsOnlyPkcs7, generateKeyPair } from '../../pki/index.js';
import { pemToDer } from '../../pki/pem.js';
import type { KeySpec } from '../../pki/types.js';
import type { Enrolled } from './enroll.js';

export interface EstEnrollRequest {
  url: string;
  username: string;
  password: string;
  fingerprint?: string;
  insecure: boolean;
  cn: string;
  sans: string[];
  key: KeySpec;
  reenroll: boolean;
}

function send(url: URL, opts: { method: string; headers?: Record<string, string>; body?: string; ca?: string[] }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: opts.method, headers: opts.headers, ca: opts.ca, rejectUnauthorized: !!opts.ca, agent: false, timeout: 15_000 }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('EST server timed out')));
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

const hex = (s: string) => s.replace(/[^0-9a-fA-F]/g, '').toUpperCase();

export async function estEnroll(r: EstEnrollRequest): Promise<Enrolled> {
  const base = r.url.replace(/\/+$/, '');
  const cacerts = await send(new URL(`${base}/cacerts`), { method: 'GET' });
  if (cacerts.status !== 200) throw new Error(`EST cacerts answered HTTP ${cacerts.status}`);
  const caPems = fromCertsOnlyPkcs7(cacerts.body);
  if (r.fingerprint) {
    const fp = hex(r.fingerprint);
    const ok = caPems.some((p) => [createHash('sha256'), createHash('sha1')].some((h) => h.update(pemToDer(p, 'CERTIFICATE')).digest('hex').toUpperCase() === fp));
    if (!ok) throw new Error('The EST CA certificate does not match the configured fingerprint');
  } else if (!r.insecure) {
    throw new Error('The EST enrollment has no CA fingerprint and server validation is on');
  }
  const { privateKeyPem } = await generateKeyPair(r.key);
  const csr = await createCsr({ subject: { cn: r.cn }, sans: r.sans, key: r.key }, privateKeyPem);
  const body = pemToDer(csr, 'CERTIFICATE REQUEST').toString('base64');
  const res = await send(new URL(`${base}/${r.reenroll ? 'simplereenroll' : 'simpleenroll'}`), {
    method: 'POST', body, ca: r.insecure ? undefined : caPems,
    headers: {
      'Content-Type': 'application/pkcs10', 'Content-Transfer-Encoding': 'base64',
      authorization: `Basic ${Buffer.from(`${r.username}:${r.password}`).toString('base64')}`,
    },
  });
  if (res.status !== 200) throw new Error(`EST ${r.reenroll ? 'simplereenroll' : 'simpleenroll'} answered HTTP ${res.status}: ${res.body.slice(0, 120)}`);
  const [leaf] = fromCertsOnlyPkcs7(res.body);
  if (!leaf || !new X509Certificate(leaf).checkPrivateKey((await import('node:crypto')).createPrivateKey(privateKeyPem))) {
    throw new Error('The EST server answered without a certificate for our key');
  }
  return { identityPem: leaf, keyPem: privateKeyPem, caPems };
}
