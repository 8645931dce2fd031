// The monitoring part of fwcert.yaml: `probes:` (TLS endpoints to check), `alerts:` (thresholds,
// Prometheus textfile, webhooks, email) and `hooks:` (commands after a device's commit).
// Schemas here; paths are resolved against the config folder and secrets read from files.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { registerSecret } from '../core/redact.js';

const address = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'host:port (IPv6 in brackets)');
/** Trust for an alert endpoint with a private CA (system roots otherwise). */
const tlsSchema = z.strictObject({ ca_file: z.string().min(1).optional() });
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

export const probesSchema = z.array(
  z.strictObject({
    name: z.string().min(1).max(100).optional(),
    address,
    sni: z.string().min(1).max(253).optional(),
    names: z.array(z.string().min(1)).default([]),
    ca_file: z.string().min(1).optional(),
    /** The device (and profile) whose certificate this endpoint should serve: status compares them. */
    device: z.string().min(1).optional(),
    profile: z.string().min(1).optional(),
    timeout_s: z.number().positive().max(300).default(10),
  }),
);

export const alertsSchema = z.strictObject({
  warn_days: z.number().int().min(0).max(3650).default(90),
  critical_days: z.number().int().min(0).max(3650).default(30),
  prometheus: z.strictObject({ textfile: z.string().min(1) }).optional(),
  webhooks: z
    .array(
      z.strictObject({
        url: z.url({ protocol: /^https?$/, message: 'an http(s):// URL' }),
        /** Header that carries a shared secret, e.g. Authorization or X-Fwcert-Token; its value comes from secret_file or secret_env. */
        secret_header: z.string().regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name').optional(),
        secret_file: z.string().min(1).optional(),
        secret_env: envName.optional(),
        tls: tlsSchema.optional(),
        timeout_s: z.number().positive().max(300).default(10),
      }),
    )
    .default([]),
  email: z
    .strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).optional(),
      /** tls: implicit TLS (465); starttls: upgrade required (587); none: plain (local relays only). */
      security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
      from: z.string().min(3),
      to: z.array(z.string().min(3)).min(1),
      /** { username, password }; may be OpenPGP-encrypted like every credentials file. */
      credentials: z.string().min(1).optional(),
      tls: tlsSchema.optional(),
      subject_prefix: z.string().max(100).default('[fwcert]'),
    })
    .optional(),
});

export const hooksSchema = z.strictObject({
  post_commit: z
    .array(
      z.strictObject({
        command: z.string().min(1),
        args: z.array(z.string()).default([]),
        devices: z.array(z.string().min(1)).optional(),
        timeout_s: z.number().positive().max(3600).default(60),
      }),
    )
    .default([]),
});

export interface ProbeEntry {
  label: string;
  address: string;
  sni?: string;
  names: string[];
  caPem?: string;
  device?: string;
  profile?: string;
  timeoutMs: number;
}

export interface WebhookEntry {
  url: string;
  secretHeader?: string;
  secret?: string;
  caPem?: string;
  timeoutMs: number;
}

export interface EmailEntry {
  host: string;
  port: number;
  security: 'starttls' | 'tls' | 'none';
  from: string;
  to: string[];
  username?: string;
  password?: string;
  caPem?: string;
  subjectPrefix: string;
}

export interface AlertsConfig {
  warnDays: number;
  criticalDays: number;
  prometheusFile?: string;
  webhooks: WebhookEntry[];
  email?: EmailEntry;
}

export interface HookEntry {
  /** Absolute path (relative ones resolve against the config folder). */
  command: string;
  args: string[];
  devices?: string[];
  timeoutMs: number;
}

export interface Monitoring {
  probes: ProbeEntry[];
  alerts: AlertsConfig;
  hooks: { postCommit: HookEntry[] };
}

export interface MonitoringInput {
  probes?: z.infer<typeof probesSchema>;
  alerts?: z.infer<typeof alertsSchema>;
  hooks?: z.infer<typeof hooksSchema>;
}

export interface ResolveContext {
  rel(p: string): string;
  where(path: (string | number)[], key?: string): string;
  env: NodeJS.ProcessEnv;
  problem(msg: string): void;
  readCredentials(path: string, where: string): Promise<Record<string, unknown> | undefined>;
  devices: Set<string>;
}

