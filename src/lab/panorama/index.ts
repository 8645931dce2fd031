// Panorama emulator: the PAN-OS XML API of a Panorama (model "Panorama", 31-character names) with
// templates, template stacks, admin-scoped commits and commit-all pushes, plus N managed firewalls,
// each a full PAN-OS emulator whose `gp-portal` data-plane port serves what the last push gave it.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createSelfSigned } from '../../pki/index.js';
import type { EmulatorHandle } from '../emulator.js';
import { readBody } from '../read-body.js';
import { ApiKeys, type AdminAccount } from '../panos/auth.js';
import { certificateEntry, KeyVault } from '../panos/cert-entry.js';
import { validateForCommit } from '../panos/commit-validation.js';
import { CommitJobs } from '../panos/commit-jobs.js';
import { ConfigStore } from '../panos/config-store.js';
import type { Device } from '../panos/device.js';
import { ApiError, errorResponse, withQuoting } from '../panos/envelope.js';
import { startPanosEmulator } from '../panos/index.js';
import { mergeKnobs, type HaState } from '../panos/knobs.js';
import { labState } from '../panos/lab-state.js';
import { mergeParams } from '../panos/params.js';
import { clone, type XNode } from '../panos/xml-tree.js';
import { defaultPanoramaKnobs, type PanoramaKnobs } from './knobs.js';
import { PushJobs, type ManagedFirewall } from './push-jobs.js';
import { routePanorama, type Panorama } from './router.js';
import { buildPanoramaSeed, PANORAMA_SEED } from './seed.js';
import { applyPushed, effectiveConfig, resealKeys } from './templates.js';
import { DEVICE_ENTRY } from '../panos/config-store.js';
import { parseXpath, select } from '../panos/xpath.js';

export type { PanoramaKnobs } from './knobs.js';
export { PANORAMA_SEED } from './seed.js';

export interface PanoramaEmulatorOptions {
  name: string;
  /** At least two: the connector's admin and "another admin". */
  admins: AdminAccount[];
  /** Managed firewalls: their hostnames. */
  firewalls: string[];
  haState?: HaState;
  knobs?: Partial<PanoramaKnobs>;
  /** Knobs for every managed firewall emulator. */
  firewallKnobs?: object;
  swVersion?: string;
}

export interface ManagedFirewallHandle extends EmulatorHandle {
  serial: string;
}

export interface PanoramaHandle extends EmulatorHandle {
  firewalls: ManagedFirewallHandle[];
}

const MAX_BODY = 16 * 1024 * 1024;

