// Candidate and running configuration, and who changed what. `get` reads the candidate, `show` the
// running config (reference section 5). Every write records (admin, xpath) so an admin-scoped
// partial commit can copy only that admin's nodes to running while other admins' changes stay
// pending (reference section 7, acme.sh #4197/#4198).
import { ApiError, Code } from './envelope.js';
import { clone, serialize, type XNode } from './xml-tree.js';
import { childSteps, ensurePath, formatXpath, isPrefix, NotUniqueError, select, selectParent, type Step } from './xpath.js';

export const DEVICE_ENTRY = "/config/devices/entry[@name='localhost.localdomain']";

export interface ChangeRecord {
  admin: string;
  dirtyId: number;
  steps: Step[];
  xpath: string;
  time: string;
}

/** PAN-OS job/time stamps: "2024/06/18 08:36:12" (local time of the device; we use UTC). */
export function panosTime(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

function notUnique(xpath: string): ApiError {
  return new ApiError(Code.OBJECT_NOT_UNIQUE, [`${xpath}: object is not unique`]);
}

/** "shared -> ssl-tls-service-profile -> gp-portal-profile -> certificate", the way PAN-OS names
 * config locations in messages *(inferred from its CLI-path style, e.g. acme.sh #4309)*. */
export function describeLocation(steps: Step[]): string {
  const parts: string[] = [];
  for (let i = 1; i < steps.length; i++) {
    const s = steps[i]!;
    const prev = steps[i - 1]!;
    if (s.tag === 'devices' || (prev.tag === 'devices' && s.tag === 'entry') || s.tag === 'vsys') continue;
    parts.push(s.tag === 'entry' && s.pred ? s.pred.value : s.tag);
  }
  return parts.join(' -> ');
}

/** Leaves that name a certificate or a service profile; deleting what they name is refused. */
function referencesTo(tree: XNode, kind: 'certificate' | 'ssl-tls-service-profile', name: string, skip: Step[]): Step[][] {
  const found: Step[][] = [];
  const walk = (n: XNode, steps: Step[], parent: XNode | undefined) => {
    if (skip.length > 0 && isPrefix(skip, steps)) return;
    if (n.children.length === 0 && n.text === name) {
      const p = parent?.tag ?? '';
      const isRef =
        kind === 'certificate'
          ? (n.tag === 'certificate' && p === 'entry') ||
            n.tag === 'ssl-inbound-inspection' ||
            (n.tag === 'member' && ['trusted-root-CA', 'certificates', 'root-ca-exclude-list'].includes(p)) ||
            ((n.tag === 'rsa' || n.tag === 'ecdsa') && /^forward-(un)?trust-certificate$/.test(p))
          : n.tag === 'ssl-tls-service-profile';
      if (isRef) found.push(steps);
    }
    for (const c of n.children) walk(c, childSteps(steps, c), n);
  };
  walk(tree, [{ tag: tree.tag }], undefined);
  return found;
}

/** The candidate and its change records at one moment (a multi-config that fails is undone). */
export interface StoreSnapshot {
  candidate: XNode;
  changes: ChangeRecord[];
  nextDirtyId: number;
}

export class ConfigStore {
  candidate: XNode;
  running: XNode;
  private changes: ChangeRecord[] = [];
  private nextDirtyId = 1;

  constructor(seed: XNode) {
    this.candidate = clone(seed);
    this.running = clone(seed);
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** Candidate nodes at the path, marked with admin/dirtyId/time where changed (as PAN-OS does). */
  get(steps: Step[], markDirty: boolean): XNode[] {
    const tree = clone(this.candidate);
    if (markDirty) {
      for (const c of this.changes) {
        for (const n of select(tree, c.steps)) Object.assign(n.attrs, { admin: c.admin, dirtyId: String(c.dirtyId), time: c.time });
      }
    }
    return select(tree, steps);
  }

  show(steps: Step[]): XNode[] {
    return select(this.running, steps).map(clone);
  }

  // ---- writes ---------------------------------------------------------------------------------

  private record(admin: string, steps: Step[]): void {
    const xpath = formatXpath(steps);
    this.changes = this.changes.filter((c) => !(c.admin === admin && c.xpath === xpath));
    this.changes.push({ admin, dirtyId: this.nextDirtyId++, steps, xpath, time: panosTime() });
  }

  /** action=set: merge the element(s) into the node at xpath, creating the path when missing. */
  set(admin: string, steps: Step[], elements: XNode[]): void {
    let target: XNode;
    try {
      target = ensurePath(this.candidate, steps);
    } catch (e) {
      if (e instanceof NotUniqueError) throw notUnique(formatXpath(steps));
      throw e;
    }
    for (const e of elements) {
      mergeInto(target, e);
      this.record(admin, childSteps(steps, e));
    }
  }

  /** action=edit: replace the node at xpath with the element (same tag, same name). */
  edit(admin: string, steps: Step[], element: XNode): void {
    const last = steps[steps.length - 1]!;
    const nameOk = !last.pred || element.attrs[last.pred.attr] === last.pred.value;
    if (element.tag !== last.tag || !nameOk) {
      throw new ApiError(Code.INVALID_OBJECT, [`edit: element <${element.tag}> does not match ${formatXpath(steps)}`]);
    }
    const parents = selectParent(this.candidate, steps);
    if (parents.length > 1) throw notUnique(formatXpath(steps));
    const parent = parents[0] ?? ensurePath(this.candidate, steps.slice(0, -1));
    const matches = parent.children.filter((c) => c.tag === last.tag && (!last.pred || c.attrs[last.pred.attr] === last.pred.value));
    if (matches.length > 1) throw notUnique(formatXpath(steps));
    const replacement = clone(element);
    if (matches.length === 1) parent.children[parent.children.indexOf(matches[0]!)] = replacement;
    else parent.children.push(replacement);
    this.record(admin, steps);
  }

  /** action=delete. Returns false when nothing was there (code 7). Refuses to delete a certificate
   * or service profile that something still references (code 10). */
  delete(admin: string, steps: Step[]): boolean {
    const nodes = select(this.candidate, steps);
    if (nodes.length === 0) return false;
    if (nodes.length > 1) throw notUnique(formatXpath(steps));
    const node = nodes[0]!;
    this.assertUnreferenced(steps, node);
    const parent = selectParent(this.candidate, steps)[0]!;
    parent.children = parent.children.filter((c) => c !== node);
    this.record(admin, steps);
    return true;
  }

  private assertUnreferenced(steps: Step[], node: XNode): void {
    // The deleted node may be one entry or a container of entries (e.g. .../certificate).
    const owner = steps.length >= 2 ? steps[steps.length - 2]!.tag : '';
    const entries: Array<{ kind: 'certificate' | 'ssl-tls-service-profile'; name: string }> = [];
    const kindOf = (tag: string) => (tag === 'certificate' || tag === 'ssl-tls-service-profile' ? tag : undefined);
    if (node.tag === 'entry' && node.attrs.name !== undefined) {
      const k = kindOf(owner);
      if (k) entries.push({ kind: k, name: node.attrs.name });
    } else {
      const k = kindOf(node.tag);
      if (k && owner !== 'entry') for (const e of node.children) if (e.attrs.name !== undefined) entries.push({ kind: k, name: e.attrs.name });
    }
    for (const { kind, name } of entries) {
      const refs = referencesTo(this.candidate, kind, name, steps);
      if (refs.length > 0) {
        // Text as PAN-OS prints it *(inferred; the reference only places it in the code-10 class)*.
        throw new ApiError(Code.REFERENCE_COUNT_NOT_ZERO, [
          `${name} cannot be deleted because of references from:`,
          ...refs.map((r) => describeLocation(r)),
        ]);
      }
    }
  }

  snapshot(): StoreSnapshot {
    return { candidate: clone(this.candidate), changes: [...this.changes], nextDirtyId: this.nextDirtyId };
  }

  restore(s: StoreSnapshot): void {
    this.candidate = clone(s.candidate);
    this.changes = [...s.changes];
    this.nextDirtyId = s.nextDirtyId;
  }

  /** For ops that write the candidate (certificate generate/import): attribute the change. */
  touch(admin: string, steps: Step[]): void {
    this.record(admin, steps);
  }

  // ---- pending changes and commits ------------------------------------------------------------

  private differs(steps: Step[]): boolean {
    const a = select(this.candidate, steps).map(serialize).join('');
    const b = select(this.running, steps).map(serialize).join('');
    return a !== b;
  }

  /** Change records whose node still differs between candidate and running. */
  pending(admins?: string[]): ChangeRecord[] {
    return this.changes.filter((c) => (!admins || admins.includes(c.admin)) && this.differs(c.steps));
  }

  hasPendingChanges(): boolean {
    return serialize(this.candidate) !== serialize(this.running);
  }

  /** The running config a commit would produce: the whole candidate, or running plus only the
   * nodes the given admins changed (their subtrees as they are in the candidate). */
  buildRunning(admins?: string[]): XNode {
    if (!admins) return clone(this.candidate);
    const next = clone(this.running);
    const recs = this.pending(admins).sort((a, b) => a.steps.length - b.steps.length || a.dirtyId - b.dirtyId);
    for (const r of recs) copyPath(this.candidate, next, r.steps);
    return next;
  }

  applyCommit(next: XNode): void {
    this.running = next;
    this.changes = this.changes.filter((c) => this.differs(c.steps));
  }

  /** Every change record, also already-committed ones not yet pruned (for the lab state). */
  changeLog(): ChangeRecord[] {
    return [...this.changes];
  }
}

/** PAN-OS `set` merge: same-tag children (entries: same name) merge recursively, members are
 * added once, a text element replaces the old text. */
function mergeInto(target: XNode, incoming: XNode): void {
  const isEntry = incoming.attrs.name !== undefined;
  const existing = target.children.find((c) =>
    incoming.tag === 'member' ? c.tag === 'member' && c.text === incoming.text : c.tag === incoming.tag && (!isEntry || c.attrs.name === incoming.attrs.name),
  );
  if (!existing) {
    target.children.push(clone(incoming));
    return;
  }
  if (incoming.tag === 'member') return;
  Object.assign(existing.attrs, incoming.attrs);
  if (incoming.children.length === 0) {
    if (incoming.text !== '' || existing.children.length === 0) {
      existing.children = [];
      existing.text = incoming.text;
    }
    return;
  }
  existing.text = '';
  for (const c of incoming.children) mergeInto(existing, c);
}

/** Makes `to` hold at `steps` exactly what `from` holds there (or nothing). */
function copyPath(from: XNode, to: XNode, steps: Step[]): void {
  const src = select(from, steps);
  const last = steps[steps.length - 1]!;
  const same = (c: XNode) => c.tag === last.tag && (!last.pred || c.attrs[last.pred.attr] === last.pred.value);
  if (src.length === 0) {
    for (const p of selectParent(to, steps)) p.children = p.children.filter((c) => !same(c));
    return;
  }
  const parent = ensurePath(to, steps.slice(0, -1));
  const idx = parent.children.findIndex(same);
  parent.children = parent.children.filter((c) => !same(c));
  const copies = src.map(clone);
  if (idx >= 0) parent.children.splice(idx, 0, ...copies);
  else parent.children.push(...copies);
}
