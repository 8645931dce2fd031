// ACME (RFC 8555) CA type: Let's Encrypt, ZeroSSL, Google, Sectigo/DigiCert ACME with EAB, step-ca ...
import { registerSecret } from '../../core/redact.js';
import { ConfigError } from '../../core/errors.js';
import type { IssuerType } from '../issuer.js';
import { AcmeIssuer } from './acme-issuer.js';
import {
  acmeCredentialsSchema,
  acmeOptionsSchema,
  acmeProfileOptionsSchema,
  type AcmeCredentials,
  type AcmeOptions,
} from './options.js';

export { AcmeIssuer } from './acme-issuer.js';
export { ariCertId } from './ari.js';
export { AcmeCaError } from './problem.js';
export type { AcmeOptions, AcmeCredentials, AcmeProfileOptions } from './options.js';

export const acmeIssuerType: IssuerType<AcmeOptions, AcmeCredentials> = {
  type: 'acme',
  profileKey: 'acme',
  optionsSchema: acmeOptionsSchema,
  credentialsSchema: acmeCredentialsSchema,
  profileOptionsSchema: acmeProfileOptionsSchema,
  create(ctx, { options, credentials, tls, timeoutMs }) {
    registerSecret(credentials?.eab_hmac_key);
    registerSecret(credentials?.tsig_secret);
    if (options.eab && !(credentials?.eab_kid && credentials.eab_hmac_key)) {
      throw new ConfigError(`CA "${ctx.name}": eab: true needs eab_kid and eab_hmac_key in its credentials file`);
    }
    const ch = options.challenge;
    if (ch.type === 'dns-01' && ch.provider === 'rfc2136' && !credentials?.tsig_secret) {
      throw new ConfigError(`CA "${ctx.name}": challenge provider rfc2136 needs tsig_secret (base64) in its credentials file`);
    }
    return new AcmeIssuer(ctx, options, credentials, tls, timeoutMs);
  },
};
