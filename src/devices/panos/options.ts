// The `devices.<name>` options, credentials and profile `bind:` shapes for type: paloalto.
import { z } from 'zod';
import type { Binding } from '../target.js';
import { FIREWALL_NAME_MAX, validateObjectName } from './names.js';

/** 'shared' or a vsys: where certificates and SSL/TLS service profiles live. */
export const vsysSchema = z
  .string()
  .regex(/^(shared|vsys\d{1,4})$/, "must be 'shared' or a vsys name such as 'vsys1'")
  .default('shared');

/** The `commit:` block of a firewall or a Panorama: its description and whose changes it covers. */
export function commitSchema(adminMeaning: string) {
  return z
    .object({
      description: z.string().max(512).default('fwcert'),
      admin: z.string().min(1).max(63).optional().describe(adminMeaning),
    })
    .strict()
    .prefault({});
}

export const optionsSchema = z
  .object({
    /** Where certificates and SSL/TLS service profiles live: 'shared' or a vsys ('vsys1' ...). */
    vsys: vsysSchema,
    commit: commitSchema('The admin whose changes the commit is scoped to. Defaults to the login username. With an api_key fwcert cannot tell whose key it is, and committing without the scope would also commit every other admin\'s pending changes, so it must be given.'),
    /** How long to wait for the commit job (large certificate stores commit slowly). */
    commit_timeout_s: z.number().int().positive().default(1800),
    /** Shortest delay between job polls (PAN-OS docs advise >= 2 s); it grows to 10 % of the time waited, at most 5 s. */
    poll_interval_s: z.number().positive().default(2),
    /** The device is a Panorama: its own certificate store, 31-character names. */
    panorama: z.boolean().default(false),
  })
  .strict();

export type PanosOptions = z.output<typeof optionsSchema>;

export const credentialsSchema = z.union([
  z.object({ api_key: z.string().min(1) }).strict(),
  z.object({ username: z.string().min(1), password: z.string().min(1) }).strict(),
]);

export type PanosCredentialsConfig = z.output<typeof credentialsSchema>;

export const BINDING_KINDS = ['ssl_tls_service_profile', 'decryption_rule', 'forward_trust', 'trusted_root_ca'] as const;
export type PanosBindingKind = (typeof BINDING_KINDS)[number];

// Checked at load with the device's own rules: such names go into XPath and XML.
const objectName = z.string().superRefine((name, ctx) => {
  try {
    validateObjectName('object', name, FIREWALL_NAME_MAX);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});
const nonEmptyNames = z.array(objectName).min(1);

export const bindSchema: z.ZodType<Binding[]> = z
  .object({
    ssl_tls_service_profiles: nonEmptyNames.optional(),
    decryption_rules: nonEmptyNames.optional(),
    /** Use the certificate (a CA with its key on the device) as the SSL forward-proxy trust CA. */
    forward_trust: z.boolean().optional(),
    /** Add the certificate to the decryption trusted-root-CA list. */
    trusted_root_ca: z.boolean().optional(),
  })
  .strict()
  .transform((b): Binding[] => [
    ...(b.ssl_tls_service_profiles ?? []).map((name) => ({ kind: 'ssl_tls_service_profile', name })),
    ...(b.decryption_rules ?? []).map((name) => ({ kind: 'decryption_rule', name })),
    ...(b.forward_trust ? [{ kind: 'forward_trust' }] : []),
    ...(b.trusted_root_ca ? [{ kind: 'trusted_root_ca' }] : []),
  ]);