/** Resolves paths and secrets; reports each problem as file:line and keeps going. */
export async function resolveMonitoring(m: MonitoringInput, ctx: ResolveContext): Promise<Monitoring> {
  const readPem = (file: string | undefined, path: (string | number)[]): string | undefined => {
    if (!file) return undefined;
    try {
      return readFileSync(ctx.rel(file), 'utf8');
    } catch {
      ctx.problem(`${ctx.where(path, 'ca_file')}: ${ctx.rel(file)} cannot be read`);
      return undefined;
    }
  };
  const probes: ProbeEntry[] = (m.probes ?? []).map((p, i) => {
    const path = ['probes', i];
    if (p.device && !ctx.devices.has(p.device)) ctx.problem(`${ctx.where(path, 'device')}: probes[${i}].device "${p.device}" is not defined (defined: ${[...ctx.devices].join(', ') || 'none'})`);
    if (p.profile && !p.device) ctx.problem(`${ctx.where(path, 'profile')}: probes[${i}].profile needs device: too`);
    // A profile that no longer targets the device is not an error: the probe then only reports what is served.
    const sni = p.sni;
    return {
      label: p.name ?? p.address, address: p.address, sni, names: p.names, caPem: readPem(p.ca_file, path),
      device: p.device, profile: p.profile, timeoutMs: p.timeout_s * 1000,
    };
  });
  const a = m.alerts ?? alertsSchema.parse({});
  if (a.critical_days > a.warn_days) ctx.problem(`${ctx.where(['alerts'], 'critical_days')}: alerts.critical_days (${a.critical_days}) is above warn_days (${a.warn_days})`);
  const webhooks: WebhookEntry[] = a.webhooks.map((w, i) => {
    const path = ['alerts', 'webhooks', i];
    let secret: string | undefined;
    if (w.secret_file) {
      try {
        secret = readFileSync(ctx.rel(w.secret_file), 'utf8').trim();
      } catch {
        ctx.problem(`${ctx.where(path, 'secret_file')}: ${ctx.rel(w.secret_file)} cannot be read`);
      }
    } else if (w.secret_env) {
      secret = ctx.env[w.secret_env];
      if (!secret) ctx.problem(`${ctx.where(path, 'secret_env')}: environment variable ${w.secret_env} is not set`);
    }
    registerSecret(secret);
    if ((w.secret_file || w.secret_env) && !w.secret_header) ctx.problem(`${ctx.where(path)}: a webhook secret needs secret_header (the header that carries it)`);
    if (w.secret_header && !w.secret_file && !w.secret_env) ctx.problem(`${ctx.where(path, 'secret_header')}: secret_header needs secret_file or secret_env`);
    return { url: w.url, secretHeader: w.secret_header, secret, caPem: readPem(w.tls?.ca_file, [...path, 'tls']), timeoutMs: w.timeout_s * 1000 };
  });
  let email: EmailEntry | undefined;
  if (a.email) {
    const e = a.email;
    const path = ['alerts', 'email'];
    let username: string | undefined;
    let password: string | undefined;
    if (e.credentials) {
      const c = await ctx.readCredentials(ctx.rel(e.credentials), ctx.where(path, 'credentials'));
      if (c) {
        if (typeof c.username !== 'string' || typeof c.password !== 'string') ctx.problem(`${ctx.where(path, 'credentials')}: the SMTP credentials file needs username and password`);
        else ({ username, password } = c as { username: string; password: string });
      }
    }
    email = {
      host: e.host, port: e.port ?? (e.security === 'tls' ? 465 : e.security === 'starttls' ? 587 : 25), security: e.security, from: e.from, to: e.to,
      username, password, caPem: readPem(e.tls?.ca_file, [...path, 'tls']), subjectPrefix: e.subject_prefix,
    };
  }
  const postCommit: HookEntry[] = (m.hooks?.post_commit ?? []).map((h, i) => {
    for (const d of h.devices ?? []) {
      if (!ctx.devices.has(d)) ctx.problem(`${ctx.where(['hooks', 'post_commit', i], 'devices')}: device "${d}" is not defined`);
    }
    // A bare name is looked up on PATH; anything with a slash is a path, relative to the config folder.
    return { command: h.command.includes('/') ? ctx.rel(h.command) : h.command, args: h.args, devices: h.devices, timeoutMs: h.timeout_s * 1000 };
  });
  return {
    probes,
    alerts: { warnDays: a.warn_days, criticalDays: a.critical_days, prometheusFile: a.prometheus ? ctx.rel(a.prometheus.textfile) : undefined, webhooks, email },
    hooks: { postCommit },
  };
}
