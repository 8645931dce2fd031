// /api/ on the emulated Panorama: the PAN-OS XML API (handled by the firewall emulator's router on
// Panorama's own tree) plus what only Panorama answers: imports into a template (`target-tpl`,
// `target-tpl-vsys` [ACME, ANS, KF]), the push (type=commit&action=all [KF, ACME, PY commit.py]),
// its jobs in `show jobs id`, `show devices all|connected` (pan-os-python refresh_devices), and
// requests forwarded to a managed firewall with `target=<serial>` [PY].
import { redact } from '../../core/redact.js';
import { importCertificate } from '../panos/certificate-ops.js';
import type { ConfigStore } from '../panos/config-store.js';
import { DEVICE_ENTRY } from '../panos/config-store.js';
import { assertWritable, type Device } from '../panos/device.js';
import { ApiError, Code, errorResponse, successResult, xmlResponse, type ApiResponse } from '../panos/envelope.js';
import { routeApi, type ApiRequest, type RouteOutcome } from '../panos/api-router.js';
import type { ApiParams } from '../panos/params.js';
import { child, el, leaf, memberValues, parseElement, serialize, textOf, XmlSyntaxError, type XNode } from '../panos/xml-tree.js';
import { ensurePath, parseXpath } from '../panos/xpath.js';
import type { PanoramaKnobs } from './knobs.js';
import type { ManagedFirewall, PushJobs } from './push-jobs.js';
import { assignedSerials, findTemplate, templateEntry, type TemplateKind } from './templates.js';

export interface Panorama {
  device: Device;
  knobs: PanoramaKnobs;
  pushes: PushJobs;
  firewalls: ManagedFirewall[];
  /** The firewall-side admin Panorama uses when it forwards a request. */
  firewallAdmin: { username: string; password: string };
}

