// A small most-recently-used memo for pure functions of certificate bytes. A run sees the same CA
// certificates on every device and each new leaf several times (CA answer, chain check, install,
// ledger), and X.509 parsing in JavaScript is the largest CPU cost per certificate after key
// generation. Bounded, so memory stays flat however many certificates a run handles.
export class Memo<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string, make: () => V): V {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Most recently used last: the first entry is the one to drop.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const v = make();
    this.entries.set(key, v);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return v;
  }

  /** The value for `key` if present (and now the most recently used); nothing is made. */
  peek(key: string): V | undefined {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, v: V): void {
    this.get(key, () => v);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
