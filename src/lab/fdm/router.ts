// Maps HTTPS requests to the emulated device. Order of checks per call:
// lab endpoints -> latency -> web-server restart -> injected faults -> version -> token endpoint
// -> bearer token -> HA standby write guard -> resource.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { COLLECTION_DEFS, type CollectionDef } from './collections.js';
import type { FdmDevice } from './device.js';
import { haStatus, systemInfo } from './device-info.js';
import {
  FdmHttpError, injected, internalError, invalidUuid, malformedJson, methodNotAllowed, objectNotFound, pathNotFound,
  serviceUnavailable, standbyWrite, tokenError, unauthorized,
} from './errors.js';
import { bearerToken, readBody, sendEmpty, sendJson } from './http-io.js';
import { paginate, parseListQuery } from './listing.js';
import { type ObjectsContext, createObject, deleteObject, getObject, listObjects, updateObject } from './objects-api.js';
import { pendingChanges } from './pending.js';
import { apiLevel, hasPath, specDocument } from './api-spec.js';

const API_PREFIX = /^\/api\/fdm\/([^/]+)(\/.*)?$/;
const WRITES = new Set(['POST', 'PUT', 'DELETE']);

interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  origin: string;
  /** "/api/fdm/<ver>" exactly as the client wrote it, so links echo "latest". */
  base: string;
  /** Path below the base, e.g. "/object/internalcertificates/<id>". */
  sub: string;
  username: string;
}

export function createRequestHandler(
  device: FdmDevice,
  labState: () => unknown,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(device, labState, req, res).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return;
      const e = err instanceof FdmHttpError ? err : internalError();
      device.count(`status_${e.status}`);
      sendJson(res, e.status, e.body, e.contentType);
    });
  };
}

async function handle(device: FdmDevice, labState: () => unknown, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const origin = `https://${req.headers.host ?? '127.0.0.1'}`;
  const url = new URL(req.url ?? '/', origin);
  const path = url.pathname;

  if (path.startsWith('/__lab/')) return labEndpoint(device, labState, method, path, req, res);

  device.count('calls');
  device.countRequest(`${method} ${API_PREFIX.exec(path)?.[2] ?? path}${url.search}`);
  if (device.knobs.latencyMs > 0) await sleep(device.knobs.latencyMs);

  if (device.isRestarting()) {
    device.count('refused_restarting');
    if (device.knobs.webRestartMode === 'reset') {
      req.socket.destroy();
      return;
    }
    throw serviceUnavailable();
  }

  const api = API_PREFIX.exec(path);
  const sub = api ? (api[2] ?? '/') : path;
  const fault = device.takeFault(method, sub, path);
  if (fault !== null) {
    device.count('faults_injected');
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    throw injected(fault);
  }

  if (path === '/api/versions' && method === 'GET') {
    // Outside the versioned base and unauthenticated (reference §1).
    device.count('versions');
    return ok(device, res, 200, { supportedVersions: device.knobs.supportedVersions });
  }
  if (path === '/apispec/ngfw.json' && method === 'GET') {
    // The device's own specification, outside the versioned base; read with a token (FTDAnsible's
    // httpapi plugin fetches it with its session's headers).
    device.tickTokenExpiry();
    if (!device.tokens.verifyAccess(bearerToken(req))) {
      device.count('unauthorized');
      throw unauthorized(device.knobs.expiredTokenStatus);
    }
    device.count('apispec');
    const level = apiLevel(device.knobs.supportedVersions);
    return ok(device, res, 200, specDocument(level, `v${level}`));
  }
  if (!api) throw pathNotFound();
  const version = api[1]!;
  const versionOk = device.knobs.supportedVersions.includes(version) || (version === 'latest' && device.knobs.latestAlias);
  if (!versionOk) throw pathNotFound();

  const call: Call = { req, res, method, url, origin, base: `/api/fdm/${version}`, sub, username: '' };

  if (sub === '/fdm/token') {
    if (method !== 'POST') throw methodNotAllowed(method);
    return token(device, call);
  }

  device.tickTokenExpiry();
  const user = device.tokens.verifyAccess(bearerToken(req));
  if (!user) {
    device.count('unauthorized');
    throw unauthorized(device.knobs.expiredTokenStatus);
  }
  call.username = user.username;

  if (WRITES.has(method) && device.knobs.haMode === 'standby') {
    device.count('refused_standby');
    throw standbyWrite();
  }
  return resource(device, call);
}

function ok(device: FdmDevice, res: ServerResponse, status: number, body: unknown, contentType?: string): void {
  device.count(`status_${status}`);
  if (body === undefined) sendEmpty(res, status);
  else sendJson(res, status, body, contentType);
}

async function jsonBody(req: IncomingMessage, optional = false): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === '') {
    if (optional) return {};
    throw malformedJson('No content to map due to end-of-input');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    // Only the position: V8 may quote a piece of the body, and bodies carry private keys.
    const pos = /position (\d+)/.exec((e as Error).message)?.[1];
    throw malformedJson(pos ? `Unexpected character at position ${pos}` : 'Unexpected end-of-input');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw malformedJson('Cannot deserialize instance out of non-object token');
  }
  return parsed as Record<string, unknown>;
}

async function token(device: FdmDevice, call: Call): Promise<void> {
  device.count('token');
  let body: Record<string, unknown>;
  try {
    body = await jsonBody(call.req);
  } catch {
    throw tokenError('Failed to authenticate user');
  }
  if (typeof body.grant_type === 'string') device.count(`token_${body.grant_type}`);
  const answer = device.tokens.grant(body);
  ok(device, call.res, 200, answer, 'application/json;charset=utf-8');
}

