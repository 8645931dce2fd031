// @peculiar/x509 needs a WebCrypto implementation; Node's is complete, so register it once here.
// Every pki module imports x509 through this file so the provider is always set.
// @peculiar/x509 2.x resolves its algorithms through tsyringe, which needs the Reflect metadata
// polyfill loaded first (documented requirement of @peculiar/x509).
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
export const subtle = webcrypto.subtle;
export type CryptoKey = webcrypto.CryptoKey;
