// Several certificate objects deleted in one request: type=config&action=multi-config with one
// <delete id xpath/> per object (pango xmlapi/multiconfig.go, pan-python multi_config; the answer's shape
// and its sources are described in src/lab/panos/multi-config.ts). The device applies all of them or,
// when one fails (an object still referenced: code 10), none (pan-python's doc); then, and when the
// device does not know multi-config (documented from PAN-OS 10.2, pan.dev; an older release answers
// with an error), each object is deleted by itself, so that each gets its own answer and is reported
// and retried on its own.
import { errorMessage } from '../../core/errors.js';
import type { RemoveOutcome } from '../target.js';
import type { PanosSession } from './api.js';
import { readCertificates, removeCertificate } from './certificates.js';
import { failureMessage, isFailure, type PanosReply } from './envelope.js';
import type { PanosLocation } from './locations.js';
import { allText, asArray, escapeXml, isNode, type XmlNode } from './xml.js';

/** One nested `<response status code id>` of a multi-config answer. */
interface Answer {
  status?: string;
  code?: number;
  id?: string;
  message: string;
}

function answersOf(reply: PanosReply): Answer[] {
  return asArray(reply.root.response)
    .filter(isNode)
    .map((r: XmlNode) => {
      const attr = (k: string) => (typeof r[`@_${k}`] === 'string' ? (r[`@_${k}`] as string).trim() : undefined);
      const code = attr('code');
      return { status: attr('status'), code: code && /^\d+$/.test(code) ? Number(code) : undefined, id: attr('id'), message: allText(r.msg).map((l) => l.trim()).join(' ') };
    });
}

/** The request element: `<multi-configure-request><delete id="1" xpath="..."/>...`; every name is
 *  quoted for the xpath (xpathLiteral, in loc.certificate) and the xpath escaped for the attribute. */
export function multiDeleteElement(loc: PanosLocation, names: string[]): string {
  const requests = names.map((n, i) => `<delete id="${i + 1}" xpath="${escapeXml(loc.certificate(n))}"/>`);
  return `<multi-configure-request>${requests.join('')}</multi-configure-request>`;
}

export async function removeCertificates(
  s: PanosSession, loc: PanosLocation, names: string[], device: string, log: (m: string) => void,
): Promise<RemoveOutcome[]> {
  const alone = async (name: string): Promise<RemoveOutcome> => {
    try {
      return { name, result: (await removeCertificate(s, loc, name, device)) ? 'removed' : 'gone' };
    } catch (error) {
      return { name, result: 'failed', error };
    }
  };
  const eachAlone = async (list: string[]): Promise<RemoveOutcome[]> => {
    const out: RemoveOutcome[] = [];
    for (const n of list) out.push(await alone(n));
    return out;
  };
  if (names.length < 2) return eachAlone(names);

  let reply: PanosReply;
  try {
    reply = await s.multiConfig(multiDeleteElement(loc, names), `delete ${names.length} certificates`);
  } catch (e) {
    log(`cannot delete ${names.length} certificates in one request (${errorMessage(e)}); deleting each`);
    return eachAlone(names);
  }
  const answers = answersOf(reply);
  if (isFailure(reply)) {
    const failed = answers.find((a) => a.status === 'error');
    const why = failed ? `request ${failed.id ?? '?'}: code ${failed.code ?? '?'} ${failed.message}`.trim() : failureMessage('multi-config', reply);
    log(`the device refused deleting ${names.length} certificates in one request (${why}); deleting each`);
    return eachAlone(names);
  }
  const byId = new Map(answers.map((a) => [a.id, a]));
  const outcomes = new Map<string, RemoveOutcome>();
  const notPresent: string[] = [];
  const again: string[] = [];
  names.forEach((name, i) => {
    const a = byId.get(String(i + 1));
    if (!a || a.status === 'error') again.push(name);
    else if (a.code === 7) notPresent.push(name);
    else outcomes.set(name, { name, result: 'removed' });
  });
  if (notPresent.length) {
    // Code 7 has been seen on deletes of objects that do exist (pan-chainguard): one read tells.
    try {
      const listed = new Set((await readCertificates(s, loc)).map((c) => c.name));
      for (const name of notPresent) {
        if (listed.has(name)) again.push(name);
        else outcomes.set(name, { name, result: 'gone' });
      }
    } catch {
      again.push(...notPresent);
    }
  }
  for (const o of await eachAlone(again)) outcomes.set(o.name, o);
  return names.map((n) => outcomes.get(n)!);
}
