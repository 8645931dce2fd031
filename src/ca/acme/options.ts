// The `cas.<name>` entry of an ACME CA, its credentials file, and the profile's `acme:` section.
import { z } from 'zod';
import { refineUrl } from '../../http/url-rules.js';
import { TSIG_ALGORITHMS } from './dns/tsig.js';
import { parseServerAddress } from './dns/server-address.js';

const hostPort = z.string().refine((s) => {
  try {
    parseServerAddress(s);
    return true;
  } catch {
    return false;
  }
}, 'must be "host" or "host:port"');

const propagationSchema = z
  .strictObject({
    /** Give up waiting for the TXT record after this long. */
    timeout_s: z.number().int().positive().max(3600).default(120),
    interval_s: z.number().positive().max(300).default(2),
    /** Ask these servers instead of the zone's NS set (split horizon, hidden primaries ...). */
    nameservers: z.array(hostPort).min(1).optional(),
  })
  .prefault({});

const hookFields = {
  /** Program to run (absolute path recommended; no shell is involved). */
  command: z.string().min(1),
  args: z.array(z.string()).optional(),
  timeout_s: z.number().int().positive().max(3600).default(60),
};

const rfc2136Schema = z.strictObject({
  type: z.literal('dns-01'),
  provider: z.literal('rfc2136'),
  /** Primary DNS server accepting signed updates, "host" or "host:port" (default port 53). */
  server: hostPort,
  /** Zone to update; found by an SOA lookup at `server` when omitted. */
  zone: z.string().min(1).optional(),
  tsig_key_name: z.string().min(1),
  tsig_algorithm: z.enum(TSIG_ALGORITHMS).default('hmac-sha256'),
  record_ttl_s: z.number().int().min(0).max(86400).default(60),
  propagation: propagationSchema,
});

const execDnsSchema = z.strictObject({
  type: z.literal('dns-01'),
  provider: z.literal('exec'),
  ...hookFields,
  propagation: propagationSchema,
});

const http01Schema = z.strictObject({
  type: z.literal('http-01'),
  ...hookFields,
});

/** The account is pre-authorized for its names (e.g. a commercial CA's ACME with EAB): no challenge. */
const noneSchema = z.strictObject({ type: z.literal('none') });

export const challengeSchema = z.discriminatedUnion('type', [
  z.discriminatedUnion('provider', [rfc2136Schema, execDnsSchema]),
  http01Schema,
  noneSchema,
]);

export const acmeOptionsSchema = z.strictObject({
  /** ACME directory URL (RFC 8555 section 7.1.1). */
  directory: z.string().superRefine(refineUrl).pipe(z.url({ protocol: /^https$/, message: 'must be an https:// URL of the ACME directory' })),
  /** Account contact (mailto:); optional for CAs that do not want one. */
  email: z.email().optional(),
  /** You agree to the CA's terms of service; required before an account can be created. */
  agree_tos: z.boolean().default(false),
  /** The CA requires External Account Binding: the credentials file must carry eab_kid and eab_hmac_key. */
  eab: z.boolean().optional(),
  challenge: challengeSchema,
  /** Issuer CN of the top certificate of the chain to prefer among the CA's alternates. */
  preferred_chain: z.string().min(1).optional(),
  poll: z
    .strictObject({
      interval_s: z.number().positive().max(600).default(2),
      /** Bound on waiting for challenge validation and order readiness during submit. */
      max_wait_s: z.number().positive().max(7200).default(300),
    })
    .prefault({}),
});

export const acmeCredentialsSchema = z
  .strictObject({
    /** EAB key identifier from the CA. */
    eab_kid: z.string().min(1).optional(),
    /** EAB MAC key from the CA, base64url (as CAs hand it out). */
    eab_hmac_key: z.string().regex(/^[A-Za-z0-9_\-+/]+=*$/, 'must be base64url').optional(),
    /** TSIG secret for dns-01 rfc2136, base64 (as in BIND's key statement). */
    tsig_secret: z.string().regex(/^[A-Za-z0-9+/]+=*$/, 'must be base64').optional(),
  })
  .refine((c) => (c.eab_kid === undefined) === (c.eab_hmac_key === undefined), {
    message: 'eab_kid and eab_hmac_key go together',
  });

export const acmeProfileOptionsSchema = z.strictObject({
  /** Overrides the CA entry's preferred_chain for this profile. */
  preferred_chain: z.string().min(1).optional(),
});

export type AcmeOptions = z.output<typeof acmeOptionsSchema>;
export type AcmeCredentials = z.output<typeof acmeCredentialsSchema>;
export type AcmeProfileOptions = z.output<typeof acmeProfileOptionsSchema>;
export type ChallengeOptions = z.output<typeof challengeSchema>;
