// Every CA type fwcert can use, each loaded when a configuration uses it. Adding an issuer = one line here.
import { TypeRegistry } from '../core/type-registry.js';
import type { IssuerType } from './issuer.js';

export const issuerTypes = new TypeRegistry<IssuerType>({
  'sectigo-scm': async () => (await import('./sectigo/index.js')).sectigoIssuerType as IssuerType,
  acme: async () => (await import('./acme/index.js')).acmeIssuerType as IssuerType,
  est: async () => (await import('./est/index.js')).estIssuerType as IssuerType,
  'self-signed': async () => (await import('./self-signed/index.js')).selfSignedIssuerType as IssuerType,
});
