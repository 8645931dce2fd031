// Config shapes for Panorama: the `managers.<name>` entry of type panorama, and the `devices.<name>`
// entry of type panorama-template (a template or template stack and the firewalls that receive it).
import { z } from 'zod';
import type { Binding } from '../target.js';
import { bindSchema as firewallBindSchema, commitSchema, credentialsSchema, vsysSchema } from './options.js';
import { PANORAMA_NAME_MAX } from './names.js';

export const panoramaCredentialsSchema = credentialsSchema;

export const panoramaOptionsSchema = z
  .object({
    commit: commitSchema('Whose changes the Panorama commit (and, on 10.2+, the push) covers; defaults to the login.'),
    /** Scope the push to the commit admin (`<admin>` in commit-all, PAN-OS 10.2+ per pan-os-python). */
    push_admin_scope: z.boolean().default(true),
    /** Wait for the Panorama commit, and separately for the push to every firewall. */
    commit_timeout_s: z.number().int().positive().default(1800),
    /** Keyfactor raised its Panorama push timeout from 10 to 60 minutes (reference section 7). */
    push_timeout_s: z.number().int().positive().default(3600),
    poll_interval_s: z.number().positive().default(2),
  })
  .strict();

export type PanoramaOptions = z.output<typeof panoramaOptionsSchema>;

const NAME = z
  .string()
  .min(1)
  .max(PANORAMA_NAME_MAX, `at most ${PANORAMA_NAME_MAX} characters on Panorama`)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, "letters, digits, spaces, '.', '_' and '-'");

export const templateTargetOptionsSchema = z
  .object({
    template: NAME.optional(),
    template_stack: NAME.optional(),
    /** Where in the template the certificates live: 'shared' or a vsys of the template. */
    vsys: vsysSchema,
    /** The firewalls that receive the template, by serial number or hostname as Panorama knows them. */
    firewalls: z.array(z.string().min(1).max(63)).min(1, 'at least one firewall'),
  })
  .strict()
  .refine((o) => (o.template === undefined) !== (o.template_stack === undefined), {
    message: 'give exactly one of template or template_stack',
  });

export type TemplateTargetOptions = z.output<typeof templateTargetOptionsSchema>;

/** Firewall bindings, except decryption rules: those live in device groups, not in templates. */
export const templateBindSchema: z.ZodType<Binding[]> = firewallBindSchema.refine((bindings) => !bindings.some((b) => b.kind === 'decryption_rule'), {
  message: 'decryption_rules live in Panorama device groups, which fwcert does not manage; bind ssl_tls_service_profiles, forward_trust or trusted_root_ca',
});
