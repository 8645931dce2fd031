// Loads and validates fwcert.yaml + profile files before anything touches a device or a CA.
// Every problem is collected and reported as "file:line: what is wrong (what is allowed)".
import { readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import type { TypeRegistry } from '../core/type-registry.js';
import { readRegularFile } from '../core/files.js';
import { resolvePassphrase } from '../secrets/passphrase.js';
import { issuerTypes } from '../ca/registry.js';
import { managerTypes, targetTypes } from '../devices/registry.js';
import type { OptionFiles } from '../devices/target.js';
import type { TlsTrust } from '../http/client.js';
import type { KeySpec } from '../pki/types.js';
import { applyCredentialsEnv, readCredentialsFile } from './credentials.js';
import { countIssueLines, describeIssues } from './issues.js';
import { valueProblems } from './control-chars.js';
import { InputFiles, outputPathProblem } from './output-paths.js';
import { credentialsModeWarning } from './file-modes.js';
import { caFileProblem } from './trust-file.js';
import { resolveMonitoring } from './monitoring.js';
import type { CaEntry, Config, DeviceEntry, ManagerEntry, Profile, RenewalPolicy } from './model.js';
import {
  caCommonSchema, commonCaKeys, commonDeviceKeys, commonManagerKeys, configSchema, deviceCommonSchema, managerCommonSchema,
  profileCommonKeys, profileSchema,
} from './schema.js';
import { YamlSource, type PathKey } from './yaml-source.js';

export const DEFAULT_RENEWAL: RenewalPolicy = { beforeDays: 30, beforeFraction: 1 / 3 };

export interface LoadOptions {
  /** --config value, if given. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function resolveConfigPath(opts: LoadOptions): string {
  const env = opts.env ?? process.env;
  const p = opts.configPath || env.FWCERT_CONFIG || 'fwcert.yaml';
  return resolve(opts.cwd ?? process.cwd(), p);
}

/** Problems shown; the rest are counted. Keeps a file with 400k bad keys linear and its report readable. */
export const MAX_PROBLEMS = 50;

class Problems {
  readonly lines: string[] = [];
  private more = 0;
  add(...l: string[]): void {
    for (const line of l) {
      if (this.lines.length < MAX_PROBLEMS) this.lines.push(line);
      else this.more++;
    }
  }
  zod<T>(src: YamlSource, base: PathKey[], schema: z.ZodType<T>, value: unknown, what?: string): T | undefined {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const room = Math.max(0, MAX_PROBLEMS - this.lines.length);
    const shown = describeIssues(src, base, schema, r.error.issues, what, room);
    this.add(...shown);
    this.more += countIssueLines(r.error.issues) - shown.length;
    return undefined;
  }
  /** Control characters or reserved keys anywhere in a file's values: one problem each. */
  controlChars(src: YamlSource, base: PathKey[], value: unknown, what = ''): void {
    for (const p of valueProblems(value)) {
      if (this.lines.length >= MAX_PROBLEMS) {
        this.more++;
        continue;
      }
      const path = [...base, ...p.path];
      const label = [...path, ...(p.key ? [p.key] : [])].join('.') || '(top level)';
      this.add(`${src.where(path, p.key)}: ${what}${label}: ${p.why}`);
    }
  }
  throwIfAny(): void {
    if (!this.lines.length) return;
    const tail = this.more ? [`... and ${this.more} more problem(s) not shown; fix the ones above first`] : [];
    throw new ConfigError([...this.lines, ...tail].join('\n'));
  }
}

function split(entry: Record<string, unknown>, common: readonly string[]): [Record<string, unknown>, Record<string, unknown>] {
  const a: Record<string, unknown> = {};
  const b: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entry)) (common.includes(k) ? a : b)[k] = v;
  return [a, b];
}

