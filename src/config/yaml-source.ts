// A parsed YAML file that remembers positions, so every error can say "file:line".
import { isAlias, isMap, isPair, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { readRegularFile } from '../core/files.js';

/** How many alias expansions a document may make (yaml's default; more is an "alias bomb"). */
const MAX_ALIAS_COUNT = 100;

export type PathKey = string | number;

export class YamlSource {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Parses text; malformed YAML throws a ConfigError at the offending line. */
  static parse(file: string, text: string): YamlSource {
    const lines = new LineCounter();
    // Duplicate keys are found below in one pass: yaml's own uniqueKeys check is quadratic per map.
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
    const err = doc.errors[0];
    if (err) {
      const pos = lines.linePos(err.pos[0]);
      const what = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new ConfigError(`malformed YAML: ${what}`, `${file}:${pos.line}`);
    }
    const source = new YamlSource(file, doc, lines);
    source.refuseDuplicateKeys();
    return source;
  }

  private lineOf(n: Node | undefined): number {
    return n?.range ? this.lines.linePos(n.range[0]).line : 1;
  }

  private refuseDuplicateKeys(): void {
    visit(this.doc, {
      Map: (_, map) => {
        const seen = new Set<string>();
        for (const pair of map.items) {
          if (!isScalar(pair.key)) continue;
          const k = String(pair.key.value);
          if (seen.has(k)) throw new ConfigError(`malformed YAML: map keys must be unique (duplicate key "${k}")`, `${this.file}:${this.lineOf(pair.key)}`);
          seen.add(k);
        }
      },
    });
  }

  static read(file: string): YamlSource {
    let text: string;
    try {
      text = readRegularFile(file).toString('utf8');
    } catch (e) {
      const why = (e as Error).message;
      throw why === 'does not exist' ? new ConfigError('file not found', file) : new ConfigError(`this file ${why}`, `${file}:1`);
    }
    return YamlSource.parse(file, text);
  }

  /** The plain value; an alias bomb (aliases that expand without bound) is a ConfigError at its first alias. */
  toJS(): unknown {
    try {
      return this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
    } catch (e) {
      if (!(e instanceof ReferenceError)) throw e;
      let line = 1;
      visit(this.doc, {
        Alias: (_, a) => {
          if (isAlias(a)) line = this.lineOf(a as unknown as Node);
          return visit.BREAK;
        },
      });
      const what = /excessive alias/i.test(e.message)
        ? `YAML aliases expand too much (more than ${MAX_ALIAS_COUNT} alias uses: an "alias bomb"); write the values out instead`
        : `malformed YAML: ${e.message}`;
      throw new ConfigError(what, `${this.file}:${line}`);
    }
  }

  /** "file:line" of the value at `path`; for `key`, the line of that key inside the map at `path`. */
  where(path: readonly PathKey[], key?: string): string {
    let node: unknown = this.doc.contents;
    let line = 1;
    const lineOf = (n: unknown) => {
      const r = (n as Node | undefined)?.range;
      if (r) line = this.lines.linePos(r[0]).line;
    };
    lineOf(node);
    const steps = key === undefined ? path : [...path, key];
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      if (!node || typeof node !== 'object' || !('items' in node)) break;
      const items = (node as { items: unknown[] }).items;
      if (isMap(node)) {
        const pair = items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
        if (!pair || !isPair(pair)) break;
        const last = i === steps.length - 1;
        if (last && key !== undefined) {
          lineOf(pair.key);
          break;
        }
        lineOf(pair.key);
        node = pair.value;
        lineOf(node);
      } else {
        node = items[Number(step)];
        lineOf(node);
      }
    }
    return `${this.file}:${line}`;
  }
}
