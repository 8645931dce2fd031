// The HTTPS server of the SCM emulator: lab endpoints (/__lab/...), the SSL API under
// /api/ssl/v1, /api/ssl/v2 and /private/api/ssl/v1|v2, latency and fault injection,
// and the translation of ScmApiError into SCM's {code, description} answers.
import { readBody } from '../read-body.js';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSelfSigned } from '../../pki/index.js';
import { authenticate } from './auth.js';
import { ScmCertificates } from './certificates.js';
import { ScmApiError, scmError, unparsable } from './errors.js';
import { namesToCertify } from './issuance.js';
import { defaultKnobs, mergeInto, takeFault } from './knobs.js';
import type { Json } from './requests.js';
import { ROUTES, type Reply } from './routes.js';
import { colonSerial, effectiveStatus, ScmStore } from './store.js';
import { DEFAULT_CERT_TYPES, DEFAULT_ORG_IDS } from './tenant-defaults.js';
import type { ScmEmulatorHandle, ScmEmulatorOptions, ScmKnobs } from './types.js';

const JSON_TYPE = 'application/json;charset=UTF-8';
const API_PATH = /^(\/private)?\/api\/ssl\/v[12](\/.*)?$/;
const MAX_BODY = 1 << 20;

const readRequest = async (req: IncomingMessage) => (await readBody(req, MAX_BODY, () => scmError(413, -1002))).toString('utf8');

function parseJson(text: string): Json | undefined {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw unparsable();
  }
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.kind === 'file') {
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream;charset=UTF-8',
      'Content-Disposition': `attachment; filename="${reply.file.filename}"`,
      'Content-Length': String(reply.file.body.length),
    });
    res.end(reply.file.body);
  } else if (reply.kind === 'json') {
    const body = Buffer.from(JSON.stringify(reply.body));
    res.writeHead(reply.status, { 'Content-Type': JSON_TYPE, 'Content-Length': String(body.length), ...reply.headers });
    res.end(body);
  } else {
    res.writeHead(reply.status, { ...reply.headers });
    res.end();
  }
}

function errorReplyWith(knobs: ScmKnobs) {
  return (e: ScmApiError): Reply => ({
    kind: 'json',
    status: e.status,
    body: e.body(),
    ...(e.status === 401 && knobs.wwwAuthenticate ? { headers: { 'WWW-Authenticate': knobs.wwwAuthenticate } } : {}),
  });
}

