// A small, strict evaluator for the xpath subset the PAN-OS XML API clients use:
//   /config/shared/certificate/entry[@name='web-2025']/common-name
// i.e. absolute paths of element names, each step with at most one [@attr='literal'] predicate
// (single or double quotes). Anything else (//, *, |, functions, relative paths) is refused with
// code 6 "Bad Xpath". A literal is only ever compared as a string, so a name like
// `a']/x | <y>&` inside double quotes is matched literally; inside single quotes it ends the
// literal early and the rest fails to parse - it is never evaluated.
import { el, type XNode } from './xml-tree.js';

export interface Step {
  tag: string;
  pred?: { attr: string; value: string };
}

export class XpathError extends Error {}

/** Several nodes matched where the action needs exactly one (code 8). */
export class NotUniqueError extends Error {}

const NAME = /[A-Za-z_][A-Za-z0-9_.-]*/y;

export function parseXpath(xpath: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new XpathError(`${why} at position ${i}`);
  };
  if (xpath.length === 0 || xpath.length > 4096) fail('empty or too long xpath');
  while (i < xpath.length) {
    if (xpath[i] !== '/') fail('expected "/"');
    i++;
    NAME.lastIndex = i;
    const m = NAME.exec(xpath);
    if (!m) fail('expected an element name');
    const step: Step = { tag: m![0] };
    i += m![0].length;
    if (xpath[i] === '[') {
      i++;
      while (xpath[i] === ' ') i++;
      if (xpath[i] !== '@') fail('only [@attribute=\'value\'] predicates are supported');
      i++;
      NAME.lastIndex = i;
      const a = NAME.exec(xpath);
      if (!a) fail('expected an attribute name');
      i += a![0].length;
      while (xpath[i] === ' ') i++;
      if (xpath[i] !== '=') fail('expected "="');
      i++;
      while (xpath[i] === ' ') i++;
      const quote = xpath[i];
      if (quote !== "'" && quote !== '"') fail('expected a quoted literal');
      const end = xpath.indexOf(quote!, i + 1);
      if (end < 0) fail('unterminated literal');
      const value = xpath.slice(i + 1, end);
      i = end + 1;
      while (xpath[i] === ' ') i++;
      if (xpath[i] !== ']') fail('expected "]"');
      i++;
      step.pred = { attr: a![0], value };
    }
    steps.push(step);
  }
  return steps;
}

function matches(n: XNode, s: Step): boolean {
  return n.tag === s.tag && (!s.pred || n.attrs[s.pred.attr] === s.pred.value);
}

/** All nodes the path names; `root` is the <config> element and must match the first step. */
export function select(root: XNode, steps: Step[]): XNode[] {
  if (steps.length === 0 || !matches(root, steps[0]!)) return [];
  let cur = [root];
  for (const s of steps.slice(1)) cur = cur.flatMap((n) => n.children.filter((c) => matches(c, s)));
  return cur;
}

/** The single node a write addresses, created with its ancestors when missing (PAN-OS `set`). */
export function ensurePath(root: XNode, steps: Step[]): XNode {
  if (steps.length === 0 || !matches(root, steps[0]!)) throw new XpathError('xpath must start at /config');
  let cur = root;
  for (const s of steps.slice(1)) {
    const found = cur.children.filter((c) => matches(c, s));
    if (found.length > 1) throw new NotUniqueError(`${s.tag} is not unique`);
    if (found.length === 1) {
      cur = found[0]!;
      continue;
    }
    const created = el(s.tag, s.pred ? { [s.pred.attr]: s.pred.value } : {});
    cur.children.push(created);
    cur = created;
  }
  return cur;
}

/** Parent of the addressed node (undefined when the parent does not exist). */
export function selectParent(root: XNode, steps: Step[]): XNode[] {
  return steps.length < 2 ? [] : select(root, steps.slice(0, -1));
}

function quoteLiteral(v: string): string {
  return v.includes("'") ? `"${v}"` : `'${v}'`;
}

/** Canonical text of a path (used as the key of change records and in messages). */
export function formatXpath(steps: Step[]): string {
  return steps.map((s) => `/${s.tag}${s.pred ? `[@${s.pred.attr}=${quoteLiteral(s.pred.value)}]` : ''}`).join('');
}

/** Path of a child element under `steps` (entries carry their name predicate). */
export function childSteps(steps: Step[], n: XNode): Step[] {
  const pred = n.attrs.name !== undefined ? { attr: 'name', value: n.attrs.name } : undefined;
  return [...steps, pred ? { tag: n.tag, pred } : { tag: n.tag }];
}

export function isPrefix(prefix: Step[], steps: Step[]): boolean {
  if (prefix.length > steps.length) return false;
  return prefix.every((s, i) => {
    const o = steps[i]!;
    return s.tag === o.tag && s.pred?.attr === o.pred?.attr && s.pred?.value === o.pred?.value;
  });
}