/** A 15-digit serial like a VM-Series one, stable per hostname. */
function serialFor(name: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(`managed:${name}`).digest('hex').slice(0, 16)}`).toString().padStart(11, '0');
  return `0079${digits.slice(0, 11)}`;
}

/** Panorama commits check each template stack as the firewalls would get it, and each template. */
function validatePanorama(config: XNode): string[] {
  const problems: string[] = [];
  for (const kind of ['template-stack', 'template'] as const) {
    for (const e of select(config, parseXpath(`${DEVICE_ENTRY}/${kind}/entry`))) {
      const eff = effectiveConfig(config, kind, e.attrs.name ?? '');
      const lines = eff ? validateForCommit(eff) : [];
      problems.push(...lines.filter((l) => l !== 'Validation Error:').map((l) => ` ${kind} ${e.attrs.name} ->${l}`));
    }
  }
  return problems.length ? ['Validation Error:', ...problems] : [];
}

export async function startPanoramaEmulator(opts: PanoramaEmulatorOptions): Promise<PanoramaHandle> {
  if (opts.admins.length < 2) throw new Error('the Panorama emulator needs at least two admins (the connector and another admin)');
  const ec = { type: 'ecdsa', curve: 'P-256' } as const;
  const knobs = defaultPanoramaKnobs(opts.haState ?? 'standalone');
  if (opts.knobs) mergeKnobs(knobs, opts.knobs);
  const firewallAdmin = { username: 'panorama', password: randomBytes(12).toString('base64url') };
  const other = { username: 'local-admin', password: randomBytes(12).toString('base64url') };

  const firewalls: ManagedFirewall[] = [];
  const fwHandles: ManagedFirewallHandle[] = [];
  const started: EmulatorHandle[] = [];
  try {
    for (const hostname of opts.firewalls) {
      let internals: { device: Device; refreshDataPlane: () => void } | undefined;
      const h = await startPanosEmulator({
        name: hostname,
        admins: [firewallAdmin, other],
        ...(opts.firewallKnobs ? { knobs: opts.firewallKnobs } : {}),
        onStart: (i) => (internals = i),
      });
      started.push(h);
      const serial = internals!.device.info.serial;
      firewalls.push({ hostname, serial, device: internals!.device, refreshDataPlane: internals!.refreshDataPlane });
      fwHandles.push({ ...h, serial });
    }
  } catch (e) {
    await Promise.all(started.map((h) => h.close().catch(() => undefined)));
    throw e;
  }

  const [apiTls, gpDefault] = await Promise.all([
    createSelfSigned({ cn: '127.0.0.1', sans: ['127.0.0.1', 'localhost'], days: 825, key: ec }),
    createSelfSigned({ cn: `${PANORAMA_SEED.stack}-gp-portal`, sans: ['127.0.0.1', 'localhost'], days: 825, key: ec }),
  ]);
  const vault = new KeyVault();
  const seed = buildPanoramaSeed({
    admins: opts.admins.map((a) => a.username),
    firewalls: firewalls.map((f) => ({ serial: f.serial, hostname: f.hostname })),
    gpCert: certificateEntry(PANORAMA_SEED.gpCert, gpDefault.certPem, vault.seal(gpDefault.keyPem), knobs.ecAlgorithmLabel),
  });
  const store = new ConfigStore(seed);
  const device: Device = {
    info: {
      hostname: opts.name,
      serial: serialFor(opts.name).replace(/^0079/, '0007'),
      model: 'Panorama', // pan-chainguard tells Panorama by this model string [CG]
      swVersion: opts.swVersion ?? '10.2.9',
      ipAddress: '127.0.0.1',
      bootedAt: new Date(),
    },
    store,
    vault,
    knobs,
    keys: new ApiKeys(opts.admins),
    jobs: new CommitJobs(store, () => knobs, opts.admins[1]!.username, () => undefined, validatePanorama),
    counters: {},
    internalErrors: [],
  };
  const pushes = new PushJobs(device, firewalls, () => knobs);
  const panorama: Panorama = { device, knobs, pushes, firewalls, firewallAdmin };

  // The firewalls start as after an earlier push of the stack.
  const initial = effectiveConfig(store.running, 'template-stack', PANORAMA_SEED.stack)!;
  for (const fw of firewalls) {
    const pushed = clone(initial);
    resealKeys(pushed, vault, fw.device.vault);
    applyPushed(fw.device.store.running, pushed, undefined);
    applyPushed(fw.device.store.candidate, pushed, undefined);
    fw.lastPushed = pushed;
    fw.refreshDataPlane();
  }
  let url = '';
  const state = () => ({
    ...labState(device, { name: opts.name, url, services: {} }, {}),
    pushJobs: pushes.summary(),
    firewalls: fwHandles.map((h) => ({ name: h.name, serial: h.serial, url: h.url, services: h.services, state: h.state() })),
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'https://127.0.0.1');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (u.pathname === '/__lab/state' && req.method === 'GET') return json(200, state());
    if (u.pathname === '/__lab/knobs' && req.method === 'POST') {
      try {
        mergeKnobs(knobs, JSON.parse((await readBody(req, MAX_BODY, () => new Error('too large'))).toString('utf8') || '{}') as Record<string, unknown>);
        return json(200, knobs);
      } catch {
        return json(400, { error: 'knobs must be a JSON object' });
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
      const body = await readBody(req, MAX_BODY, () => new Error('request body too large'));
      const params = await mergeParams(u, req.headers['content-type'], body, { rejectQuotedBoundary: knobs.rejectQuotedMultipartBoundary });
      requestType = params.get('type') ?? '';
      outcome = await routePanorama(panorama, { params, headers: req.headers });
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
    // Same quoting as a firewall's answers (keygen: `status = 'success'`), see withQuoting.
    const r = withQuoting(outcome.response, requestType, knobs.responseQuoting);
    res.writeHead(r.httpStatus, { 'content-type': r.contentType, ...(r.headers ?? {}) });
    res.end(r.body);
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
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (e) {
    await Promise.all(started.map((h) => h.close().catch(() => undefined)));
    throw e;
  }
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('emulator has no address');
  url = `https://127.0.0.1:${addr.port}`;

  return {
    name: opts.name,
    url,
    services: {},
    certPem: apiTls.certPem,
    state,
    setKnobs: (k: object) => mergeKnobs(knobs, k as Record<string, unknown>),
    firewalls: fwHandles,
    close: async () => {
      device.jobs.close();
      pushes.close();
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise<void>((resolve) => server.close(() => resolve())), ...started.map((h) => h.close().catch(() => undefined))]);
    },
  };
}
