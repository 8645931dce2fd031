// A lab EST server (RFC 7030) backed by the lab CA: GET /.well-known/est/cacerts, POST
// /.well-known/est/simpleenroll and /simplereenroll with HTTP Basic auth (§3.2.3). Requests carry a
// base64 DER PKCS#10 (application/pkcs10, §4.2.1); answers are base64 certs-only PKCS#7
// (application/pkcs7-mime, §4.1.3 and §4.2.3). Its TLS certificate is issued by the lab CA.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback } from '../listen.js';
import { createCsr, generateKeyPair, issueCertificate, parseCertificate, toCertsOnlyPkcs7 } from '../../pki/index.js';
import { derToPem } from '../../pki/pem.js';
import type { LabCa } from '../ca.js';
import { readBody } from '../read-body.js';

export interface EstHandle {
  name: string;
  /** The EST base, https://127.0.0.1:PORT/.well-known/est */
  url: string;
  certPem: string;
  state(): { counters: Record<string, number>; issued: { serial: string; cn: string; user: string; op: string }[] };
  close(): Promise<void>;
}

const BASE = '/.well-known/est';

export async function startEstServer(opts: { ca: LabCa; users: { username: string; password: string }[]; leafDays?: number }): Promise<EstHandle> {
  const counters: Record<string, number> = {};
  const issued: { serial: string; cn: string; user: string; op: string }[] = [];
  const count = (k: string) => (counters[k] = (counters[k] ?? 0) + 1);
  const key = (await generateKeyPair({ type: 'ecdsa', curve: 'P-256' })).privateKeyPem;
  const csr = await createCsr({ subject: { cn: 'est.lab.example' }, sans: ['127.0.0.1', 'localhost'], key: { type: 'ecdsa', curve: 'P-256' } }, key);
  const certPem = await issueCertificate({ csrPem: csr, issuerCertPem: opts.ca.intermediate.certPem, issuerKeyPem: opts.ca.intermediate.keyPem, days: 825 });
  const chain = [opts.ca.intermediate.certPem, opts.ca.root.certPem];

  const pkcs7 = (res: ServerResponse, certs: string[]) => {
    const body = `${toCertsOnlyPkcs7(certs).toString('base64').replace(/.{1,64}/g, '$&\r\n')}`;
    res.writeHead(200, { 'Content-Type': 'application/pkcs7-mime; smime-type=certs-only', 'Content-Transfer-Encoding': 'base64', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  const fail = (res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };
  const user = (req: IncomingMessage) => {
    const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return undefined;
    const [u, ...p] = Buffer.from(m[1]!, 'base64').toString('utf8').split(':');
    return opts.users.find((x) => x.username === u && x.password === p.join(':'))?.username;
  };

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    if (path === `${BASE}/cacerts` && req.method === 'GET') {
      count('cacerts');
      return pkcs7(res, chain);
    }
    const op = path === `${BASE}/simpleenroll` ? 'simpleenroll' : path === `${BASE}/simplereenroll` ? 'simplereenroll' : undefined;
    if (!op || req.method !== 'POST') return fail(res, 404, 'Not Found');
    const who = user(req);
    if (!who) {
      count('unauthorized');
      return fail(res, 401, 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="estrealm"' });
    }
    if (!/^application\/pkcs10/i.test(req.headers['content-type'] ?? '')) return fail(res, 415, 'Content-Type must be application/pkcs10');
    const body = (await readBody(req, 64 * 1024, () => new Error('too large'))).toString('latin1');
    const csrPem = derToPem(Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'), 'CERTIFICATE REQUEST');
    let leaf: string;
    try {
      leaf = await issueCertificate({ csrPem, issuerCertPem: opts.ca.intermediate.certPem, issuerKeyPem: opts.ca.intermediate.keyPem, days: opts.leafDays ?? 365 });
    } catch (e) {
      return fail(res, 400, `Bad request: ${(e as Error).message}`);
    }
    count(op);
    const info = parseCertificate(leaf);
    issued.push({ serial: info.serial, cn: info.subject.cn ?? '', user: who, op });
    return pkcs7(res, [leaf]);
  };

  const server = https.createServer({ key, cert: `${certPem.trim()}\n${opts.ca.intermediate.certPem.trim()}\n` }, (req, res) => {
    handler(req, res).catch(() => (res.headersSent ? res.destroy() : fail(res, 500, 'Internal Server Error')));
  });
  server.on('tlsClientError', () => {});
  const listening = await listenOnLoopback(server);
  const url = `https://127.0.0.1:${listening.port}${BASE}`;
  return {
    name: 'est', url, certPem,
    state: () => ({ counters: { ...counters }, issued: [...issued] }),
    close: listening.close,
  };
}
