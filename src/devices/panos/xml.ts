// XML text and xpath literals for the PAN-OS XML API. Every value that goes into `cmd`, `element` or
// `xpath` passes through here: a certificate name or subject field must never be able to close an
// element or an xpath predicate and change what the device is asked to do.
import { EntityDecoder, ENTITY_ACTION } from '@nodable/entities';
import { XMLParser } from 'fast-xml-parser';
import { DeviceError } from '../../core/errors.js';

// XML 1.0 cannot carry these at all, escaped or not.
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** Escapes text for XML element content and attribute values (both quote kinds, so either is safe). */
export function escapeXml(value: string): string {
  if (XML_FORBIDDEN.test(value)) throw new DeviceError(`value ${JSON.stringify(value)} contains a control character that XML cannot carry`);
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * An xpath 1.0 string literal. XPath has no escape character: a value is quoted with the quote kind it
 * does not contain, and a value holding both kinds is assembled with concat().
 */
export function xpathLiteral(value: string): string {
  if (XML_FORBIDDEN.test(value)) throw new DeviceError(`value ${JSON.stringify(value)} contains a control character`);
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  const parts = value.split("'").map((p) => `'${p}'`);
  return `concat(${parts.join(`, "'", `)})`;
}

/** `<parent>/entry[@name='<name>']` */
export function entryXpath(parent: string, name: string): string {
  return `${parent}/entry[@name=${xpathLiteral(name)}]`;
}

const TAG = /^[A-Za-z][A-Za-z0-9-]*$/;

/** `<tag>inner</tag>`; `inner` is XML this module (or a caller using it) built. Tag names are ours, never user data. */
export function el(tag: string, ...inner: string[]): string {
  if (!TAG.test(tag)) throw new Error(`bad XML tag name ${tag}`);
  return `<${tag}>${inner.join('')}</${tag}>`;
}

/** `<tag>escaped text</tag>` */
export function textEl(tag: string, value: string): string {
  return el(tag, escapeXml(value));
}

/** `<tag name="escaped">inner</tag>` */
export function namedEl(tag: string, name: string, ...inner: string[]): string {
  if (!TAG.test(tag)) throw new Error(`bad XML tag name ${tag}`);
  return `<${tag} name="${escapeXml(name)}">${inner.join('')}</${tag}>`;
}

/** `<member>a</member><member>b</member>` */
export function members(values: readonly string[]): string {
  return values.map((v) => textEl('member', v)).join('');
}

// ---- reading replies ----

/** A parsed XML node as fast-xml-parser returns it: attributes under "@_x", text under "#text". */
export type XmlNode = Record<string, unknown>;

// Elements that repeat in PAN-OS replies; always arrays so one and many look alike.
const REPEATING = new Set(['entry', 'member', 'line']);

// The five XML entities and numeric references (&#39;), as fast-xml-parser's own decoder reads them.
// One decoder for every reply (the parser resets it per document): `htmlEntities: true` built a fresh
// copy of the HTML entity tables for each reply parsed, thousands per run. Entities a reply would
// declare in a DOCTYPE are not expanded (PAN-OS replies have none).
const entities = new EntityDecoder({ numericAllowed: true, onInputEntity: () => ENTITY_ACTION.BLOCK });

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Names such as "0123" and job ids stay strings.
  parseTagValue: false,
  parseAttributeValue: false,
  entityDecoder: entities,
  trimValues: true,
  isArray: (name) => REPEATING.has(name),
});

export function parseXml(text: string): XmlNode {
  // A reply declaring XML 1.1 must not change how the next one's numeric references are read.
  entities.setXmlVersion(1.0);
  return parser.parse(text) as XmlNode;
}

export function asArray<T = unknown>(v: unknown): T[] {
  if (v === undefined || v === null || v === '') return [];
  return (Array.isArray(v) ? v : [v]) as T[];
}

export function isNode(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Follows child element names; undefined as soon as one is missing. Arrays step into their first item. */
export function child(node: unknown, ...path: string[]): unknown {
  let cur: unknown = node;
  for (const p of path) {
    if (Array.isArray(cur)) cur = cur[0];
    if (!isNode(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** Text of an element (ignoring its attributes); undefined when absent or element-only. */
export function textOf(v: unknown): string | undefined {
  if (Array.isArray(v)) return textOf(v[0]);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isNode(v) && typeof v['#text'] === 'string') return v['#text'];
  if (isNode(v) && (typeof v['#text'] === 'number')) return String(v['#text']);
  return undefined;
}

/** Every text fragment below a node, in document order (for message lines nested in odd ways). */
export function allText(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return v === '' ? [] : [v];
  if (typeof v === 'number' || typeof v === 'boolean') return [String(v)];
  if (Array.isArray(v)) return v.flatMap((x) => allText(x));
  if (isNode(v)) {
    return Object.entries(v)
      .filter(([k]) => !k.startsWith('@_'))
      .flatMap(([, x]) => allText(x));
  }
  return [];
}

/** The `name` attribute of an `<entry>`. */
export function entryName(v: unknown): string | undefined {
  return isNode(v) && typeof v['@_name'] === 'string' ? v['@_name'] : undefined;
}