async function resource(device: FdmDevice, call: Call): Promise<void> {
  const { method, sub, res } = call;
  const abs = (p: string) => `${call.origin}${call.base}${p}`;

  const level = apiLevel(device.knobs.supportedVersions);
  for (const def of COLLECTION_DEFS) {
    if (sub === def.path || sub.startsWith(`${def.path}/`)) {
      // FTD 6.3 (API v2) has no /ravpns and no web UI certificate resource: they came with 6.4.
      if (!hasPath(level, def.path)) throw pathNotFound();
      return collection(device, call, def, sub.slice(def.path.length + 1));
    }
  }

  if (sub === '/operational/pendingchanges') {
    if (method !== 'GET') throw methodNotAllowed(method);
    device.count('pendingchanges');
    const all = pendingChanges(device.deployed, device.candidate, abs('/operational/pendingchanges/'));
    return ok(device, res, 200, paginate(all, parseListQuery(call.url), abs(sub)));
  }

  if (sub === '/operational/deploy') {
    if (method === 'POST') {
      device.count('deploy');
      await jsonBody(call.req, true); // optional {forceRefreshDeploymentData}
      return ok(device, res, 200, deployJob(device.deploys.enqueue(call.username), abs));
    }
    if (method !== 'GET') throw methodNotAllowed(method);
    device.count('deploy_list');
    const jobs = device.deploys.list().map((j) => deployJob(j, abs));
    if (call.url.searchParams.has('limit')) return ok(device, res, 200, paginate(jobs, parseListQuery(call.url), abs(sub)));
    // The recorded history answered limit/offset -1 (no paging applied).
    return ok(device, res, 200, { items: jobs, paging: { prev: [], next: [], limit: -1, offset: -1, count: jobs.length, pages: 0 } });
  }

  const deployId = /^\/operational\/deploy\/([^/]+)$/.exec(sub)?.[1];
  if (deployId) {
    if (method === 'GET') {
      device.count('deploy_get');
      const job = device.deploys.get(deployId);
      if (!job) throw objectNotFound(deployId);
      return ok(device, res, 200, deployJob(job, abs));
    }
    if (method === 'DELETE') {
      device.count('deploy_delete');
      const r = device.deploys.remove(deployId);
      if (r !== 'deleted') throw invalidUuid(deployId);
      return ok(device, res, 204, undefined);
    }
    throw methodNotAllowed(method);
  }

  const errorId = /^\/operational\/deploymenterrors\/([^/]+)$/.exec(sub)?.[1];
  if (errorId) {
    if (method !== 'GET') throw methodNotAllowed(method);
    device.count('deploymenterrors_get');
    const found = device.deploys.cliError(errorId);
    if (!found) throw objectNotFound(errorId);
    return ok(device, res, 200, { ...structuredClone(found), links: { self: abs(sub) } });
  }

  if (sub === '/operational/systeminfo/default') {
    if (method !== 'GET') throw methodNotAllowed(method);
    device.count('systeminfo');
    return ok(device, res, 200, systemInfo({
      softwareVersion: device.knobs.softwareVersion,
      selfUrl: abs(sub),
      applianceUuid: device.applianceUuid,
      bootTime: device.bootTime,
      hostname: device.name,
    }));
  }

  // getHAStatus of the FDM Swagger specification: /devices/default/operational/ha/status/{objId}.
  if (sub === '/devices/default/operational/ha/status/default') {
    if (method !== 'GET') throw methodNotAllowed(method);
    device.count('ha_status');
    return ok(device, res, 200, haStatus(device.knobs.haMode, abs(sub), device.haSync()));
  }

  throw pathNotFound();
}

function deployJob(job: object & { id: string }, abs: (p: string) => string) {
  return { ...structuredClone(job), links: { self: abs(`/operational/deploy/${job.id}`) } };
}

async function collection(device: FdmDevice, call: Call, def: CollectionDef, id: string): Promise<void> {
  const { method, res } = call;
  const ctx: ObjectsContext = {
    store: device.candidate,
    knobs: device.knobs,
    collectionUrl: `${call.origin}${call.base}${def.path}`,
  };
  if (id.includes('/')) throw pathNotFound();
  if (id === '') {
    if (method === 'GET') {
      device.count(`${def.name}_list`);
      return ok(device, res, 200, listObjects(def, parseListQuery(call.url), ctx));
    }
    if (method === 'POST') {
      device.count(`${def.name}_post`);
      const body = await jsonBody(call.req);
      return ok(device, res, 200, await createObject(def, body, ctx));
    }
    throw methodNotAllowed(method);
  }
  if (method === 'GET') {
    device.count(`${def.name}_get`);
    return ok(device, res, 200, getObject(def, id, ctx));
  }
  if (method === 'PUT') {
    device.count(`${def.name}_put`);
    const body = await jsonBody(call.req);
    const updated = await updateObject(def, id, body, ctx);
    return updated === null ? ok(device, res, 204, undefined) : ok(device, res, 200, updated);
  }
  if (method === 'DELETE') {
    device.count(`${def.name}_delete`);
    deleteObject(def, id, ctx);
    return ok(device, res, 204, undefined);
  }
  throw methodNotAllowed(method);
}

async function labEndpoint(
  device: FdmDevice,
  labState: () => unknown,
  method: string,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (path === '/__lab/state' && method === 'GET') return sendJson(res, 200, labState());
  if (path === '/__lab/knobs' && method === 'POST') {
    let patch: unknown;
    try {
      patch = JSON.parse(await readBody(req));
      device.setKnobs(patch);
    } catch (e) {
      return sendJson(res, 400, { message: (e as Error).message });
    }
    return sendJson(res, 200, device.knobs);
  }
  return sendJson(res, 404, { message: 'unknown lab endpoint' });
}
