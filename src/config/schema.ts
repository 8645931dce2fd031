// zod schemas of fwcert.yaml and of certificate profile files. Driver-specific keys are validated
// by each driver's own schemas (see load.ts); these cover what is common.
import { isIP } from 'node:net';
import { z } from 'zod';
import { refineUrl } from '../http/url-rules.js';
import { alertsSchema, hooksSchema, probesSchema } from './monitoring.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Profile names become object names on devices: keep them portable across every device's rules. */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]{0,46}$/;
export const ENTRY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export const renewalSchema = z.strictObject({
  before_days: z.number().int().min(1).max(3650).optional(),
  before_fraction: z.number().gt(0).lt(1).optional(),
});

export const tlsSchema = z
  .strictObject({
    ca_file: z.string().min(1).optional(),
    sha256: z
      .string()
      .regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$/, 'a SHA-256 fingerprint: 64 hex digits, with or without colons')
      .optional(),
    insecure: z.boolean().optional(),
  })
  .refine((t) => [t.ca_file, t.sha256, t.insecure].filter((v) => v !== undefined && v !== false).length <= 1, {
    message: 'use one of ca_file, sha256 or insecure: true',
  });

export const commonEntryKeys = ['type', 'credentials', 'credentials_env', 'tls'] as const;
export const commonManagerKeys = [...commonEntryKeys, 'url', 'timeout_s'] as const;
export const commonDeviceKeys = [...commonManagerKeys, 'manager'] as const;
export const commonCaKeys = [...commonEntryKeys, 'timeout_s', 'max_in_flight'] as const;

