// /api/: one endpoint, the request kind is the `type` parameter (reference section 1). This file
// authenticates, counts, injects faults and dispatches; the handlers live in their own files.
import { redact } from '../../core/redact.js';
import { exportCertificate, importCertificate } from './certificate-ops.js';
import { configAction } from './config-actions.js';
import { multiConfig } from './multi-config.js';
import { assertWritable, type Device } from './device.js';
import { ApiError, Code, errorResponse, successResult, xmlResponse, type ApiResponse } from './envelope.js';
import type { FailSpec } from './knobs.js';
import { opPath, runOp, unknownCommand } from './op-commands.js';
import type { ApiParams } from './params.js';
import { child, escapeText, leaf, memberValues, parseElement, serialize, textOf, XmlSyntaxError, type XNode } from './xml-tree.js';

export type RouteOutcome = { kind: 'response'; response: ApiResponse } | { kind: 'reset' } | { kind: 'status'; status: number };

export interface ApiRequest {
  params: ApiParams;
  headers: Record<string, string | string[] | undefined>;
}

function header(req: ApiRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseCmd(raw: string | undefined, what: string): XNode {
  if (!raw) throw new ApiError(Code.BAD_REQUEST, [`Missing required parameter ${what}`]);
  try {
    return parseElement(raw);
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw new ApiError(Code.MALFORMED_COMMAND, [`Malformed command: ${e.message}`]);
    throw e;
  }
}

/** Second-level name used by counters and failNext: config action, import/export category, op path. */
function subOperation(type: string, p: ApiParams): string | undefined {
  if (type === 'config') return p.get('action');
  if (type === 'import' || type === 'export') return p.get('category');
  if (type === 'op') {
    try {
      return opPath(parseElement(p.get('cmd') ?? ''));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function takeFailure(d: Device, keys: string[]): FailSpec | undefined {
  for (const k of keys) {
    const f = d.knobs.failNext[k];
    if (!f) continue;
    const left = (f.count ?? 1) - 1;
    if (left > 0) d.knobs.failNext[k] = { ...f, count: left };
    else delete d.knobs.failNext[k];
    return f;
  }
  return undefined;
}

function descendant(n: XNode, tag: string): XNode | undefined {
  for (const c of n.children) {
    if (c.tag === tag) return c;
    const deeper = descendant(c, tag);
    if (deeper) return deeper;
  }
  return undefined;
}

/** type=commit: `<commit>` full, or `<commit><partial><admin><member>NAME</member></admin></partial></commit>`;
 * `<description>` may sit in <commit> or in <partial> [CG]; `<force/>` commits even without changes.
 * The exclusion flags (device-and-network, shared-object, ...) are accepted but not modelled. */
function handleCommit(d: Device, admin: string, p: ApiParams): ApiResponse {
  const cmd = parseCmd(p.get('cmd') ?? '<commit></commit>', 'cmd');
  if (cmd.tag !== 'commit') throw unknownCommand([cmd.tag]);
  assertWritable(d, admin);
  if (child(cmd, 'validate')) {
    const job = d.jobs.validate(admin);
    return xmlResponse(`<response status="success" code="19"><result>${d.jobs.enqueuedXml(job)}</result></response>`);
  }
  const partial = descendant(cmd, 'partial');
  const admins = partial ? memberValues(child(partial, 'admin')) : [];
  const job = d.jobs.commit({
    user: admin,
    description: textOf(descendant(cmd, 'description')) ?? '',
    ...(admins.length ? { admins } : {}),
    force: descendant(cmd, 'force') !== undefined,
  });
  if (!job) return xmlResponse('<response status="success" code="19"><msg>There are no changes to commit.</msg></response>');
  return xmlResponse(`<response status="success" code="19"><result>${d.jobs.enqueuedXml(job)}</result></response>`);
}

/** type=version: version facts in <result>, incl. <model> [ACME keytest, CG]. */
function versionXml(d: Device): string {
  return [leaf('sw-version', d.info.swVersion), leaf('multi-vsys', 'off'), leaf('model', d.info.model), leaf('serial', d.info.serial)]
    .map(serialize)
    .join('');
}

async function dispatch(d: Device, type: string, req: ApiRequest): Promise<ApiResponse> {
  const p = req.params;
  if (type === 'keygen') {
    // pango notes a keygen "will also invalidate the existing key" - knob keygenRotatesKey.
    const key = d.keys.keygen(p.get('user'), p.get('password'), d.knobs.keygenRotatesKey);
    return successResult(`<key>${escapeText(key)}</key>`);
  }
  if (d.knobs.keyExpired) {
    d.keys.expireAll();
    d.knobs.keyExpired = false;
  }
  const admin = d.keys.authenticate(p.get('key') ?? header(req, 'x-pan-key'), header(req, 'authorization'));
  switch (type) {
    case 'version':
      return successResult(versionXml(d));
    case 'config':
      return p.get('action') === 'multi-config' ? multiConfig(d, admin, p) : configAction(d, admin, p);
    case 'op':
      return runOp(d, admin, parseCmd(p.get('cmd'), 'cmd'), p.get('vsys'));
    case 'commit':
      return handleCommit(d, admin, p);
    case 'import':
      assertWritable(d, admin);
      return importCertificate({ store: d.store, vault: d.vault, knobs: d.knobs, admin }, p);
    case 'export':
      return exportCertificate({ store: d.store, vault: d.vault, knobs: d.knobs, admin }, p);
    default:
      throw new ApiError(Code.BAD_REQUEST, [`Invalid or unsupported type '${type}'`]);
  }
}

export async function routeApi(d: Device, req: ApiRequest): Promise<RouteOutcome> {
  const type = req.params.get('type') ?? '';
  const sub = subOperation(type, req.params);
  const count = (k: string) => (d.counters[k] = (d.counters[k] ?? 0) + 1);
  count(type || 'missing-type');
  if (sub) count(`${type}.${sub}`);
  const byPath = [type, sub ?? '', req.params.get('xpath') ?? ''].join(' ');
  d.requestsByPath[byPath] = (d.requestsByPath[byPath] ?? 0) + 1;
  const fail = takeFailure(d, [...(sub ? [`${type}.${sub}`] : []), type]);
  if (fail?.reset) return { kind: 'reset' };
  if (fail?.status !== undefined && fail.code === undefined) return { kind: 'status', status: fail.status };
  if (fail?.code !== undefined) {
    const lines = [fail.message ?? (fail.code === Code.FORBIDDEN ? 'Invalid Credential' : 'Internal error')];
    return { kind: 'response', response: errorResponse(new ApiError(fail.code, lines, fail.code === Code.FORBIDDEN)) };
  }
  try {
    if (!type) throw new ApiError(Code.BAD_REQUEST, ['Missing required parameter type']);
    return { kind: 'response', response: await dispatch(d, type, req) };
  } catch (e) {
    // Anything unexpected is the device's "Internal error" (code 2), not a crash.
    if (!(e instanceof ApiError)) d.internalErrors.push(redact(e instanceof Error ? e.message : String(e)));
    const err = e instanceof ApiError ? e : new ApiError(Code.INTERNAL_ERROR, ['Internal error']);
    return { kind: 'response', response: errorResponse(err) };
  }
}
