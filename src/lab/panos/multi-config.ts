// type=config&action=multi-config: several set / edit / delete requests in one call, e.g.
//   element=<multi-configure-request><delete id="1" xpath="..."/><set id="2" xpath="..."><entry .../></set></multi-configure-request>
// Sources: pango (PaloAltoNetworks/pango xmlapi/multiconfig.go and the v1 multiconf.go): the root
// element, one child per request named after its action, with `xpath` and an optional `id` attribute,
// and the element of a set/edit as the request's content. pan-python (kevinsteves/pan-python
// lib/pan/xapi.py multi_config, tests/test_xapi_fw_tgt_multi_config.py run against real firewalls)
// names its root `multi-config`: the root's name is not checked *(inferred from both clients working)*.
// The answer: `<response status="success" code="20">` holding one `<response status code [id]><msg>`
// per request, in order; a delete of nothing answers success + code 7 "Object doesn't exist" (pango's
// test fixtures okMultiConfigResp / invalidMultiConfigResp). A failing request answers
// `<response status="error" code="13">` whose last nested response is the failing one (pango's
// Error() reads the last one; the fixture's outer code 13 is taken as is); pan-python's doc: "When a
// request in the multi-config operation fails, no configuration changes are performed" (knob
// multiConfigAtomic: false keeps the requests before the failing one, an alternative not seen).
// `strict-transactional=yes` (also rolls back the admin's other uncommitted changes and fails while a
// commit runs, pan-python doc) is not emulated: refused, so no test relies on a guess of it.
// Releases without multi-config (knob multiConfig: false) answer as to any unknown action *(inferred)*.
import { assertWritable, type Device } from './device.js';
import { writeConfig, type WriteAnswer } from './config-actions.js';
import { ApiError, Code, xmlResponse, type ApiResponse } from './envelope.js';
import type { ApiParams } from './params.js';
import { escapeAttr, escapeText, parseElement, XmlSyntaxError, type XNode } from './xml-tree.js';

const ACTIONS = new Set(['set', 'edit', 'delete']);

function cdata(s: string): string {
  return `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

function idAttr(req: XNode): string {
  return req.attrs.id !== undefined ? ` id="${escapeAttr(req.attrs.id)}"` : '';
}

function answered(req: XNode, a: WriteAnswer): string {
  return `<response status="success" code="${a.code}"${idAttr(req)}><msg>${escapeText(a.msg)}</msg></response>`;
}

function refused(req: XNode, e: ApiError): string {
  const code = e.code !== undefined ? ` code="${e.code}"` : '';
  return `<response status="error"${code}${idAttr(req)}><msg>${e.lines.map((l) => `<line>${cdata(l)}</line>`).join('')}</msg></response>`;
}

function one(d: Device, admin: string, req: XNode): WriteAnswer {
  if (!ACTIONS.has(req.tag)) throw new ApiError(Code.BAD_REQUEST, [`Invalid or unsupported action '${req.tag}' in multi-config`]);
  return writeConfig(d, admin, req.tag as 'set' | 'edit' | 'delete', req.attrs.xpath, () => req.children);
}

export function multiConfig(d: Device, admin: string, params: ApiParams): ApiResponse {
  if (!d.knobs.multiConfig) throw new ApiError(Code.BAD_REQUEST, [`Invalid or unsupported action 'multi-config'`]);
  if (params.get('strict-transactional') === 'yes') {
    throw new ApiError(Code.BAD_REQUEST, ['strict-transactional=yes is not emulated by the fwcert lab']);
  }
  const raw = params.get('element');
  if (raw === undefined) throw new ApiError(Code.BAD_REQUEST, ['Missing required parameter element']);
  let root: XNode;
  try {
    root = parseElement(raw);
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw new ApiError(Code.MALFORMED_COMMAND, [`Malformed element: ${e.message}`]);
    throw e;
  }
  assertWritable(d, admin);
  const before = d.store.snapshot();
  const answers: string[] = [];
  try {
    for (const req of root.children) {
      try {
        answers.push(answered(req, one(d, admin, req)));
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        answers.push(refused(req, e));
        if (d.knobs.multiConfigAtomic) d.store.restore(before);
        return xmlResponse(`<response status="error" code="${Code.OBJECT_NOT_FOUND}">${answers.join('')}</response>`);
      }
    }
  } catch (e) {
    // An emulator fault (answered as code 2 by the router) leaves nothing half-done either.
    d.store.restore(before);
    throw e;
  }
  return xmlResponse(`<response status="success" code="${Code.SUCCESS_WRITE}">${answers.join('')}</response>`);
}