const credentialsEnv = z.record(z.string(), z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'));

// Checked raw first: z.url() hands on a normalised URL, with CR/LF/tab already dropped.
const httpsUrl = z.string().superRefine(refineUrl).pipe(z.url({ protocol: /^https$/, message: 'an https:// URL' }));

export const managerCommonSchema = z.object({
  type: z.string(),
  url: httpsUrl,
  credentials: z.string().min(1).optional(),
  credentials_env: credentialsEnv.optional(),
  tls: tlsSchema.optional(),
  timeout_s: z.number().positive().max(3600).default(60),
});

/** A device has its own `url`, or (managed types: FTDs under an FMC, firewalls under Panorama) a `manager`. */
export const deviceCommonSchema = managerCommonSchema.extend({
  url: httpsUrl.optional(),
  manager: z.string().regex(ENTRY_NAME, 'a manager name from managers:').optional(),
});

export const caCommonSchema = z.object({
  type: z.string(),
  /** Orders a run keeps open at this CA at once (submitted, not yet issued), over all devices. */
  max_in_flight: z.number().int().min(1).max(10_000).default(10),
  credentials: z.string().min(1).optional(),
  credentials_env: credentialsEnv.optional(),
  tls: tlsSchema.optional(),
  /** Deadline of each request to the CA (the whole answer, not just the gaps between bytes). */
  timeout_s: z.number().positive().max(3600).default(60),
});

export const configSchema = z.strictObject({
  log: z
    .strictObject({ level: z.enum(LEVELS).default('info'), file: z.string().min(1).optional() })
    .default({ level: 'info' }),
  ledger: z.strictObject({ path: z.string().min(1).default('state/fwcert.db') }).default({ path: 'state/fwcert.db' }),
  secrets: z.strictObject({ passphrase_file: z.string().min(1).optional() }).default({}),
  renewal: renewalSchema.default({}),
  concurrency: z.number().int().min(1).max(256).default(8),
  /** A run abandons what is left after this long, so a cron job always ends and frees its lock. */
  max_run_s: z.number().positive().max(7 * 86_400).default(3600),
  cas: z.record(z.string().regex(ENTRY_NAME, 'a CA name: letters, digits, _ . - (≤63)'), z.record(z.string(), z.unknown())).default({}),
  managers: z
    .record(z.string().regex(ENTRY_NAME, 'a manager name: letters, digits, _ . - (≤63)'), z.record(z.string(), z.unknown()))
    .default({}),
  devices: z
    .record(z.string().regex(ENTRY_NAME, 'a device name: letters, digits, _ . - (≤63)'), z.record(z.string(), z.unknown()))
    .default({}),
  profiles: z.array(z.record(z.string(), z.unknown())).optional(),
  profiles_dir: z.string().min(1).optional(),
  probes: probesSchema.optional(),
  alerts: alertsSchema.optional(),
  hooks: hooksSchema.optional(),
});

const RSA_SIZES = [2048, 3072, 4096];
const CURVES = ['P-256', 'P-384', 'P-521'];

export const keySchema = z
  .strictObject({
    type: z.enum(['rsa', 'ecdsa'], { message: 'key type must be rsa or ecdsa' }),
    size: z.number().optional(),
    curve: z.string().optional(),
    generate: z.enum(['auto', 'device', 'local']).default('auto'),
  })
  .superRefine((k, ctx) => {
    if (k.type === 'rsa') {
      if (k.size === undefined) ctx.addIssue({ code: 'custom', path: ['size'], message: `RSA needs size (allowed: ${RSA_SIZES.join(', ')})` });
      else if (!RSA_SIZES.includes(k.size)) ctx.addIssue({ code: 'custom', path: ['size'], message: `RSA ${k.size} is not allowed (allowed: ${RSA_SIZES.join(', ')})` });
      if (k.curve !== undefined) ctx.addIssue({ code: 'custom', path: ['curve'], message: 'curve is for ecdsa keys' });
    } else {
      if (k.curve === undefined) ctx.addIssue({ code: 'custom', path: ['curve'], message: `ECDSA needs curve (allowed: ${CURVES.join(', ')})` });
      else if (!CURVES.includes(k.curve)) ctx.addIssue({ code: 'custom', path: ['curve'], message: `unknown curve "${k.curve}" (allowed: ${CURVES.join(', ')})` });
      if (k.size !== undefined) ctx.addIssue({ code: 'custom', path: ['size'], message: 'size is for rsa keys' });
    }
  });

const DNS_NAME = /^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
/** A DNS name's last label is never all digits (RFC 3696 §2): "192.168.1.300" is a bad IP, not a name. */
const NUMERIC_TLD = /(^|\.)[0-9]+$/;
const isDnsName = (s: string) => s.length <= 253 && DNS_NAME.test(s) && !NUMERIC_TLD.test(s);
export const sanSchema = z
  .string()
  .refine((s) => isIP(s) !== 0 || isDnsName(s), { message: 'a DNS name (optionally *.wildcard) or an IP address' });

// Subject attributes travel into CSRs, CA requests and PAN-OS XML: no control characters and none
// of the characters some CAs or devices refuse or mangle.
const SUBJECT_TEXT = /^[^\x00-\x1f\x7f<>'"&\\`]*$/;
const subjectText = (max: number) =>
  z.string().min(1).max(max).regex(SUBJECT_TEXT, 'no control characters (NUL, CR, LF ...) and none of < > \' " & \\ ` (CAs and devices refuse them)');

export const subjectSchema = z.strictObject({
  cn: subjectText(64).optional(),
  o: subjectText(64).optional(),
  ou: subjectText(64).optional(),
  l: subjectText(128).optional(),
  st: subjectText(128).optional(),
  c: z.string().regex(/^[A-Z]{2}$/, 'a two-letter country code such as US').optional(),
  email: z.email().optional(),
});

export const profileSchema = z
  .object({
    name: z.string().regex(PROFILE_NAME, 'a profile name: starts with a letter or digit, then letters, digits, . - (≤47 characters; it becomes the object name on devices)'),
    ca: z.string().min(1),
    validation: z.enum(['DV', 'OV', 'EV']).default('DV'),
    subject: subjectSchema.default({}),
    sans: z.array(sanSchema).default([]),
    key: keySchema,
    renewal: renewalSchema.optional(),
    targets: z
      .array(
        z.strictObject({
          device: z.string().min(1),
          bind: z.record(z.string(), z.unknown()).default({}),
        }),
      )
      .min(1, 'at least one target device'),
  })
  .superRefine((p, ctx) => {
    if (!p.subject.cn && p.sans.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['subject'], message: 'a profile needs a subject.cn or at least one entry in sans' });
    }
    // The CN is also the certificate's first name (SAN): it must be one.
    if (p.subject.cn && isIP(p.subject.cn) === 0 && !isDnsName(p.subject.cn)) {
      ctx.addIssue({ code: 'custom', path: ['subject', 'cn'], message: 'the CN is also a name of the certificate: a DNS name (a wildcard looks like *.example.com) or an IP address' });
    }
    const seen = new Set<string>();
    p.targets.forEach((t, i) => {
      if (seen.has(t.device)) ctx.addIssue({ code: 'custom', path: ['targets', i, 'device'], message: `device "${t.device}" is already a target of this profile (each device once)` });
      seen.add(t.device);
    });
  });

/** Keys a profile may carry besides the common ones: the CA-specific section (e.g. `sectigo:`). */
export const profileCommonKeys = ['name', 'ca', 'validation', 'subject', 'sans', 'key', 'renewal', 'targets'];
