// Maps HTTPS requests onto the emulated FMC. Order per call: lab endpoints -> latency -> rate limit /
// 429 storm -> token endpoints -> X-auth-access-token -> foreign login knob -> resource.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { FmcHttpError, page, readJson, sendEmpty, sendJson } from './http-io.js';
import { mergeKnobs } from './knobs.js';
import { GLOBAL_DOMAIN, type FmcModel } from './model.js';
import type { RateWindow, Sessions } from './sessions.js';
import type { FmcUser } from './types.js';

const PLATFORM = '/api/fmc_platform/v1';
const CONFIG = /^\/api\/fmc_config\/v1\/domain\/([^/]+)(\/.*)$/;

export interface RouterDeps {
  model: FmcModel;
  sessions: Sessions;
  rate: RateWindow;
  users: FmcUser[];
  state: () => unknown;
}

export function createFmcHandler(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return;
      const e = err instanceof FmcHttpError ? err : new FmcHttpError(500, 'Internal server error');
      deps.model.count(`status_${e.status}`);
      sendJson(res, e.status, e.body, e.headers);
    });
  };
}

function basicAuth(req: IncomingMessage): { username: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i < 0 ? undefined : { username: text.slice(0, i), password: text.slice(i + 1) };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

async function handle(deps: RouterDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { model, sessions } = deps;
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', `https://${req.headers.host ?? '127.0.0.1'}`);
  const path = url.pathname;

  if (path === '/__lab/state' && method === 'GET') return sendJson(res, 200, deps.state());
  if (path === '/__lab/knobs' && method === 'POST') {
    try {
      mergeKnobs(model.knobs, await readJson(req));
    } catch (e) {
      throw new FmcHttpError(400, (e as Error).message);
    }
    model.applyForeignChanges();
    return sendJson(res, 200, model.knobs);
  }

  model.count('calls');
  if (model.knobs.latencyMs > 0) await sleep(model.knobs.latencyMs);

  // §7: over 120 requests a minute the FMC answers 429; the storm knob forces it.
  const storm = model.knobs.storm429 > 0;
  if (storm || !deps.rate.admit(model.knobs.rateLimitPerMin)) {
    if (storm) model.knobs.storm429--;
    // Counted once, as status_429, by the error handler.
    const ra = model.knobs.retryAfterS;
    throw new FmcHttpError(429, 'Too Many Requests', ra === null ? {} : { 'Retry-After': String(ra) });
  }

  if (path === `${PLATFORM}/auth/generatetoken` && method === 'POST') {
    const cred = basicAuth(req);
    const user = cred && deps.users.find((u) => u.username === cred.username && u.password === cred.password);
    if (!user) throw new FmcHttpError(401, 'Unauthorized: bad credentials');
    const s = sessions.login(user.username);
    model.count('logins');
    // §7: tokens and domains come back in headers of an empty 204.
    return sendEmpty(res, 204, {
      'X-auth-access-token': s.access, 'X-auth-refresh-token': s.refresh, DOMAIN_UUID: GLOBAL_DOMAIN,
      DOMAINS: JSON.stringify(model.domains.map((d) => ({ name: d.name, uuid: d.uuid }))), USER_UUID: s.username,
    });
  }
  if (path === `${PLATFORM}/auth/refreshtoken` && method === 'POST') {
    const s = sessions.refresh(header(req, 'X-auth-access-token'), header(req, 'X-auth-refresh-token'));
    if (!s) {
      model.count('refresh_refused');
      throw new FmcHttpError(401, 'Invalid refresh token or refresh limit reached');
    }
    model.count('refreshes');
    return sendEmpty(res, 204, { 'X-auth-access-token': s.access, 'X-auth-refresh-token': s.refresh, DOMAIN_UUID: GLOBAL_DOMAIN });
  }

  const session = sessions.verify(header(req, 'X-auth-access-token'));
  if (!session) {
    model.count('unauthorized');
    // FMCAnsible issues #58/#66: an expired or replaced token answers 401 "Access token invalid."
    throw new FmcHttpError(401, 'Access token invalid.');
  }
  if (model.knobs.foreignLoginAfterCalls !== null) {
    if (model.knobs.foreignLoginAfterCalls <= 0) {
      // Someone logs in with the same user: this call's token dies with the old session (fmcapi issue #94).
      model.knobs.foreignLoginAfterCalls = null;
      sessions.login(session.username);
      model.count('foreign_logins');
      model.count('unauthorized');
      throw new FmcHttpError(401, 'Access token invalid.');
    }
    model.knobs.foreignLoginAfterCalls--;
  }
  if (path === `${PLATFORM}/auth/revokeaccess` && method === 'POST') {
    sessions.end(session.username);
    return sendEmpty(res, 204);
  }
  if (path === `${PLATFORM}/info/serverversion` && method === 'GET') {
    return sendJson(res, 200, { items: [{ serverVersion: `${model.knobs.version}.0 (build 42)`, type: 'ServerVersion' }] });
  }
  if (path === `${PLATFORM}/info/domain` && method === 'GET') {
    return sendJson(res, 200, page(model.domains.map((d) => ({ uuid: d.uuid, name: d.name, type: 'Domain' })), url, path));
  }
  const cfg = CONFIG.exec(path);
  if (!cfg) throw new FmcHttpError(404, 'Resource not found');
  model.domain(cfg[1]!);
  return config(deps, session.username, cfg[1]!, cfg[2]!, method, url, req, res);
}

async function config(deps: RouterDeps, user: string, domain: string, sub: string, method: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { model } = deps;
  const self = url.pathname;
  const list = (items: unknown[]) => sendJson(res, 200, page(items, url, self));
  const version = Number(model.knobs.version);
  let m: RegExpExecArray | null;

  if (sub === '/devices/devicerecords' && method === 'GET') return list(model.deviceRecords(domain));
  if (sub === '/devicehapairs/ftddevicehapairs' && method === 'GET') return list(model.haPairs(domain));
  if (sub === '/deviceclusters/ftddevicecluster' && method === 'GET') return list(model.clusters(domain, url.searchParams.get('expanded') === 'true'));
  if ((m = /^\/deviceclusters\/ftddevicecluster\/([^/]+)$/.exec(sub)) && method === 'GET') return sendJson(res, 200, model.cluster(m[1]!));

  if (sub === '/object/certenrollments') {
    if (method === 'GET') return list([...model.enrollments.values()].map((e) => model.enrollmentView(e)));
    // §8: POST/PUT/DELETE since 7.2 (fireREST certenrollment).
    if (method === 'POST') return sendJson(res, 201, model.createEnrollment(await readJson(req)));
  }
  if ((m = /^\/object\/certenrollments\/([^/]+)$/.exec(sub))) {
    if (method === 'GET') return sendJson(res, 200, model.enrollmentView(model.enrollment(m[1]!)));
    if (method === 'PUT') return sendJson(res, 200, model.updateEnrollment(m[1]!, await readJson(req), user));
    if (method === 'DELETE') return sendJson(res, 200, model.deleteEnrollment(m[1]!));
  }

  // Decryption known-key certificates (sources in decryption.ts).
  const dec = model.decryption;
  if (sub === '/object/internalcertificates') {
    if (method === 'GET') return list(dec.listCerts());
    if (method === 'POST') return sendJson(res, 201, dec.createCert(await readJson(req)));
  }
  if ((m = /^\/object\/internalcertificates\/([^/]+)$/.exec(sub))) {
    if (method === 'GET') return sendJson(res, 200, dec.getCert(m[1]!));
    if (method === 'PUT') return sendJson(res, 200, dec.updateCert(m[1]!, await readJson(req), user));
    if (method === 'DELETE') return sendJson(res, 200, dec.deleteCert(m[1]!));
  }
  if (sub === '/policy/decryptionpolicies' && method === 'GET') return list(dec.listPolicies());
  if ((m = /^\/policy\/decryptionpolicies\/([^/]+)$/.exec(sub)) && method === 'GET') return sendJson(res, 200, dec.getPolicy(m[1]!));
  if ((m = /^\/policy\/decryptionpolicies\/([^/]+)\/decryptionpolicyrules$/.exec(sub)) && method === 'GET') {
    return list(dec.listRules(m[1]!, url.searchParams.get('expanded') === 'true'));
  }
  if ((m = /^\/policy\/decryptionpolicies\/([^/]+)\/decryptionpolicyrules\/([^/]+)$/.exec(sub))) {
    if (method === 'GET') return sendJson(res, 200, dec.getRule(m[1]!, m[2]!));
    if (method === 'PUT') return sendJson(res, 200, dec.updateRule(m[1]!, m[2]!, await readJson(req), user));
  }

  // §8: the install API exists from 7.7 only; before that the path is unknown.
  if (sub === '/devices/operational/managecertificates' && method === 'POST') {
    if (version < 7.7) throw new FmcHttpError(404, 'Resource not found');
    return sendJson(res, 202, model.manageCertificates(await readJson(req)));
  }
  // terraform device_certificate.yaml: minimum_version 7.4. The status fields of each item
  // (status, identityCertificate, caCertificates with validTo and certificateContent) are INFERRED from
  // the UI columns of seed 003 and FMCAnsible's CertEnrollmentStatus{certificateInfo{isCA, expiry, issuer}}.
  if (sub === '/devices/certificates' && method === 'GET') {
    if (version < 7.4) throw new FmcHttpError(404, 'Resource not found');
    const f = /(?:^|;)deviceId:([^;]+)/.exec(url.searchParams.get('filter') ?? '');
    if (!f) throw new FmcHttpError(400, 'filter deviceId:<uuid> is required');
    return list(model.deviceCertificates(model.managedById(f[1]!)));
  }

  if (sub === '/policy/ravpns' && method === 'GET') return list([...model.ravpns.values()].map((r) => structuredClone(r.obj)));
  if ((m = /^\/policy\/ravpns\/([^/]+)$/.exec(sub))) {
    if (method === 'GET') return sendJson(res, 200, structuredClone(model.ravpn(m[1]!).obj));
    if (method === 'PUT') return sendJson(res, 200, model.updateRavpn(m[1]!, await readJson(req), user));
  }
  // fmcapi policyassignments.py: items {policy{id,name,type}, targets[{id,name,type}]}.
  if (sub === '/assignment/policyassignments' && method === 'GET') return list(model.policyAssignments());

  if (sub === '/deployment/deployabledevices' && method === 'GET') return list(model.deployable(domain));
  if ((m = /^\/deployment\/deployabledevices\/([^/]+)\/pendingchanges$/.exec(sub)) && method === 'GET') {
    // FMCAnsible getPendingChanges; the item shape (entity, user{name}) is inferred from its UserList filter.
    return list(model.pendingChanges(model.managedById(m[1]!)));
  }
  if ((m = /^\/deployment\/deployabledevices\/([^/]+)\/deployments$/.exec(sub)) && method === 'GET') {
    // FMCAnsible deployment.yml reads status SUCCEEDED; jobId tying it to the request's task is inferred.
    const dev = model.managedById(m[1]!);
    return list([...dev.deployments].reverse().map((d) => ({ type: 'Deployment', ...d, device: dev.ref })));
  }
  if (sub === '/deployment/deploymentrequests' && method === 'POST') return sendJson(res, 202, model.deploymentRequest(await readJson(req)));

  if ((m = /^\/job\/taskstatuses\/([^/]+)$/.exec(sub)) && method === 'GET') {
    const t = model.task(m[1]!);
    return sendJson(res, 200, { id: t.id, type: 'TaskStatus', taskType: t.taskType, status: t.status, message: t.message, subTasks: t.subTasks });
  }
  throw new FmcHttpError(404, 'Resource not found');
}
