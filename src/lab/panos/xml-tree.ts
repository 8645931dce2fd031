// A tiny element tree for the emulated PAN-OS configuration: parse XML fragments sent by clients
// (fast-xml-parser), serialize with strict escaping. PAN-OS config is element-only or text-only,
// never mixed, so a node carries either children or text.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface XNode {
  tag: string;
  attrs: Record<string, string>;
  children: XNode[];
  text: string;
}

export class XmlSyntaxError extends Error {}

export function el(tag: string, attrs: Record<string, string> = {}, children: XNode[] = [], text = ''): XNode {
  return { tag, attrs: { ...attrs }, children, text };
}

/** Element with text content. */
export function leaf(tag: string, text: string, attrs: Record<string, string> = {}): XNode {
  return el(tag, attrs, [], text);
}

/** Element holding <member> children (PAN-OS lists). */
export function members(tag: string, values: string[]): XNode {
  return el(tag, {}, values.map((v) => leaf('member', v)));
}

export function clone(n: XNode): XNode {
  return { tag: n.tag, attrs: { ...n.attrs }, children: n.children.map(clone), text: n.text };
}

export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function serialize(n: XNode): string {
  const attrs = Object.entries(n.attrs)
    .map(([k, v]) => ` ${k}="${escapeAttr(v)}"`)
    .join('');
  if (n.children.length > 0) return `<${n.tag}${attrs}>${n.children.map(serialize).join('')}</${n.tag}>`;
  if (n.text !== '') return `<${n.tag}${attrs}>${escapeText(n.text)}</${n.tag}>`;
  return `<${n.tag}${attrs}/>`;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: true, // also decodes numeric character references (&#65;)
});

type Ordered = Record<string, unknown>;

function convert(item: Ordered): XNode | string | undefined {
  if ('#text' in item) return String(item['#text']);
  const tag = Object.keys(item).find((k) => k !== ':@');
  if (!tag) return undefined;
  const attrs: Record<string, string> = {};
  const rawAttrs = item[':@'] as Record<string, unknown> | undefined;
  if (rawAttrs) for (const [k, v] of Object.entries(rawAttrs)) attrs[k] = String(v);
  const node = el(tag, attrs);
  const texts: string[] = [];
  for (const child of (item[tag] as Ordered[]) ?? []) {
    const c = convert(child);
    if (typeof c === 'string') texts.push(c);
    else if (c) node.children.push(c);
  }
  if (node.children.length === 0) node.text = texts.join('');
  return node;
}

/**
 * Parses a fragment of zero or more sibling elements (the `element` of a set, the `cmd` of an op).
 * DOCTYPE is refused outright: entity declarations have no business in an API parameter.
 */
export function parseFragment(xml: string): XNode[] {
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) throw new XmlSyntaxError('DOCTYPE is not allowed');
  const wrapped = `<fragment-root>${xml.replace(/^\s*<\?xml[^>]*\?>/, '')}</fragment-root>`;
  const ok = XMLValidator.validate(wrapped);
  if (ok !== true) throw new XmlSyntaxError(ok.err.msg);
  const parsed = parser.parse(wrapped) as Ordered[];
  const root = convert(parsed[0]!);
  if (!root || typeof root === 'string') throw new XmlSyntaxError('empty document');
  return root.children;
}

/** Parses exactly one element. */
export function parseElement(xml: string): XNode {
  const nodes = parseFragment(xml);
  if (nodes.length !== 1) throw new XmlSyntaxError(`expected one element, got ${nodes.length}`);
  return nodes[0]!;
}

export function child(n: XNode | undefined, tag: string): XNode | undefined {
  return n?.children.find((c) => c.tag === tag);
}

/** Follows a path of tag names; returns undefined when any step is missing. */
export function descend(n: XNode | undefined, ...tags: string[]): XNode | undefined {
  let cur = n;
  for (const t of tags) cur = child(cur, t);
  return cur;
}

export function textOf(n: XNode | undefined, ...tags: string[]): string | undefined {
  const d = descend(n, ...tags);
  return d ? d.text : undefined;
}

export function entryNamed(list: XNode | undefined, name: string): XNode | undefined {
  return list?.children.find((c) => c.tag === 'entry' && c.attrs.name === name);
}

export function memberValues(n: XNode | undefined): string[] {
  return (n?.children ?? []).filter((c) => c.tag === 'member').map((c) => c.text);
}

/** Sets (or replaces) a text child, keeping element order for existing children. */
export function setLeaf(parent: XNode, tag: string, text: string): void {
  const existing = child(parent, tag);
  if (existing) {
    existing.children = [];
    existing.text = text;
  } else parent.children.push(leaf(tag, text));
}

export function removeChild(parent: XNode, tag: string): void {
  parent.children = parent.children.filter((c) => c.tag !== tag);
}
