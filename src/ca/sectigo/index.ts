// Registration of the Sectigo SCM issuer: config schemas + factory (auth headers, HTTP client).
import { ConfigError } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';
import { HttpClient } from '../../http/client.js';
import { keyMatchesCertificate } from '../../pki/index.js';
import type { IssuerType } from '../issuer.js';
import { SectigoScmIssuer } from './issuer.js';
import { credentialsSchema, optionsSchema, profileOptionsSchema } from './schemas.js';
import type { SectigoCredentials, SectigoOptions } from './schemas.js';

export { SectigoScmIssuer } from './issuer.js';
export { credentialsSchema, optionsSchema, profileOptionsSchema } from './schemas.js';
export type { SectigoCredentials, SectigoOptions, SectigoProfileOptions } from './schemas.js';

export const sectigoIssuerType: IssuerType<SectigoOptions, SectigoCredentials> = {
  type: 'sectigo-scm',
  profileKey: 'sectigo',
  optionsSchema,
  credentialsSchema,
  profileOptionsSchema,
  create(ctx, { options, credentials, tls, timeoutMs, maxInFlight }) {
    if (!credentials) {
      throw new ConfigError(`cas.${ctx.name}: Sectigo SCM needs credentials: login plus password, or login plus client_cert_pem/client_key_pem`);
    }
    const onPrivate = new URL(options.url).pathname.includes('/private/');
    const headers: Record<string, string> = { login: credentials.login, customerUri: options.customer_uri };
    let trust = tls;
    if ('password' in credentials) {
      registerSecret(credentials.password);
      headers.password = credentials.password;
      if (onPrivate) {
        // The URL is used as written (no silent rewrite): say what will likely happen and what to write instead.
        ctx.log.warn(
          { ca: ctx.name },
          `cas.${ctx.name}: url contains /private, which SCM reserves for client-certificate login; password login there will likely answer "Unknown user" — use ${options.url.replace('/private/', '/')}`,
        );
      }
    } else {
      // Certificate login: TLS client certificate + login/customerUri headers, no password (reference §2).
      registerSecret(credentials.client_key_pem);
      clientPairOrThrow(ctx.name, credentials.client_cert_pem, credentials.client_key_pem);
      trust = { ...tls, clientCertPem: credentials.client_cert_pem, clientKeyPem: credentials.client_key_pem };
      if (!onPrivate) {
        ctx.log.warn({ ca: ctx.name }, `cas.${ctx.name}: client-certificate login needs the /private base, e.g. https://cert-manager.com/private/api/ssl/v1; ${options.url} will likely answer "Unknown user"`);
      }
    }
    // Enough connections for the orders a run keeps open (max_in_flight, which bounds the load on SCM),
    // at most 64: each order costs a submit and two or more collects, and hundreds of orders through
    // a few connections queue behind each other (with 16, 500 orders' submits and first collects
    // alone queued for seconds at 50 ms per answer).
    const connections = Math.min(64, Math.max(4, maxInFlight ?? 4));
    const http = new HttpClient({ baseUrl: options.url, tls: trust, name: `${ctx.name} (Sectigo SCM)`, log: ctx.log, timeoutMs, connections });
    return new SectigoScmIssuer(ctx.name, options, http, headers, ctx.log);
  },
};

/** A client certificate and key that cannot be read or do not pair are a config error, said at load
 *  time in words, not an OpenSSL code when the first request is built. The key's text is never shown. */
function clientPairOrThrow(ca: string, certPem: string, keyPem: string): void {
  let pairs: boolean;
  try {
    pairs = keyMatchesCertificate(keyPem, certPem);
  } catch {
    throw new ConfigError(`cas.${ca}: client_cert_pem and client_key_pem must be a readable PEM certificate and its unencrypted PEM private key`);
  }
  if (!pairs) throw new ConfigError(`cas.${ca}: client_key_pem is not the private key of client_cert_pem`);
}
