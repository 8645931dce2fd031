// The PAN-OS reply envelope: <response status="success|error" code="N"> with <result> and/or <msg>.
// Parsed with an XML parser (attribute quoting varies between releases), classified by status and
// code (reference section 2), messages collected from every place the device puts them.
import { DeviceError } from '../../core/errors.js';
import { allText, asArray, child, isNode, parseXml, textOf, type XmlNode } from './xml.js';

export interface PanosReply {
  status: string;
  /** Numeric `code` attribute when present. */
  code?: number;
  /** Message lines, in the order pan-python looks for them. */
  messages: string[];
  /** The `<result>` element (may be an empty string for `<result/>`). */
  result: unknown;
  root: XmlNode;
}

/** A device refusal with its XML API error code (and HTTP status when the transport said so). */
export class PanosApiError extends DeviceError {
  constructor(
    message: string,
    detail: string[],
    readonly code?: number,
    readonly httpStatus?: number,
    retryable = false,
  ) {
    super(message, detail, retryable);
    this.name = 'PanosApiError';
  }
}

// From the PAN-OS XML API error-code table.
const CODE_NAMES: Record<number, string> = {
  1: 'Unknown command',
  2: 'Internal error',
  3: 'Internal error',
  4: 'Internal error',
  5: 'Internal error',
  6: 'Bad Xpath',
  7: 'Object not present',
  8: 'Object not unique',
  10: 'Reference count not zero',
  11: 'Internal error',
  12: 'Invalid object',
  13: 'Object not found',
  14: 'Operation not possible',
  15: 'Operation denied',
  16: 'Unauthorized',
  17: 'Invalid command',
  18: 'Malformed command',
  21: 'Internal error',
  22: 'Session timed out',
  400: 'Bad request',
  403: 'Forbidden',
};

export function codeName(code: number | undefined): string | undefined {
  return code === undefined ? undefined : CODE_NAMES[code];
}

/** Parses an XML API reply body. Throws a PanosApiError when it is not a PAN-OS envelope. */
export function parseReply(body: string, what = 'reply'): PanosReply {
  let doc: XmlNode;
  try {
    doc = parseXml(body);
  } catch (e) {
    throw new PanosApiError(`${what} is not XML: ${body.slice(0, 200)}`, []);
  }
  const root = doc.response;
  if (!isNode(root)) throw new PanosApiError(`${what} is not a PAN-OS <response>: ${body.slice(0, 200)}`, []);
  const status = typeof root['@_status'] === 'string' ? root['@_status'].trim() : 'success';
  const codeText = typeof root['@_code'] === 'string' ? root['@_code'].trim() : undefined;
  const code = codeText !== undefined && /^\d+$/.test(codeText) ? Number(codeText) : undefined;
  return { status, code, messages: replyMessages(root), result: root.result, root };
}

/** Message lines: msg/line, result/msg/line, result/msg, msg, result/job/details/line. */
export function replyMessages(root: XmlNode): string[] {
  const tidy = (xs: string[]) => xs.map((s) => s.trim()).filter(Boolean);
  const msgLines = asArray(child(root, 'msg', 'line'));
  if (msgLines.length) return tidy(allText(msgLines));
  const resultMsgLines = asArray(child(root, 'result', 'msg', 'line'));
  if (resultMsgLines.length) return tidy(allText(resultMsgLines));
  const resultMsg = child(root, 'result', 'msg');
  if (resultMsg !== undefined) return tidy(allText(resultMsg));
  const msg = root.msg;
  if (msg !== undefined) return tidy(allText(msg));
  const jobLines = asArray(child(root, 'result', 'job', 'details', 'line'));
  if (jobLines.length) return tidy(allText(jobLines));
  return [];
}

/**
 * Success means status success (or absent) and a code that is absent or one of the success codes;
 * 7 ("object not present") comes back with status success on a get and is the caller's business.
 */
export function isFailure(r: PanosReply): boolean {
  if (r.status === 'error' || r.status === 'failed') return true;
  if (r.code === undefined || r.code === 0 || r.code === 19 || r.code === 20 || r.code === 7) return false;
  return true;
}

/** True when the device said "this object is not there" (code 7, or the usual wording). */
export function isNotPresent(r: { code?: number; messages: string[] }): boolean {
  if (r.code === 7 || r.code === 13) return true;
  return r.messages.some((m) => /not present|no such node|does not exist|not found/i.test(m));
}

export function failureMessage(what: string, r: { code?: number; messages: string[] }): string {
  const name = codeName(r.code);
  const code = r.code !== undefined ? ` (code ${r.code}${name ? ` ${name}` : ''})` : '';
  const first = r.messages[0] ? `: ${r.messages[0]}` : '';
  return `${what} failed${code}${first}`;
}

/** The `<result>` text, e.g. a keygen key or a pending-changes yes/no. */
export function resultText(r: PanosReply): string | undefined {
  return textOf(r.result);
}
