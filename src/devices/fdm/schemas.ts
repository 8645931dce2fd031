// Configuration shapes of a `type: cisco-fdm` device: options, credentials file, and a profile's `bind:`.
import { z } from 'zod';
import type { Binding } from '../target.js';

export const fdmOptionsSchema = z.strictObject({
  /** 'latest' works from FTD 6.4; older boxes need v1 (6.2.3) / v2 (6.3). 'latest' falls back by itself. */
  api_version: z
    .string()
    .regex(/^(latest|v[1-9][0-9]*)$/, 'api_version must be "latest" or v1, v2, ... (the <ver> of /api/fdm/<ver>/)')
    .default('latest'),
  deploy_timeout_s: z.number().positive().max(86_400).default(1800),
  poll_interval_s: z.number().positive().max(600).default(3),
  /** FDM deploys every pending change: by default fwcert refuses to deploy when any is not its own. */
  deploy_foreign_changes: z.boolean().default(false),
});
export type FdmOptions = z.output<typeof fdmOptionsSchema>;

export const fdmCredentialsSchema = z.strictObject({
  username: z.string().min(1, 'username is empty'),
  password: z.string().min(1, 'password is empty'),
});
export type FdmCredentials = z.output<typeof fdmCredentialsSchema>;

export const FDM_BINDING_KINDS = ['ssl_decryption', 'ravpn', 'webui'] as const;

/** `bind: { ssl_decryption?, ravpn?, webui? }` -> one Binding per `true`. */
export const fdmBindSchema: z.ZodType<Binding[]> = z
  .strictObject({
    ssl_decryption: z.boolean().optional(),
    ravpn: z.boolean().optional(),
    webui: z.boolean().optional(),
  })
  .transform((b) => FDM_BINDING_KINDS.filter((kind) => b[kind] === true).map((kind): Binding => ({ kind })));