export async function startScmEmulator(opts: ScmEmulatorOptions): Promise<ScmEmulatorHandle> {
  const tls = opts.tls ?? (await createSelfSigned({ cn: 'fwcert lab SCM', sans: ['127.0.0.1', 'localhost'], days: 365 }));
  const knobs: ScmKnobs = defaultKnobs();
  mergeInto(knobs as unknown as Record<string, unknown>, opts.knobs ?? {});
  const errorReply = errorReplyWith(knobs);
  const store = new ScmStore();
  const certTypes = opts.certTypes ?? DEFAULT_CERT_TYPES;
  const orgIds = opts.orgIds ?? DEFAULT_ORG_IDS;
  const certs = new ScmCertificates({ store, ca: opts.ca, knobs, certTypes, customFields: opts.customFields ?? [], orgIds });

  const state = () => ({
    name: 'scm',
    customerUri: opts.customerUri,
    orgIds,
    certTypes,
    knobs: structuredClone(knobs),
    counters: { ...store.counters },
    certificates: store.all().map((r) => ({
      sslId: r.sslId,
      renewId: r.renewId,
      orderNumber: r.orderNumber,
      status: effectiveStatus(r),
      serial: r.serial,
      serialNumber: r.serial ? colonSerial(r.serial) : undefined,
      commonName: r.commonName,
      subjAltNames: r.subjAltNames,
      sans: namesToCertify(r),
      term: r.term,
      certType: r.certTypeId,
      orgId: r.orgId,
      keyType: r.keyLabel,
      pendingLeft: r.pendingLeft,
      renewsSslId: r.renewsSslId,
      renewed: r.renewed,
      reasonCode: r.reasonCode,
      notAfter: r.notAfter?.toISOString(),
      leafPem: r.leafPem,
    })),
  });
  const setKnobs = (k: object) => mergeInto(knobs as unknown as Record<string, unknown>, k);

  async function handleLab(req: IncomingMessage, path: string, bodyText: string): Promise<Reply> {
    if (req.method === 'GET' && path === '/__lab/state') return { kind: 'json', status: 200, body: state() };
    if (req.method === 'POST' && path === '/__lab/knobs') {
      setKnobs((parseJson(bodyText) ?? {}) as object);
      return { kind: 'json', status: 200, body: structuredClone(knobs) };
    }
    const revoke = /^\/__lab\/revoke\/(\d+)$/.exec(path);
    if (req.method === 'POST' && revoke) {
      const body = parseJson(bodyText) as { reasonCode?: number } | undefined;
      certs.revokeBehindTheBack(Number(revoke[1]), Number(body?.reasonCode ?? 0));
      return { kind: 'empty', status: 204 };
    }
    return { kind: 'json', status: 404, body: { code: -1, description: `No lab endpoint ${req.method} ${path}` } };
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, m: RegExpExecArray, bodyText: string): Promise<Reply | undefined> {
    if (knobs.latencyMs > 0) await sleep(knobs.latencyMs);
    // No trailing-slash leniency: the documented list URL is `/api/ssl/v1?...` and `/api/ssl/v1/?...`
    // is not a documented path (reference §3.6); a client that adds the slash must see the 404.
    const sub = m[2] ?? '';
    const candidates = ROUTES.filter((r) => r.path.test(sub));
    // Real SCM answers HEAD wherever GET exists; only the list's HEAD (count) has its own meaning.
    const route = candidates.find((r) => r.method === req.method) ?? (req.method === 'HEAD' ? candidates.find((r) => r.method === 'GET') : undefined);
    if (!route) {
      if (candidates.length) return { kind: 'json', status: 405, body: { code: -1, description: `Request method '${req.method}' not supported` } };
      return { kind: 'json', status: 404, body: { code: -1, description: 'Not Found' } };
    }
    try {
      authenticate(req, m[1] === '/private', opts.users, opts.customerUri);
    } catch (e) {
      store.count('authFailed');
      throw e;
    }
    store.count(route.operation);
    const fault = takeFault(knobs, route.operation);
    if (fault?.reset) {
      res.socket?.destroy();
      return undefined;
    }
    if (fault?.dropAnswer) {
      await route.run(certs, { params: route.path.exec(sub)!.slice(1), query: url.searchParams, body: parseJson(bodyText), login: req.headers.login as string });
      res.socket?.destroy();
      return undefined;
    }
    if (fault) {
      const code = fault.code ?? -2;
      const e = fault.description !== undefined ? new ScmApiError(fault.status ?? 500, code, fault.description) : scmError(fault.status ?? 500, code);
      return errorReply(e);
    }
    const login = req.headers.login as string;
    return route.run(certs, { params: route.path.exec(sub)!.slice(1), query: url.searchParams, body: parseJson(bodyText), login });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply | undefined;
    try {
      const url = new URL(req.url ?? '/', 'https://scm.lab');
      const bodyText = await readRequest(req);
      const api = API_PATH.exec(url.pathname);
      if (url.pathname.startsWith('/__lab/')) reply = await handleLab(req, url.pathname, bodyText);
      else if (api) reply = await handleApi(req, res, url, api, bodyText);
      else reply = { kind: 'json', status: 404, body: { code: -1, description: 'Not Found' } };
    } catch (e) {
      reply = e instanceof ScmApiError ? errorReply(e) : errorReply(scmError(500, -2));
    }
    if (reply && !res.destroyed) send(res, reply);
  }

  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `https://127.0.0.1:${port}`;

  return {
    name: 'scm',
    url,
    baseUrl: `${url}/api/ssl/v1`,
    privateBaseUrl: `${url}/private/api/ssl/v1`,
    services: {},
    certPem: tls.certPem,
    ca: opts.ca,
    state,
    setKnobs,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
