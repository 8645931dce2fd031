// PAN-OS firewall emulator (XML API at /api/, built from the PAN-OS XML API documentation and real clients):
// HTTPS server on 127.0.0.1, lab endpoints (/__lab/state, /__lab/knobs), and the GlobalProtect
// portal data-plane port that serves the certificate of the RUNNING config.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createSelfSigned } from '../../pki/index.js';
import type { EmulatorHandle } from '../emulator.js';
import { readBody } from '../read-body.js';
import { routeApi } from './api-router.js';
import { ApiKeys, type AdminAccount } from './auth.js';
import { certificateEntry, KeyVault } from './cert-entry.js';
import { CommitJobs } from './commit-jobs.js';
import { ConfigStore } from './config-store.js';
import { DataPlaneService } from './data-plane.js';
import type { Device } from './device.js';
import { ApiError, errorResponse, withQuoting, type ApiResponse } from './envelope.js';
import { defaultKnobs, mergeKnobs, type HaState, type PanosKnobs } from './knobs.js';
import { labState } from './lab-state.js';
import { mergeParams } from './params.js';
import { buildSeedConfig, SEED_NAMES, type InboundInspectionSchema } from './seed-config.js';
import { resolveGpPortal } from './service-bindings.js';

export type { PanosKnobs, HaState, FailSpec } from './knobs.js';

export type { EmulatorHandle };

export interface PanosEmulatorOptions {
  name: string;
  port?: number;
  tls?: { certPem: string; keyPem: string };
  /** At least two: the connector's admin and "another admin" (the lock knobs' holder). */
  admins: AdminAccount[];
  haState?: HaState;
  knobs?: Partial<PanosKnobs>;
  model?: string;
  swVersion?: string;
  /** Shape of the seeded inbound inspection rule (newer member list or legacy single name). */
  inboundInspectionSchema?: InboundInspectionSchema;
  /** The lab's Panorama mode manages this firewall: it gets the device and a way to re-read the
   * data plane after it writes a pushed template into the running config. */
  onStart?: (internals: { device: Device; refreshDataPlane: () => void }) => void;
}

const MAX_BODY = 16 * 1024 * 1024;

const readRequest = (req: IncomingMessage) => readBody(req, MAX_BODY, () => new Error('request body too large'));

