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
  const xpath = params.get('xpath') ?? fallback;
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
    case 'set': {
      const steps = xpathOf(params);
      const elements = elementOf(params, false);
      assertWritable(d, admin);
      checkNames(d, steps, elements);
      d.store.set(admin, steps, elements);
      return successMsg('command succeeded', Code.SUCCESS_WRITE);
    }
    case 'edit': {
      const steps = xpathOf(params);
      const elements = elementOf(params, true);
      assertWritable(d, admin);
      checkNames(d, steps, elements);
      d.store.edit(admin, steps, elements[0]!);
      return successMsg('command succeeded', Code.SUCCESS_WRITE);
    }
    case 'delete': {
      const steps = xpathOf(params);
      assertWritable(d, admin);
      // UNVERIFIED SHAPE. Deleting what is not there: success + code 7. Code 7 is what pan-chainguard
      // saw on deletes and pan-python's tests show on a get of a deleted node; the status on a delete and
      // the message text are inferred. Confirmed by: a capture of `type=config&action=delete` on an
      // xpath that names nothing, from a real firewall (PAN-OS 10.x/11.x). Drivers must accept code 7
      // with status success or error (see the driver's isNotPresent tests).
      if (!d.store.delete(admin, steps)) return successMsg("Object doesn't exist", Code.OBJECT_NOT_PRESENT);
      return successMsg('command succeeded', Code.SUCCESS_WRITE);
    }
    default:
      throw new ApiError(Code.BAD_REQUEST, [`Invalid or unsupported action '${action}'`]);
  }
}
