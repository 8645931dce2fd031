// What a data-plane service presents, read from the RUNNING config: the GlobalProtect portal
// names an SSL/TLS service profile, the profile names a certificate object [reference section 6];
// the chain is whatever CA certificate objects on the box issued it (PAN-OS sends the chain it can
// build from its own certificate store).
import { certFingerprintSha256 } from '../../pki/index.js';
import { certificateLists, findCertificate, readCertObject, type KeyVault } from './cert-entry.js';
import { DEVICE_ENTRY } from './config-store.js';
import { entryNamed, textOf, type XNode } from './xml-tree.js';
import { parseXpath, select } from './xpath.js';
import { certNames } from './x509-names.js';

export interface ServiceBinding {
  profile?: string;
  certificate?: string;
  leafPem?: string;
  chainPem: string[];
  keyPem?: string;
  fingerprint?: string;
  /** Why the service cannot present the bound certificate (missing object, no key ...). */
  problem?: string;
}

/** The profile a GlobalProtect portal uses (first portal of vsys1 when no name is given). */
export function gpPortalProfile(running: XNode, portal?: string): string | undefined {
  const portals = select(running, parseXpath(`${DEVICE_ENTRY}/vsys/entry[@name='vsys1']/global-protect/global-protect-portal`))[0];
  const p = portal ? entryNamed(portals, portal) : portals?.children.find((c) => c.tag === 'entry');
  return textOf(p, 'portal-config', 'ssl-tls-service-profile');
}

export function profileCertificate(config: XNode, profile: string): string | undefined {
  const list = select(config, parseXpath('/config/shared/ssl-tls-service-profile'))[0];
  return textOf(entryNamed(list, profile), 'certificate');
}

/** Issuer chain of a leaf, from the CA objects present in the config (leaf's issuer first). */
export function chainFromStore(config: XNode, leafPem: string): string[] {
  const pool = certificateLists(config)
    .flatMap((l) => l.list.children)
    .map(readCertObject)
    .filter((o) => o.certPem)
    .map((o) => ({ pem: o.certPem!, names: certNames(o.certPem!) }));
  const chain: string[] = [];
  let current = certNames(leafPem);
  for (let i = 0; i < 8; i++) {
    if (current.subject.oneLine === current.issuer.oneLine) break; // self-signed: done
    const issuer = pool.find((c) => c.names.subject.oneLine === current.issuer.oneLine && !chain.includes(c.pem) && c.pem !== leafPem);
    if (!issuer) break;
    chain.push(issuer.pem);
    current = issuer.names;
  }
  return chain;
}

export function resolveGpPortal(running: XNode, vault: KeyVault): ServiceBinding {
  const profile = gpPortalProfile(running);
  if (!profile) return { chainPem: [], problem: 'no GlobalProtect portal SSL/TLS service profile' };
  const certificate = profileCertificate(running, profile);
  if (!certificate) return { profile, chainPem: [], problem: `profile ${profile} names no certificate` };
  const entry = findCertificate(running, certificate);
  if (!entry) return { profile, certificate, chainPem: [], problem: `certificate ${certificate} does not exist` };
  const obj = readCertObject(entry);
  if (!obj.certPem) return { profile, certificate, chainPem: [], problem: `certificate ${certificate} has no certificate (CSR pending?)` };
  const keyPem = vault.unseal(obj.keyBlob);
  const base = { profile, certificate, leafPem: obj.certPem, chainPem: chainFromStore(running, obj.certPem), fingerprint: certFingerprintSha256(obj.certPem) };
  if (!keyPem) return { ...base, problem: `certificate ${certificate} has no private key` };
  return { ...base, keyPem };
}
