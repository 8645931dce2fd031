// Driver types by name, each driver's module imported only when a configuration names its type: a
// command loads the CA and device drivers its configuration uses, and no others.
export class TypeRegistry<T extends { type: string }> {
  constructor(private readonly loaders: Readonly<Record<string, () => Promise<T>>>) {}

  /** Every registered type name, in registration order. */
  get names(): string[] {
    return Object.keys(this.loaders);
  }

  /** The type called `name` (its module loaded on first use), or undefined for a name not registered. */
  async get(name: string): Promise<T | undefined> {
    if (!Object.hasOwn(this.loaders, name)) return undefined;
    const t = await this.loaders[name]!();
    if (t.type !== name) throw new Error(`driver registry: "${name}" loads the driver of type "${t.type}"`);
    return t;
  }

  /** Every type, loaded (the JSON Schema describes them all). */
  async all(): Promise<ReadonlyMap<string, T>> {
    return new Map(await Promise.all(this.names.map(async (n) => [n, (await this.get(n))!] as const)));
  }
}