function header(req: ApiRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function authenticate(p: Panorama, req: ApiRequest): string {
  return p.device.keys.authenticate(req.params.get('key') ?? header(req, 'x-pan-key'), header(req, 'authorization'));
}

function parseCmd(raw: string | undefined): XNode {
  if (!raw) throw new ApiError(Code.BAD_REQUEST, ['Missing required parameter cmd']);
  try {
    return parseElement(raw);
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw new ApiError(Code.MALFORMED_COMMAND, [`Malformed command: ${e.message}`]);
    throw e;
  }
}

function count(p: Panorama, k: string): void {
  p.device.counters[k] = (p.device.counters[k] ?? 0) + 1;
}

/** Params with some names replaced or hidden. */
function withParams(params: ApiParams, over: Record<string, string | undefined>): ApiParams {
  return {
    get: (n) => (n in over ? over[n] : params.get(n)),
    file: (n) => params.file(n),
    names: () => [...new Set([...params.names(), ...Object.keys(over)])].filter((n) => over[n] !== undefined || !(n in over)),
  };
}

/** type=commit&action=all: `<commit-all><template-stack|template><name>N</name>[<description>]
 * [<admin><member>u</member></admin>] [<device><member>SERIAL</member></device>]</...></commit-all>`
 * (pan-os-python PanoramaCommitAll; admin scoping on PAN-OS 10.2+). */
function commitAll(p: Panorama, admin: string, cmd: XNode): ApiResponse {
  if (cmd.tag !== 'commit-all') throw new ApiError(Code.UNKNOWN_COMMAND, [` ${cmd.tag} is unexpected`]);
  assertWritable(p.device, admin);
  const body = cmd.children[0];
  if (!body || (body.tag !== 'template' && body.tag !== 'template-stack')) {
    // Device-group, log-collector and WildFire pushes exist but are outside the lab.
    throw new ApiError(Code.INVALID_COMMAND, [` commit-all -> ${body?.tag ?? '(empty)'} is not supported by the lab`]);
  }
  const kind = body.tag as TemplateKind;
  const name = textOf(body, 'name') ?? '';
  const entry = templateEntry(p.device.store.running, kind, name);
  if (!entry) throw new ApiError(Code.INVALID_COMMAND, [` commit-all -> ${kind} -> name '${name}' is invalid`]);
  const assigned = assignedSerials(entry);
  const only = memberValues(child(body, 'device'));
  const unknown = only.filter((s) => !assigned.includes(s));
  if (unknown.length) throw new ApiError(Code.INVALID_COMMAND, [` commit-all -> ${kind} -> device '${unknown[0]}' is not assigned to ${name}`]);
  const admins = memberValues(child(body, 'admin'));
  const job = p.pushes.start({
    id: p.device.jobs.reserveId(),
    user: admin,
    description: textOf(body, 'description') ?? '',
    kind,
    name,
    ...(admins.length ? { admins } : {}),
    serials: only.length ? only : assigned,
  });
  count(p, 'commit.all');
  return xmlResponse(
    `<response status="success" code="19"><result><msg><line>${`Commit all job enqueued with jobid ${job.id}`}</line></msg><job>${job.id}</job></result></response>`,
  );
}

/** type=import with target-tpl: the certificate lands in the template's (or stack's) own tree. */
async function importIntoTemplate(p: Panorama, admin: string, params: ApiParams, tpl: string): Promise<ApiResponse> {
  const store = p.device.store;
  const found = findTemplate(store.candidate, tpl);
  if (!found) throw new ApiError(Code.INVALID_COMMAND, [` target-tpl '${tpl}' is invalid`]);
  assertWritable(p.device, admin);
  const category = params.get('category');
  const format = params.get('format');
  if (p.knobs.rejectTemplateKeypairImport && (category === 'keypair' || (category === 'certificate' && format === 'pkcs12'))) {
    throw new ApiError(undefined, [`Import of ${params.get('certificate-name') ?? ''} failed. private key doesn't exist for csr`]);
  }
  const prefix = parseXpath(`${DEVICE_ENTRY}/${found.kind}/entry[@name="${tpl.replace(/"/g, '')}"]/config`);
  const config = ensurePath(store.candidate, prefix);
  // The certificate operations work on a `<config>` root; here that root is the template's.
  const scoped = {
    candidate: config,
    touch: (who: string, steps: ReturnType<typeof parseXpath>) => store.touch(who, [...prefix, ...steps.slice(1)]),
  } as unknown as ConfigStore;
  return importCertificate({ store: scoped, vault: p.device.vault, knobs: p.knobs, admin }, withParams(params, { vsys: params.get('target-tpl-vsys') }));
}

function devicesXml(p: Panorama, connectedOnly: boolean): string {
  void connectedOnly; // every lab firewall is connected
  const entries = p.firewalls.map((f) =>
    el('entry', { name: f.serial }, [
      leaf('serial', f.serial),
      leaf('connected', 'yes'),
      leaf('hostname', f.hostname),
      leaf('ip-address', f.device.info.ipAddress),
      leaf('model', f.device.info.model),
      leaf('sw-version', f.device.info.swVersion),
      leaf('multi-vsys', 'no'),
      el('vsys', {}, [el('entry', { name: 'vsys1' }, [leaf('display-name', 'vsys1')])]),
    ]),
  );
  return serialize(el('devices', {}, entries));
}

async function forward(p: Panorama, serial: string, req: ApiRequest): Promise<RouteOutcome> {
  const fw = p.firewalls.find((f) => f.serial === serial);
  // Wording *(inferred)*; code 17 like other invalid parameter values.
  if (!fw) throw new ApiError(Code.INVALID_COMMAND, [`target '${serial}' is not a connected managed device`]);
  const key = fw.device.keys.keygen(p.firewallAdmin.username, p.firewallAdmin.password, false);
  return routeApi(fw.device, { params: withParams(req.params, { target: undefined, key }), headers: {} });
}

async function dispatch(p: Panorama, req: ApiRequest): Promise<RouteOutcome | undefined> {
  const params = req.params;
  const type = params.get('type');
  const target = params.get('target');
  if (type === 'keygen' || type === undefined) return undefined;
  if (type === 'commit' && (params.get('action') === 'all' || /^\s*<commit-all[\s>]/.test(params.get('cmd') ?? ''))) {
    count(p, 'commit');
    const admin = authenticate(p, req);
    return { kind: 'response', response: commitAll(p, admin, parseCmd(params.get('cmd'))) };
  }
  if (type === 'import' && params.get('target-tpl')) {
    count(p, 'import');
    count(p, `import.${params.get('category') ?? ''}`);
    const admin = authenticate(p, req);
    return { kind: 'response', response: await importIntoTemplate(p, admin, params, params.get('target-tpl')!) };
  }
  if (target) {
    authenticate(p, req);
    count(p, `forwarded.${type}`);
    return forward(p, target, req);
  }
  if (type === 'op') {
    let cmd: XNode;
    try {
      cmd = parseElement(params.get('cmd') ?? '');
    } catch {
      return undefined;
    }
    const first = cmd.children[0];
    if (cmd.tag === 'show' && first?.tag === 'jobs') {
      const id = textOf(first, 'id');
      const job = id && /^\d+$/.test(id) ? p.pushes.get(Number(id)) : undefined;
      if (!job) return undefined;
      count(p, 'op');
      count(p, 'op.show.jobs.id');
      authenticate(p, req);
      return { kind: 'response', response: successResult(p.pushes.jobXml(job)) };
    }
    if (cmd.tag === 'show' && first?.tag === 'devices' && (child(first, 'all') || child(first, 'connected'))) {
      count(p, 'op');
      authenticate(p, req);
      return { kind: 'response', response: successResult(devicesXml(p, Boolean(child(first, 'connected')))) };
    }
  }
  return undefined;
}

export async function routePanorama(p: Panorama, req: ApiRequest): Promise<RouteOutcome> {
  try {
    const own = await dispatch(p, req);
    if (own) return own;
  } catch (e) {
    if (!(e instanceof ApiError)) p.device.internalErrors.push(redact(e instanceof Error ? e.message : String(e)));
    const err = e instanceof ApiError ? e : new ApiError(Code.INTERNAL_ERROR, ['Internal error']);
    return { kind: 'response', response: errorResponse(err) };
  }
  return routeApi(p.device, req);
}
