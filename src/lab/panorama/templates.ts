// Templates and template stacks in a Panorama config tree, and what a push writes on a firewall.
// A stack's effective configuration is its own `config` first, then its templates in member order:
// the template higher in the list wins where two define the same object (Panorama's documented
// stack priority; *(inferred for the emulator: whole entries win, no per-field merge)*).
import type { KeyVault } from '../panos/cert-entry.js';
import { DEVICE_ENTRY } from '../panos/config-store.js';
import { child, clone, entryNamed, memberValues, type XNode } from '../panos/xml-tree.js';
import { childSteps, parseXpath, select, selectParent, type Step } from '../panos/xpath.js';

export type TemplateKind = 'template' | 'template-stack';

export function templateEntry(config: XNode, kind: TemplateKind, name: string): XNode | undefined {
  return entryNamed(select(config, parseXpath(`${DEVICE_ENTRY}/${kind}`))[0], name);
}

/** A template or stack by name (templates first: the two share the target-tpl parameter). */
export function findTemplate(config: XNode, name: string): { kind: TemplateKind; entry: XNode } | undefined {
  for (const kind of ['template', 'template-stack'] as const) {
    const entry = templateEntry(config, kind, name);
    if (entry) return { kind, entry };
  }
  return undefined;
}

/** Serials assigned to a template or stack (`devices/entry[@name=SERIAL]`). */
export function assignedSerials(entry: XNode): string[] {
  return (child(entry, 'devices')?.children ?? []).filter((c) => c.tag === 'entry').map((c) => c.attrs.name ?? '');
}

/** Adds what `incoming` has and `target` lacks; entries and leaves already in `target` stay. */
function fillMissing(target: XNode, incoming: XNode): void {
  for (const c of incoming.children) {
    const named = c.attrs.name !== undefined;
    const have = target.children.find((t) => t.tag === c.tag && (!named || t.attrs.name === c.attrs.name) && (c.tag !== 'member' || t.text === c.text));
    if (!have) target.children.push(clone(c));
    else if (!named && c.children.length > 0 && have.children.length > 0) fillMissing(have, c);
  }
}

/** The configuration a template (or stack) pushes, as a `<config>` tree. */
export function effectiveConfig(config: XNode, kind: TemplateKind, name: string): XNode | undefined {
  const entry = templateEntry(config, kind, name);
  if (!entry) return undefined;
  const out = clone(child(entry, 'config') ?? { tag: 'config', attrs: {}, children: [], text: '' });
  out.tag = 'config';
  if (kind === 'template-stack') {
    for (const t of memberValues(child(entry, 'templates'))) {
      const tpl = child(templateEntry(config, 'template', t), 'config');
      if (tpl) fillMissing(out, tpl);
    }
  }
  return out;
}

/** Private keys travel encrypted; the firewall stores them under its own master key. */
export function resealKeys(tree: XNode, from: KeyVault, to: KeyVault): void {
  for (const c of tree.children) {
    if (c.tag === 'private-key' && c.text) {
      const pem = from.unseal(c.text);
      c.text = pem ? to.seal(pem) : '';
    } else resealKeys(c, from, to);
  }
}

function namedPaths(n: XNode, steps: Step[], out: Step[][]): Step[][] {
  for (const c of n.children) {
    const s = childSteps(steps, c);
    if (c.attrs.name !== undefined) out.push(s);
    namedPaths(c, s, out);
  }
  return out;
}

/** Writes `pushed` over `tree` (pushed objects replace local ones of the same name) and removes
 * what an earlier push brought that this one no longer has. */
export function applyPushed(tree: XNode, pushed: XNode, previous: XNode | undefined): void {
  if (previous) {
    for (const steps of namedPaths(previous, [{ tag: 'config' }], [])) {
      if (select(pushed, steps).length > 0) continue;
      const last = steps[steps.length - 1]!;
      for (const p of selectParent(tree, steps)) p.children = p.children.filter((c) => !(c.tag === last.tag && c.attrs.name === last.pred?.value));
    }
  }
  overlay(tree, pushed);
}

/** Device and vsys entries are places, not objects: they merge; every other named entry (a
 * certificate, a profile) is one object and replaces the local one whole. */
const PLACES = new Set(['devices', 'vsys']);

function overlay(target: XNode, incoming: XNode): void {
  for (const c of incoming.children) {
    const named = c.attrs.name !== undefined;
    const i = target.children.findIndex((t) => t.tag === c.tag && (!named || t.attrs.name === c.attrs.name) && (c.tag !== 'member' || t.text === c.text));
    if (i < 0) target.children.push(clone(c));
    else if (named && !PLACES.has(incoming.tag)) target.children[i] = clone(c);
    else if (c.children.length > 0) overlay(target.children[i]!, c);
    else if (c.text !== '') target.children[i] = clone(c); // an empty container leaves local objects alone
  }
}
