// type=config: action get (candidate) / show (running) / set / edit / delete with an xpath
// (reference sections 2 and 5). Reads answer code 19 with counts, or success + code 7 and an
// empty result when nothing is there; writes answer code 20 "command succeeded".
import { certNameProblem } from './cert-entry.js';
import { assertWritable, type Device } from './device.js';
import { ApiError, Code, successMsg, successResult, type ApiResponse } from './envelope.js';
import type { ApiParams } from './params.js';
import { parseElement, parseFragment, serialize, XmlSyntaxError, type XNode } from './xml-tree.js';
import { parseXpath, XpathError, type Step } from './xpath.js';

function xpathOf(params: ApiParams, fallback?: string): Step[] {
  return parseConfigXpath(params.get('xpath') ?? fallback);
}

function parseConfigXpath(xpath: string | undefined): Step[] {
  if (!xpath) throw new ApiError(Code.BAD_REQUEST, ['Missing required parameter xpath']);
  try {
    const steps = parseXpath(xpath);
    if (steps[0]!.tag !== 'config') throw new XpathError('xpath must start at /config');
    return steps;
  } catch (e) {
    if (e instanceof XpathError) throw new ApiError(Code.BAD_XPATH, [`Bad Xpath: ${e.message}`]);
    throw e;
  }
}

function elementOf(params: ApiParams, single: boolean): XNode[] {
  const element = params.get('element');
  if (element === undefined) throw new ApiError(Code.BAD_REQUEST, ['Missing required parameter element']);
  try {
    return single ? [parseElement(element)] : parseFragment(element);
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw new ApiError(Code.MALFORMED_COMMAND, [`Malformed element: ${e.message}`]);
    throw e;
  }
}

/** Object names the device's schema checks (certificates, SSL/TLS service profiles): a name that
 * breaks the rules is refused with 12 "Invalid object", never stored or evaluated. */
function checkNames(d: Device, steps: Step[], elements: XNode[]): void {
  const named = new Set(['certificate', 'ssl-tls-service-profile']);
  const bad = (name: string) => certNameProblem(name, d.knobs.maxNameLength);
  for (let i = 1; i < steps.length; i++) {
    const s = steps[i]!;
    if (s.tag === 'entry' && s.pred && named.has(steps[i - 1]!.tag) && bad(s.pred.value)) {
      throw new ApiError(Code.INVALID_OBJECT, [` ${steps[i - 1]!.tag} -> '${s.pred.value}' is not a valid name`]);
    }
  }
  const last = steps[steps.length - 1]!.tag;
  const walk = (n: XNode, parentTag: string) => {
    if (n.tag === 'entry' && named.has(parentTag) && n.attrs.name !== undefined && bad(n.attrs.name)) {
      throw new ApiError(Code.INVALID_OBJECT, [` ${parentTag} -> '${n.attrs.name}' is not a valid name`]);
    }
    for (const c of n.children) walk(c, n.tag);
  };
  for (const e of elements) walk(e, last);
}

export function configAction(d: Device, admin: string, params: ApiParams): ApiResponse {
  const action = params.get('action') ?? '';
  switch (action) {
    case 'get':
    case 'show': {
      // show without an xpath prints the whole running config.
      const steps = xpathOf(params, action === 'show' ? '/config' : undefined);
      const nodes = action === 'get' ? d.store.get(steps, d.knobs.dirtyAttributes) : d.store.show(steps);
      if (nodes.length === 0) return successResult('', { code: Code.OBJECT_NOT_PRESENT });
      const inner = nodes.map(serialize).join('');
      // get: code 19 + counts [KF CertificateResult]; show answers without them.
      return action === 'get'
        ? successResult(inner, { code: Code.SUCCESS, resultAttrs: { 'total-count': String(nodes.length), count: String(nodes.length) } })
        : successResult(inner);
    }
    case 'set':
    case 'edit':
    case 'delete': {
      const r = writeConfig(d, admin, action, params.get('xpath'), () => elementOf(params, action === 'edit'));
      return successMsg(r.msg, r.code);
    }
    default:
      throw new ApiError(Code.BAD_REQUEST, [`Invalid or unsupported action '${action}'`]);
  }
}

/** What one write answers: code 20 "command succeeded", or 7 when a delete found nothing. */
export interface WriteAnswer {
  code: number;
  msg: string;
}

/**
 * set / edit / delete of one xpath: a request of its own, or one request of a multi-config
 * (multi-config.ts). `elements` gives the element(s) a set or edit carries (an edit exactly one).
 */
export function writeConfig(d: Device, admin: string, action: 'set' | 'edit' | 'delete', xpath: string | undefined, elements: () => XNode[]): WriteAnswer {
  const steps = parseConfigXpath(xpath);
  if (action === 'delete') {
    assertWritable(d, admin);
    // UNVERIFIED SHAPE. Deleting what is not there: success + code 7. Code 7 is what pan-chainguard
    // saw on deletes and pan-python's tests show on a get of a deleted node; the status on a delete and
    // the message text are inferred (pango's multi-config test fixture answers a request the same way:
    // status success, code 7, "Object doesn't exist"). Confirmed by: a capture of
    // `type=config&action=delete` on an xpath that names nothing, from a real firewall (PAN-OS
    // 10.x/11.x). Drivers must accept code 7 with status success or error (see the driver's isNotPresent tests).
    if (!d.store.delete(admin, steps)) return { code: Code.OBJECT_NOT_PRESENT, msg: "Object doesn't exist" };
    return { code: Code.SUCCESS_WRITE, msg: 'command succeeded' };
  }
  const nodes = elements();
  if (action === 'edit' && nodes.length !== 1) throw new ApiError(Code.MALFORMED_COMMAND, [`Malformed element: expected one element, got ${nodes.length}`]);
  assertWritable(d, admin);
  checkNames(d, steps, nodes);
  if (action === 'set') d.store.set(admin, steps, nodes);
  else d.store.edit(admin, steps, nodes[0]!);
  return { code: Code.SUCCESS_WRITE, msg: 'command succeeded' };
}
