// A parsed YAML file that remembers positions, so every error can say "file:line".
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError } from '../core/errors.js';

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
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const err = doc.errors[0];
    if (err) {
      const pos = lines.linePos(err.pos[0]);
      const what = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new ConfigError(`malformed YAML: ${what}`, `${file}:${pos.line}`);
    }
    return new YamlSource(file, doc, lines);
  }

  static read(file: string): YamlSource {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ConfigError(code === 'ENOENT' ? 'file not found' : `cannot read: ${code ?? String(e)}`, file);
    }
    return YamlSource.parse(file, text);
  }

  toJS(): unknown {
    return this.doc.toJS() ?? {};
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
