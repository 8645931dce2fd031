// Config shapes of a Sectigo SCM account (`cas.<name>`), its credentials file and the `sectigo:`
// section of a certificate profile. Limits mirror the SCM enroll request (reference §3.3).
import { z } from 'zod';
import { refineUrl } from '../../http/url-rules.js';

export const DEFAULT_SCM_URL = 'https://cert-manager.com/api/ssl/v1';

// The SSL API base is what every request path is relative to; a bare host or ".../api" (the
// python-cert_manager convention) would send requests to the wrong place.
const SSL_API_PATH = /\/api\/ssl\/v[12]\/?$/;

export const optionsSchema = z.strictObject({
  url: z
    .string()
    .superRefine(refineUrl)
    .pipe(z.url({ protocol: /^https$/, error: 'url must be an https:// URL, e.g. https://cert-manager.com/api/ssl/v1' }))
    .refine((u) => SSL_API_PATH.test(new URL(u).pathname), {
      error:
        'url must be the SSL API base ending in /api/ssl/v1 (or /api/ssl/v2), e.g. https://cert-manager.com/api/ssl/v1, ' +
        'or https://cert-manager.com/private/api/ssl/v1 for client-certificate login',
    })
    .default(DEFAULT_SCM_URL),
  customer_uri: z
    .string({ error: 'customer_uri is required: the slug in your portal URL https://cert-manager.com/customer/<customer_uri>/' })
    .regex(/^[^\s/]+$/, {
      error: 'customer_uri is the slug in your portal URL https://cert-manager.com/customer/<customer_uri>/ (no spaces or slashes)',
    }),
  org_id: z.int({ error: 'org_id must be the numeric id of the SCM organization or department (Settings > Organizations)' }).min(1, {
    error: 'org_id must be 1 or more',
  }),
  collect: z
    .strictObject({
      interval_s: z.number({ error: 'collect.interval_s must be a number of seconds' }).positive().default(10),
      max_wait_s: z.number({ error: 'collect.max_wait_s must be a number of seconds' }).min(0).default(120),
    })
    .prefault({}),
});
export type SectigoOptions = z.output<typeof optionsSchema>;

const login = z.string({ error: 'login is required (an SCM admin allowed to use the web API)' }).min(1, { error: 'login must not be empty' });

export const passwordCredentialsSchema = z.strictObject({
  login,
  password: z.string().min(1, { error: 'password must not be empty' }),
});

export const certificateCredentialsSchema = z.strictObject({
  login,
  client_cert_pem: z.string().includes('-----BEGIN CERTIFICATE-----', { error: 'client_cert_pem must be a PEM certificate' }),
  client_key_pem: z.string().regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, { error: 'client_key_pem must be a PEM private key' }),
});

export const credentialsSchema = z.union([passwordCredentialsSchema, certificateCredentialsSchema], {
  error: 'Sectigo SCM credentials need `login` plus either `password`, or both `client_cert_pem` and `client_key_pem` (and nothing else)',
});
export type SectigoCredentials = z.output<typeof credentialsSchema>;

// YAML turns `value: 2025-01-31` or `value: 42` into non-strings; SCM wants text (DATE = yyyy-MM-dd).
const customFieldValue = z
  .union([z.string(), z.number(), z.boolean()], { error: 'custom field value must be text' })
  .transform(String)
  .pipe(z.string().max(256, { error: 'custom field value is at most 256 characters' }));

/** dcvMode values of the enroll request ([DOC] enroll table; [OAS] also lists AUTO). */
export const DCV_MODES = ['EMAIL', 'CNAME', 'HTTP', 'HTTPS', 'TXT'] as const;

export const profileOptionsSchema = z.strictObject({
  cert_type: z.int({ error: 'cert_type must be the numeric id of an SCM certificate profile (see GET /types)' }).min(1),
  term: z.int({ error: 'term must be a whole number of days offered by the certificate profile, e.g. 365' }).min(1),
  comments: z.string().max(1024, { error: 'comments is at most 1024 characters' }).optional(),
  external_requester: z.string().max(512, { error: 'external_requester is at most 512 characters' }).optional(),
  // Domain control validation in the request itself, for tenants where DCV pre-validation is off
  // (reference §3.3: dcvMode EMAIL/CNAME/HTTP/HTTPS/TXT, dcvEmail for EMAIL). Sent only when set.
  dcv_mode: z.enum(DCV_MODES, { error: `dcv_mode must be one of ${DCV_MODES.join(', ')}` }).optional(),
  dcv_email: z.email({ error: 'dcv_email must be an e-mail address (the approver address for dcv_mode EMAIL)' }).optional(),
  custom_fields: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(256, { error: 'custom field name is at most 256 characters' }),
        value: customFieldValue,
      }),
    )
    .optional(),
}).superRefine((o, ctx) => {
  if (o.dcv_mode === 'EMAIL' && !o.dcv_email) ctx.addIssue({ code: 'custom', path: ['dcv_email'], message: 'dcv_mode EMAIL needs dcv_email (the address that approves the validation)' });
  if (o.dcv_email && o.dcv_mode !== 'EMAIL') ctx.addIssue({ code: 'custom', path: ['dcv_email'], message: 'dcv_email is only used with dcv_mode: EMAIL' });
});
export type SectigoProfileOptions = z.output<typeof profileOptionsSchema>;
