// The PAN-OS XML API response envelope and its error codes (reference section 2, table from
// [D-ERR]): <response status="success|error" code="N"> with <result> data or <msg><line> text.
import { escapeAttr, escapeText } from './xml-tree.js';

export const Code = {
  BAD_REQUEST: 400,
  FORBIDDEN: 403,
  UNKNOWN_COMMAND: 1,
  INTERNAL_ERROR: 2,
  BAD_XPATH: 6,
  OBJECT_NOT_PRESENT: 7,
  OBJECT_NOT_UNIQUE: 8,
  REFERENCE_COUNT_NOT_ZERO: 10,
  INVALID_OBJECT: 12,
  OBJECT_NOT_FOUND: 13,
  OPERATION_NOT_POSSIBLE: 14,
  OPERATION_DENIED: 15,
  UNAUTHORIZED: 16,
  INVALID_COMMAND: 17,
  MALFORMED_COMMAND: 18,
  SUCCESS: 19,
  SUCCESS_WRITE: 20,
  SESSION_TIMED_OUT: 22,
} as const;

export interface ApiResponse {
  httpStatus: number;
  contentType: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}

export const XML_CONTENT_TYPE = 'application/xml; charset=UTF-8';

/** Thrown by handlers; turned into an error envelope by the router. */
export class ApiError extends Error {
  constructor(
    readonly code: number | undefined,
    readonly lines: string[],
    /** Result-style body (<result><msg>) instead of <msg><line>, as the 403 reply uses. */
    readonly resultMsg = false,
  ) {
    super(lines.join('; '));
  }
}

function cdata(s: string): string {
  return `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

function codeAttr(code: number | undefined): string {
  return code === undefined ? '' : ` code="${code}"`;
}

/** HTTP status that accompanies an envelope: PAN-OS answers 200 for API-level errors except auth
 * (403, seen on the wire [terraform-templates #29]); 400 for code 400 is *(inferred)*. */
function httpStatusFor(code: number | undefined): number {
  if (code === Code.FORBIDDEN) return 403;
  if (code === Code.BAD_REQUEST) return 400;
  return 200;
}

export function xmlResponse(body: string, httpStatus = 200): ApiResponse {
  return { httpStatus, contentType: XML_CONTENT_TYPE, body };
}

/** `<response status="success" code="19"><result attrs>inner</result></response>` */
export function successResult(inner: string, opts: { code?: number; resultAttrs?: Record<string, string> } = {}): ApiResponse {
  const attrs = Object.entries(opts.resultAttrs ?? {})
    .map(([k, v]) => ` ${k}="${escapeAttr(v)}"`)
    .join('');
  const result = inner === '' ? `<result${attrs}/>` : `<result${attrs}>${inner}</result>`;
  return xmlResponse(`<response status="success"${codeAttr(opts.code)}>${result}</response>`);
}

/** `<response status="success" code="20"><msg>command succeeded</msg></response>` */
export function successMsg(msg: string, code?: number): ApiResponse {
  return xmlResponse(`<response status="success"${codeAttr(code)}><msg>${escapeText(msg)}</msg></response>`);
}

export function errorResponse(e: ApiError): ApiResponse {
  const body = e.resultMsg
    ? `<response status="error"${codeAttr(e.code)}><result><msg>${escapeText(e.lines.join(' '))}</msg></result></response>`
    : `<response status="error"${codeAttr(e.code)}><msg>${e.lines.map((l) => `<line>${cdata(l)}</line>`).join('')}</msg></response>`;
  return xmlResponse(body, httpStatusFor(e.code));
}

/** Bad/expired key or credentials: HTTP 403 + code 403 [o5edaxi/paloversion #7, terraform-templates #29]. */
export function invalidCredential(): ApiError {
  return new ApiError(Code.FORBIDDEN, ['Invalid Credential'], true);
}

/**
 * How the root `<response>` tag's attributes are quoted. `real`: a keygen answers
 * `<response status = 'success'>` (spaces around `=`, single quotes), as captured from real firewalls
 * (o5edaxi/paloversion #7, PaloAltoNetworks/AWS-GWLB-VMSeries #20, and public tools that strip that
 * exact prefix); other answers keep `status="success" code="N"`, as recorded from real devices in
 * puppetlabs-panos' job fixtures, pan-python's tests and pan-os-python #282 (a curl capture)
 * *(that no other answer uses the keygen form is inferred)*. `single-spaced` puts every answer in
 * the keygen form, `double` none: drivers must parse all of them.
 */
export type EnvelopeQuoting = 'real' | 'double' | 'single-spaced';

const ROOT_TAG = /^<response((?:\s+[A-Za-z-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/;
const ATTR = /([A-Za-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** The answer with its root tag quoted as `style` says for a request of this `type`. */
export function withQuoting(r: ApiResponse, type: string, style: EnvelopeQuoting): ApiResponse {
  if (typeof r.body !== 'string' || !r.contentType.startsWith('application/xml')) return r;
  const single = style === 'single-spaced' || (style === 'real' && type === 'keygen');
  const m = ROOT_TAG.exec(r.body);
  if (!m) return r;
  const attrs = [...m[1]!.matchAll(ATTR)].map(([, k, dq, sq]) => (single ? ` ${k} = '${dq ?? sq}'` : ` ${k}="${dq ?? sq}"`)).join('');
  return { ...r, body: `<response${attrs}${m[2]}>${r.body.slice(m[0].length)}` };
}

/** A file download (exports): octet-stream + unquoted `filename=` [PY export handling]. */
export function fileResponse(filename: string, body: string | Buffer): ApiResponse {
  return {
    httpStatus: 200,
    contentType: 'application/octet-stream',
    body,
    headers: { 'content-disposition': `attachment; filename=${filename}` },
  };
}
