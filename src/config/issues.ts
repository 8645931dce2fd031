// Turns zod issues into "file:line: what is wrong (allowed: ...)" lines.
import type { z } from 'zod';
import type { PathKey, YamlSource } from './yaml-source.js';

/** Best-effort: the keys a zod object schema allows at `path` (for "unknown key" messages). */
function allowedKeys(schema: z.ZodType, path: readonly PathKey[]): string[] | undefined {
  let s: unknown = schema;
  const unwrap = (x: unknown): unknown => {
    for (let i = 0; i < 10; i++) {
      const def = (x as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
      if (!def) return x;
      if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') x = def.innerType;
      else if (def.type === 'pipe') x = def.in;
      else return x;
    }
    return x;
  };
  s = unwrap(s);
  for (const step of path) {
    const def = (s as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
    if (!def) return undefined;
    if (def.type === 'object') s = (def.shape as Record<string, unknown>)[String(step)];
    else if (def.type === 'array') s = def.element;
    else if (def.type === 'record') s = def.valueType;
    else return undefined;
    s = unwrap(s);
  }
  const def = (s as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
  return def?.type === 'object' ? Object.keys(def.shape as object) : undefined;
}

/** How many lines describeIssues would write for these issues (one per unknown key). */
export function countIssueLines(issues: readonly z.core.$ZodIssue[]): number {
  return issues.reduce((n, i) => n + (i.code === 'unrecognized_keys' ? i.keys.length : 1), 0);
}

export function describeIssues(
  source: YamlSource,
  basePath: readonly PathKey[],
  schema: z.ZodType,
  issues: readonly z.core.$ZodIssue[],
  what?: string,
  limit = Number.POSITIVE_INFINITY,
): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    if (out.length >= limit) break;
    const path = [...basePath, ...(issue.path as PathKey[])];
    const dotted = path.join('.') || '(top level)';
    const label = what ? `${what} ${dotted}` : dotted;
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(schema, issue.path as PathKey[]);
      for (const key of issue.keys) {
        if (out.length >= limit) break;
        out.push(
          `${source.where(path, key)}: unknown key "${key}" in ${label}${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}`,
        );
      }
      continue;
    }
    let msg = issue.message;
    // A record key that fails its pattern: say what the key must look like, not "Invalid key in record".
    if (issue.code === 'invalid_key' && issue.issues.length) msg = [...new Set(issue.issues.map((i) => i.message))].join('; ');
    if (issue.code === 'invalid_type' && /received undefined/.test(msg)) msg = `missing (expected ${issue.expected})`;
    if (issue.code === 'invalid_union' && 'errors' in issue && Array.isArray(issue.errors) && issue.errors.length) {
      // Flatten "one of" alternatives into one readable line.
      const alts = issue.errors.flat().map((e) => (e as { message: string }).message);
      msg = [...new Set(alts)].join('; or ');
    }
    out.push(`${source.where(path)}: ${label}: ${msg}`);
  }
  return out;
}
