// Configuration shapes: the `managers.<name>` entry of type cisco-fmc, the `devices.<name>` entry of type
// cisco-fmc-ftd, their credentials files, and a profile's `bind:` for FMC-managed FTDs.
import { z } from 'zod';
import { sftunnelOptionKeys } from '../../sftunnel/options.js';
import type { Binding } from '../target.js';
import { KNOWN_KEY } from './known-key.js';
import { trustAnchorSchema, type TrustAnchor } from './trust-anchor-config.js';

export const fmcManagerOptionsSchema = z.strictObject({
  /** "Global" or a child domain such as "Global/Branches" (names as in the DOMAINS login header). */
  domain: z.string().min(1).default('Global'),
  /** The FMC allows 120 requests a minute per client (§7); FMC 7.4.1+ takes more (go-fmc uses 300). */
  rate_limit_per_min: z.number().int().min(1).max(6000).default(120),
  /** First wait after a 429 / "please try again" answer when the FMC sends no Retry-After (doubles, max 60 s). */
  retry_backoff_s: z.number().positive().max(120).default(5),
  max_retries: z.number().int().min(0).max(50).default(10),
  poll_interval_s: z.number().positive().max(600).default(5),
  /** terraform-provider-fmc waits 15 minutes for a task. */
  task_timeout_s: z.number().positive().max(86_400).default(900),
  deploy_timeout_s: z.number().positive().max(86_400).default(1800),
  /** The FMC internal CA (sftunnel) keys: sftunnel:, ssh:, secondary: (used by `fwcert status` and `fwcert sftunnel`). */
  ...sftunnelOptionKeys,
});
export type FmcManagerOptions = z.output<typeof fmcManagerOptionsSchema>;

export const fmcCredentialsSchema = z.strictObject({
  username: z.string().min(1, 'username is empty'),
  password: z.string().min(1, 'password is empty'),
});
export type FmcCredentials = z.output<typeof fmcCredentialsSchema>;

export const fmcFtdOptionsSchema = z.strictObject({
  /** The FTD's name on the FMC (an HA pair by its pair name); default: the device entry's name. */
  fmc_name: z.string().min(1).max(128).optional(),
  /** Deploy this FTD even when the FMC holds changes for it that are not fwcert's. */
  deploy_foreign_changes: z.boolean().default(false),
  /** CA certificates the FTD trusts: Manual, CA-only enrollment objects installed as trustpoints. */
  trust_anchors: z.array(trustAnchorSchema).max(100).default([]),
});
export type FmcFtdOptions = Omit<z.output<typeof fmcFtdOptionsSchema>, 'trust_anchors'> & { trust_anchors: TrustAnchor[] };

/**
 * `bind: { ravpn: true }`: the SSL identity certificate of the RA VPN policy assigned to the FTD;
 * `ravpn: "<policy name>"` also names that policy, so that `fwcert check` proves it exists and is the one
 * assigned to the FTD (an FTD has at most one RA VPN policy).
 * `known_key: { policy, rule }`: the certificate and key go into the FMC's internal certificate object
 * named after the profile, which that "Decrypt - Known Key" rule of that decryption policy lists (known-key.ts).
 */
export const fmcBindSchema: z.ZodType<Binding[]> = z
  .strictObject({
    ravpn: z.union([z.boolean(), z.string().min(1).max(128)]).optional(),
    known_key: z.strictObject({
      policy: z.string().min(1).max(128).regex(/^[^/]+$/, 'a decryption policy name without "/"'),
      rule: z.string().min(1).max(128),
    }).optional(),
  })
  .transform((b): Binding[] => [
    ...(b.ravpn === true ? [{ kind: 'ravpn' }] : typeof b.ravpn === 'string' ? [{ kind: 'ravpn', name: b.ravpn }] : []),
    ...(b.known_key ? [{ kind: KNOWN_KEY, name: `${b.known_key.policy}/${b.known_key.rule}` }] : []),
  ]);