export async function loadConfig(opts: LoadOptions = {}): Promise<Config> {
  const env = opts.env ?? process.env;
  const file = resolveConfigPath(opts);
  const dir = dirname(file);
  const rel = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  const src = YamlSource.read(file);
  const problems = new Problems();
  const inputs = new InputFiles();
  inputs.add(file, 'the configuration file');

  const raw = src.toJS();
  problems.controlChars(src, [], raw);
  const top = problems.zod(src, [], configSchema, raw);
  problems.throwIfAny();
  const cfg = top!;

  // Passphrase: $FWCERT_PASSPHRASE wins over the configured file.
  const warnings: string[] = [];
  let passphrase: string | undefined;
  try {
    if (cfg.secrets.passphrase_file) inputs.add(rel(cfg.secrets.passphrase_file), 'the passphrase file');
    const r = resolvePassphrase({ env, file: cfg.secrets.passphrase_file ? rel(cfg.secrets.passphrase_file) : undefined });
    passphrase = r?.passphrase;
    if (r?.warning) warnings.push(r.warning);
  } catch (e) {
    problems.add(`${src.where(['secrets'], 'passphrase_file')}: ${(e as Error).message}`);
  }

  const renewal: RenewalPolicy = {
    beforeDays: cfg.renewal.before_days ?? DEFAULT_RENEWAL.beforeDays,
    beforeFraction: cfg.renewal.before_fraction ?? DEFAULT_RENEWAL.beforeFraction,
  };

  const readTls = (t: { ca_file?: string; sha256?: string; insecure?: boolean } | undefined, path: PathKey[]): TlsTrust => {
    if (!t) return {};
    if (t.ca_file) {
      const where = src.where([...path, 'tls'], 'ca_file');
      inputs.add(rel(t.ca_file), 'a tls.ca_file');
      let pem: string;
      try {
        pem = readRegularFile(rel(t.ca_file)).toString('utf8');
      } catch (e) {
        problems.add(`${where}: tls.ca_file ${rel(t.ca_file)} ${(e as Error).message}`);
        return {};
      }
      const problem = caFileProblem(pem);
      if (problem) {
        problems.add(`${where}: tls.ca_file ${rel(t.ca_file)}: ${problem}`);
        return {};
      }
      return { caPem: pem };
    }
    if (t.insecure) warnings.push(`${src.where([...path, 'tls'], 'insecure')}: TLS verification disabled for ${path.join('.')}`);
    return { sha256: t.sha256, insecure: t.insecure };
  };

  /** A device type's own files (e.g. FMC trust anchors): read like tls.ca_file, problems at the option's line. */
  const optionFiles = (path: PathKey[], device: string): OptionFiles => {
    const at = (keys: PathKey[]) => src.where([...path, ...keys.slice(0, -1)], String(keys.at(-1)));
    return {
      device,
      problem: (keys, message) => problems.add(`${at(keys)}: ${[...path, ...keys].join('.')}: ${message}`),
      read: (file, keys, maxBytes) => {
        inputs.add(rel(file), `a file of ${path.join('.')}`);
        try {
          return readRegularFile(rel(file), maxBytes).toString('utf8');
        } catch (e) {
          problems.add(`${at(keys)}: ${[...path, ...keys].join('.')}: ${rel(file)} ${(e as Error).message}`);
          return undefined;
        }
      },
    };
  };

  const loadCreds = async (
    path: PathKey[],
    credsPath: string | undefined,
    credsEnv: Record<string, string> | undefined,
    schema: z.ZodType | null,
  ): Promise<unknown> => {
    const where = src.where(path, credsPath ? 'credentials' : undefined);
    let values: Record<string, unknown> = {};
    let csrc: YamlSource | undefined;
    try {
      if (credsPath) {
        inputs.add(rel(credsPath), 'a credentials file');
        ({ values, source: csrc } = await readCredentialsFile(rel(credsPath), where, passphrase));
        const modeWarning = credentialsModeWarning(rel(credsPath));
        if (modeWarning) warnings.push(`${where}: ${modeWarning}`);
        if (csrc) problems.controlChars(csrc, [], values, `credentials of ${path.join('.')}: `);
      }
      values = applyCredentialsEnv(values, credsEnv, env, where);
    } catch (e) {
      problems.add((e as Error).message);
      return undefined;
    }
    if (!schema) {
      if (credsPath) problems.add(`${where}: this type takes no credentials file`);
      return undefined;
    }
    if (!credsPath && !credsEnv) {
      const r = schema.safeParse({});
      if (!r.success) problems.add(`${src.where(path)}: ${path.join('.')}: credentials missing (give credentials: FILE and/or credentials_env)`);
      return r.success ? r.data : undefined;
    }
    return problems.zod(csrc ?? src, csrc ? [] : path, schema, values, `credentials of ${path.join('.')}:`);
  };

  /** One `cas:`, `managers:` or `devices:` entry: common keys, its type from the registry, the type's own options and credentials. */
  const loadEntries = async <C extends { type: string; credentials?: string; credentials_env?: Record<string, string>; tls?: Parameters<typeof readTls>[0] },
    T extends { type: string; optionsSchema: z.ZodType; credentialsSchema: z.ZodType | null; loadOptionFiles?: (o: never, f: OptionFiles) => unknown }>(
    section: 'cas' | 'managers' | 'devices',
    entries: Record<string, Record<string, unknown>>,
    commonKeys: readonly string[],
    commonSchema: z.ZodType<C>,
    registry: TypeRegistry<T>,
    what: string,
  ) => {
    const out: { name: string; common: C; type: T; options: unknown; credentials: unknown; tls: TlsTrust }[] = [];
    for (const [name, entry] of Object.entries(entries)) {
      const path = [section, name];
      const [common, rest] = split(entry, commonKeys);
      const c = problems.zod(src, path, commonSchema, common);
      if (!c) continue;
      const type = await registry.get(c.type);
      if (!type) {
        problems.add(`${src.where(path, 'type')}: ${section}.${name}.type: unknown ${what} type "${c.type}" (allowed: ${registry.names.join(', ')})`);
        continue;
      }
      let options = problems.zod(src, path, type.optionsSchema, rest);
      if (options !== undefined && type.loadOptionFiles) options = type.loadOptionFiles(options as never, optionFiles(path, name));
      const credentials = await loadCreds(path, c.credentials, c.credentials_env, type.credentialsSchema);
      out.push({ name, common: c, type, options, credentials, tls: readTls(c.tls, path) });
    }
    return out;
  };

  const cas = new Map<string, CaEntry>(
    (await loadEntries('cas', cfg.cas, commonCaKeys, caCommonSchema, issuerTypes, 'CA')).map((e) => [
      e.name,
      { name: e.name, dir, type: e.type, options: e.options, credentials: e.credentials, tls: e.tls, timeoutMs: e.common.timeout_s * 1000, maxInFlight: e.common.max_in_flight },
    ]),
  );
  const managers = new Map<string, ManagerEntry>(
    (await loadEntries('managers', cfg.managers, commonManagerKeys, managerCommonSchema, managerTypes, 'manager')).map((e) => [
      e.name,
      { name: e.name, type: e.type, url: e.common.url, options: e.options, credentials: e.credentials, tls: e.tls, timeoutMs: e.common.timeout_s * 1000 },
    ]),
  );
  const devices = new Map<string, DeviceEntry>();
  for (const e of await loadEntries('devices', cfg.devices, commonDeviceKeys, deviceCommonSchema, targetTypes, 'device')) {
    const path = ['devices', e.name];
    const { url, manager } = e.common;
    if (e.type.managed) {
      const m = manager === undefined ? undefined : managers.get(manager);
      if (manager === undefined) {
        problems.add(`${src.where(path)}: devices.${e.name}: a ${e.type.type} device is reached through a manager: give manager: NAME (defined: ${Object.keys(cfg.managers).join(', ') || 'none'})`);
      } else if (!m) {
        if (!Object.hasOwn(cfg.managers, manager)) {
          problems.add(`${src.where(path, 'manager')}: devices.${e.name}.manager: "${manager}" is not defined under managers: (defined: ${Object.keys(cfg.managers).join(', ') || 'none'})`);
        }
      } else {
        if (url !== undefined) problems.add(`${src.where(path, 'url')}: devices.${e.name}.url: a ${e.type.type} device is reached through its manager ${manager}: remove url`);
        devices.set(e.name, { name: e.name, type: e.type, url: m.url, manager, options: e.options, credentials: e.credentials, tls: e.tls, timeoutMs: e.common.timeout_s * 1000 });
      }
      continue;
    }
    if (manager !== undefined) {
      problems.add(`${src.where(path, 'manager')}: devices.${e.name}.manager: a ${e.type.type} device is reached directly, not through a manager: remove manager`);
    } else if (url === undefined) {
      problems.add(`${src.where(path)}: devices.${e.name}.url: missing (an https:// URL)`);
    } else {
      devices.set(e.name, { name: e.name, type: e.type, url, options: e.options, credentials: e.credentials, tls: e.tls, timeoutMs: e.common.timeout_s * 1000 });
    }
  }

  // Object names on a manager carry a tag of the device's name: two devices must not share one.
  const tags = new Map<string, string>();
  for (const d of devices.values()) {
    const tag = d.manager === undefined ? undefined : d.type.objectNameTag?.(d.name);
    if (tag === undefined) continue;
    const other = tags.get(`${d.manager}\0${tag}`);
    if (other) problems.add(`${src.where(['devices', d.name])}: devices.${d.name}: its objects on ${d.manager} would be named like those of ${other} (both end in "_${tag}"): rename one of them`);
    else tags.set(`${d.manager}\0${tag}`, d.name);
  }

  // Profiles: inline, then one file per profile from profiles_dir.
  const sources: { src: YamlSource; path: PathKey[]; value: unknown }[] = [];
  (cfg.profiles ?? []).forEach((p, i) => sources.push({ src, path: ['profiles', i], value: p }));
  if (cfg.profiles_dir) {
    const pdir = rel(cfg.profiles_dir);
    let files: string[] = [];
    try {
      files = readdirSync(pdir).filter((f) => /\.ya?ml$/i.test(f)).sort();
    } catch {
      problems.add(`${src.where([], 'profiles_dir')}: profiles_dir ${pdir} cannot be read`);
    }
    for (const f of files) {
      try {
        inputs.add(join(pdir, f), 'a profile file');
        const psrc = YamlSource.read(join(pdir, f));
        const value = psrc.toJS();
        problems.controlChars(psrc, [], value);
        sources.push({ src: psrc, path: [], value });
      } catch (e) {
        problems.add((e as Error).message);
      }
    }
  }
  const profiles: Profile[] = [];
  const seen = new Map<string, string>();
  for (const { src: psrc, path, value } of sources) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      problems.add(`${psrc.where(path)}: a profile must be a mapping`);
      continue;
    }
    const [common, rest] = split(value as Record<string, unknown>, profileCommonKeys);
    const p = problems.zod(psrc, path, profileSchema, common);
    if (!p) continue;
    const where = psrc.where(path);
    if (seen.has(p.name)) {
      problems.add(`${psrc.where(path, 'name')}: profile name "${p.name}" is already used at ${seen.get(p.name)}`);
      continue;
    }
    seen.set(p.name, where);
    const ca = cas.get(p.ca);
    let caOptions: unknown;
    if (!ca && !Object.hasOwn(cfg.cas, p.ca)) {
      problems.add(`${psrc.where(path, 'ca')}: ca "${p.ca}" is not defined in ${file} (defined: ${Object.keys(cfg.cas).join(', ') || 'none'})`);
    } else if (ca) {
      const key = ca.type.profileKey;
      for (const k of Object.keys(rest)) {
        if (k !== key) problems.add(`${psrc.where(path, k)}: unknown key "${k}" in profile (allowed: ${[...profileCommonKeys, ...(key ? [key] : [])].join(', ')})`);
      }
      if (key && ca.type.profileOptionsSchema) caOptions = problems.zod(psrc, [...path, key], ca.type.profileOptionsSchema, rest[key] ?? {});
    }
    const targets: Profile['targets'] = [];
    p.targets.forEach((t, i) => {
      const tpath = [...path, 'targets', i];
      const dev = devices.get(t.device);
      if (!dev) {
        if (!Object.hasOwn(cfg.devices, t.device)) {
          problems.add(`${psrc.where(tpath, 'device')}: target device "${t.device}" is not defined in ${file} (defined: ${Object.keys(cfg.devices).join(', ') || 'none'})`);
        }
        return;
      }
      const limits = dev.type.profileLimits;
      if (limits?.noDeviceKeys && p.key.generate === 'device') {
        problems.add(`${psrc.where([...path, 'key'], 'generate')}: key.generate: device is not possible for ${t.device} (${dev.type.type}): ${limits.noDeviceKeys}`);
      }
      if (limits?.nameMax && p.name.length > limits.nameMax.length) {
        problems.add(`${psrc.where(path, 'name')}: profile name "${p.name}" has ${p.name.length} characters, ${t.device} (${dev.type.type}) allows at most ${limits.nameMax.length}: ${limits.nameMax.why}`);
      }
      const clash = dev.type.profileNameProblem?.(dev.options as never, p.name, t.device);
      if (clash) problems.add(`${psrc.where(path, 'name')}: profile name "${p.name}" cannot target ${t.device}: ${clash}`);
      const bindings = problems.zod(psrc, [...tpath, 'bind'], dev.type.bindSchema, t.bind);
      if (bindings) targets.push({ device: t.device, bindings });
    });
    const perManager = new Map<string, string>();
    for (const t of targets) {
      const dev = devices.get(t.device)!;
      for (const b of t.bindings.filter((x) => dev.manager && dev.type.perManagerBindings?.includes(x.kind))) {
        const other = perManager.get(`${dev.manager}\0${b.kind}`);
        if (other) problems.add(`${psrc.where(path, 'targets')}: profile "${p.name}" binds ${b.kind} on ${other} and ${t.device}, both managed by ${dev.manager}: that object is one per manager, bind it on one of them`);
        else perManager.set(`${dev.manager}\0${b.kind}`, t.device);
      }
    }
    const key: KeySpec = p.key.type === 'rsa' ? { type: 'rsa', size: p.key.size as 2048 } : { type: 'ecdsa', curve: p.key.curve as 'P-256' };
    const names = [...new Set([...(p.subject.cn ? [p.subject.cn] : []), ...p.sans].map((n) => n.toLowerCase()))];
    profiles.push({
      name: p.name,
      where,
      ca: p.ca,
      caOptions,
      validation: p.validation,
      subject: p.subject,
      names,
      key,
      keyGeneration: p.key.generate,
      renewal: {
        beforeDays: p.renewal?.before_days ?? renewal.beforeDays,
        beforeFraction: p.renewal?.before_fraction ?? renewal.beforeFraction,
      },
      targets,
    });
  }
  const logFile = cfg.log.file ? rel(cfg.log.file) : undefined;
  const ledgerPath = rel(cfg.ledger.path);
  const ledgerProblem = outputPathProblem('ledger.path', cfg.ledger.path, ledgerPath, inputs);
  if (ledgerProblem) problems.add(`${src.where(['ledger'], 'path')}: ${ledgerProblem}`);
  if (logFile && cfg.log.file) {
    for (const suffix of ['', '.lock', '.key', '-wal', '-shm']) inputs.add(`${ledgerPath}${suffix}`, `the ledger${suffix ? ` (${suffix})` : ''}`);
    const logProblem = outputPathProblem('log.file', cfg.log.file, logFile, inputs);
    if (logProblem) problems.add(`${src.where(['log'], 'file')}: ${logProblem}`);
  }
  const monitoring = await resolveMonitoring(cfg, {
    rel, where: (path, key) => src.where(path, key), env, problem: (m) => problems.add(m), devices: new Set(devices.keys()),
    readCredentials: async (path, where) => {
      try {
        return (await readCredentialsFile(path, where, passphrase)).values;
      } catch (e) {
        problems.add((e as Error).message);
        return undefined;
      }
    },
  });
  problems.throwIfAny();

  return {
    file,
    dir,
    log: { level: cfg.log.level, file: logFile },
    ledgerPath,
    passphrase,
    renewal,
    concurrency: cfg.concurrency,
    maxRunMs: cfg.max_run_s * 1000,
    cas,
    managers,
    devices,
    profiles,
    warnings,
    monitoring,
  };
}
