// What an emulated tenant offers when the caller does not say: profiles shaped like real ones
// ([PCM] tests: "InCommon SSL (SHA-2)" id 224 terms [365,730]) and one organization.
import type { ScmCertType } from './types.js';

export const DEFAULT_ORG_IDS = [12345];

export const DEFAULT_CERT_TYPES: ScmCertType[] = [
  {
    id: 224,
    name: 'InCommon SSL (SHA-2)',
    description: 'InCommon SSL (SHA-2)',
    terms: [365, 730],
    keyTypes: { RSA: ['2048', '3072', '4096'], EC: ['P-256', 'P-384'] },
    allowRenew: true,
    validationType: 'Organization Validation (OV)',
  },
  {
    id: 226,
    name: 'InCommon Multi Domain SSL (SHA-2)',
    description: 'InCommon Multi Domain SSL (SHA-2)',
    terms: [365],
    keyTypes: { RSA: ['2048', '3072', '4096'] },
    allowRenew: false,
    validationType: 'Organization Validation (OV)',
  },
];