function send(res: ServerResponse, r: ApiResponse): void {
  res.writeHead(r.httpStatus, { 'content-type': r.contentType, ...(r.headers ?? {}) });
  res.end(r.body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A 15-digit serial like a VM-Series one ("0079..."), stable per device name. */
function serialFor(name: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(name).digest('hex').slice(0, 16)}`).toString().padStart(11, '0');
  return `0079${digits.slice(0, 11)}`;
}

export async function startPanosEmulator(opts: PanosEmulatorOptions): Promise<EmulatorHandle> {
  if (opts.admins.length < 2) throw new Error('the PAN-OS emulator needs at least two admins (the connector and another admin)');
  const ec = { type: 'ecdsa', curve: 'P-256' } as const; // seeds use EC keys: fast to make, fine for a lab
  const [apiTls, gpDefault, inboundDefault] = await Promise.all([
    opts.tls ?? createSelfSigned({ cn: '127.0.0.1', sans: ['127.0.0.1', 'localhost'], days: 825, key: ec }),
    createSelfSigned({ cn: `${opts.name}-gp-portal`, sans: ['127.0.0.1', 'localhost'], days: 825, key: ec }),
    createSelfSigned({ cn: `${opts.name}-inbound-web`, sans: ['127.0.0.1'], days: 825, key: ec }),
  ]);
  const knobs = defaultKnobs(opts.haState ?? 'standalone');
  if (opts.knobs) mergeKnobs(knobs, opts.knobs);
  const vault = new KeyVault();
  const seed = buildSeedConfig({
    hostname: opts.name,
    admins: opts.admins.map((a) => a.username),
    inboundSchema: opts.inboundInspectionSchema ?? 'members',
    certs: {
      mgmt: certificateEntry(SEED_NAMES.mgmtCert, apiTls.certPem, vault.seal(apiTls.keyPem), knobs.ecAlgorithmLabel),
      gpPortal: certificateEntry(SEED_NAMES.gpCert, gpDefault.certPem, vault.seal(gpDefault.keyPem), knobs.ecAlgorithmLabel),
      inboundWeb: certificateEntry(SEED_NAMES.inboundCert, inboundDefault.certPem, vault.seal(inboundDefault.keyPem), knobs.ecAlgorithmLabel),
    },
  });
  const store = new ConfigStore(seed);
  const gpPortal = new DataPlaneService('gp-portal', resolveGpPortal(store.running, vault));
  const planes = { 'gp-portal': gpPortal };
  const device: Device = {
    info: {
      hostname: opts.name,
      serial: serialFor(opts.name),
      model: opts.model ?? 'PA-VM',
      swVersion: opts.swVersion ?? '10.2.9',
      ipAddress: '127.0.0.1',
      bootedAt: new Date(),
    },
    store,
    vault,
    knobs,
    keys: new ApiKeys(opts.admins),
    // The data plane switches only when a commit completes.
    jobs: new CommitJobs(store, () => knobs, opts.admins[1]!.username, () => gpPortal.apply(resolveGpPortal(store.running, vault))),
    counters: {},
    internalErrors: [],
  };

  opts.onStart?.({ device, refreshDataPlane: () => gpPortal.apply(resolveGpPortal(store.running, vault)) });
  const services: Record<string, string> = { 'gp-portal': await gpPortal.listen(0) };
  let url = '';
  const state = () => labState(device, { name: opts.name, url, services }, planes);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'https://127.0.0.1');
    if (u.pathname === '/__lab/state' && req.method === 'GET') return sendJson(res, 200, state());
    if (u.pathname === '/__lab/knobs' && req.method === 'POST') {
      try {
        mergeKnobs(knobs, JSON.parse((await readRequest(req)).toString('utf8') || '{}') as Record<string, unknown>);
        return sendJson(res, 200, knobs);
      } catch {
        return sendJson(res, 400, { error: 'knobs must be a JSON object' });
      }
    }
    if (u.pathname !== '/api/' && u.pathname !== '/api') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('Not Found');
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, POST' });
      return res.end();
    }
    let outcome;
    let requestType = u.searchParams.get('type') ?? '';
    try {
      const body = await readRequest(req);
      const params = await mergeParams(u, req.headers['content-type'], body, { rejectQuotedBoundary: knobs.rejectQuotedMultipartBoundary });
      requestType = params.get('type') ?? '';
      outcome = await routeApi(device, { params, headers: req.headers });
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(400, ['Bad request']);
      outcome = { kind: 'response' as const, response: errorResponse(err) };
    }
    if (knobs.latencyMs > 0) await new Promise((r) => setTimeout(r, knobs.latencyMs));
    if (outcome.kind === 'reset') return req.socket.destroy();
    if (outcome.kind === 'status') {
      res.writeHead(outcome.status, { 'content-type': 'text/html' });
      return res.end(`<html><body>${outcome.status}</body></html>`);
    }
    send(res, withQuoting(outcome.response, requestType, knobs.responseQuoting));
  };

  const server: Server = createServer({ cert: apiTls.certPem, key: apiTls.keyPem }, (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('emulator has no address');
  url = `https://127.0.0.1:${addr.port}`;

  return {
    name: opts.name,
    url,
    services,
    certPem: apiTls.certPem,
    state,
    setKnobs: (k: object) => mergeKnobs(knobs, k as Record<string, unknown>),
    close: async () => {
      device.jobs.close();
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise<void>((resolve) => server.close(() => resolve())), gpPortal.close()]);
    },
  };
}
