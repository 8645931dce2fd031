// Every CA type fwcert can use. Adding an issuer = one line here.
import type { IssuerType } from './issuer.js';
import { sectigoIssuerType } from './sectigo/index.js';
import { acmeIssuerType } from './acme/index.js';
import { estIssuerType } from './est/index.js';
import { selfSignedIssuerType } from './self-signed/index.js';

export const issuerTypes: ReadonlyMap<string, IssuerType> = new Map(
  [sectigoIssuerType as IssuerType, acmeIssuerType as IssuerType, estIssuerType as IssuerType, selfSignedIssuerType as IssuerType].map((t) => [t.type, t]),
);
