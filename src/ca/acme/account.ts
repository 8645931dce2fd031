// The ACME account: an ECDSA P-256 key made once and kept sealed in the driver store, the account
// URL the CA gave us, and registration (contact, terms of service, External Account Binding).
import type acme from 'acme-client';
import { CaError } from '../../core/errors.js';
import type { IssuerContext } from '../issuer.js';
import { generateKeyPair } from '../../pki/index.js';
import type { AcmeTransport, WireResponse } from './transport.js';

/** The parts of acme-client's Client that are not in its typings but that we rely on. */
export interface ClientInternals {
  http: { request(url: string, method: string, opts?: { data?: unknown }): Promise<WireResponse> };
  api: { apiRequest(url: string, payload: unknown, validStatusCodes?: number[]): Promise<WireResponse> };
}

export interface AccountSettings {
  directory: string;
  email?: string;
  agreeTos: boolean;
  eab?: { kid: string; hmacKey: string };
  termsOfService?: string;
}

export function storeKeys(directory: string) {
  const p = `acme:${directory}`;
  return {
    accountKey: `${p}:account-key`,
    accountUrl: `${p}:account-url`,
    contact: `${p}:account-contact`,
    certId: (orderUrl: string) => `${p}:cert-id:${orderUrl}`,
  };
}

/** An acme-client Client signed in to our account (registering it the first time). */
export async function openAccount(ctx: IssuerContext, transport: AcmeTransport, s: AccountSettings): Promise<acme.Client> {
  const keys = storeKeys(s.directory);
  const knownUrl = ctx.store.get(keys.accountUrl) || undefined; // '' = forgotten
  if (!knownUrl && !s.agreeTos) {
    const tos = s.termsOfService ? ` (${s.termsOfService})` : '';
    throw new CaError(
      `${ctx.name}: no ACME account yet at ${s.directory}; creating one means agreeing to the CA's terms of service${tos}: read them and set agree_tos: true for CA "${ctx.name}"`,
      'agree_tos',
    );
  }

  let keyPem = ctx.store.get(keys.accountKey);
  if (!keyPem) {
    keyPem = (await generateKeyPair({ type: 'ecdsa', curve: 'P-256' })).privateKeyPem;
    ctx.store.set(keys.accountKey, keyPem, true);
    ctx.log.info({ directory: s.directory }, 'generated a new ACME account key (ECDSA P-256)');
  }

  // Loaded when an ACME CA is used: acme-client (with axios and node-forge) is the largest module fwcert loads.
  const { default: acmeClient } = await import('acme-client');
  const client = new acmeClient.Client({
    directoryUrl: s.directory,
    accountKey: keyPem,
    ...(knownUrl ? { accountUrl: knownUrl } : {}),
    ...(s.eab ? { externalAccountBinding: { kid: s.eab.kid, hmacKey: s.eab.hmacKey } } : {}),
  });
  // Every request acme-client makes goes through fwcert's HTTP client (trust, pinning, redaction).
  (client as unknown as ClientInternals).http.request = (url, method, opts) => transport.send(url, method, opts?.data);

  const contact = s.email ? [`mailto:${s.email}`] : [];
  if (!knownUrl) {
    await client.createAccount({ termsOfServiceAgreed: true, ...(contact.length ? { contact } : {}) });
    ctx.store.set(keys.accountUrl, client.getAccountUrl());
    ctx.store.set(keys.contact, contact.join(','));
    ctx.log.info({ account: client.getAccountUrl() }, `registered ACME account${s.eab ? ' (with external account binding)' : ''}`);
  } else if ((ctx.store.get(keys.contact) ?? '') !== contact.join(',')) {
    await client.updateAccount({ contact });
    ctx.store.set(keys.contact, contact.join(','));
    ctx.log.info({ account: knownUrl }, 'updated the ACME account contact');
  }
  return client;
}
