// Where a template's (or template stack's) certificates and SSL/TLS service profiles live on
// Panorama, and the parameters that point imports there: `target-tpl` [ACME deploy/panos.sh, ANS
// panos_import, KF] and `target-tpl-vsys` for a vsys of the template (pan-chainguard notes it failed
// on some releases, PAN-257229, so the default location is the template's shared scope).
import { panosLocation, type PanosLocation } from './locations.js';
import { entryXpath } from './xml.js';

const DEVICE = "/config/devices/entry[@name='localhost.localdomain']";

export type TemplateKind = 'template' | 'template-stack';

export function templateXpath(kind: TemplateKind, name: string): string {
  return entryXpath(`${DEVICE}/${kind}`, name);
}

export function templateLocation(kind: TemplateKind, name: string, vsys: string): PanosLocation {
  const root = `${templateXpath(kind, name)}/config`;
  const shared = vsys === 'shared';
  const base = shared ? `${root}/shared` : entryXpath(`${root}/devices/entry[@name='localhost.localdomain']/vsys`, vsys);
  return {
    scope: `${kind} ${name}${shared ? '' : ` ${vsys}`}`,
    certificates: `${base}/certificate`,
    certificate: (n) => entryXpath(`${base}/certificate`, n),
    sslTlsProfiles: `${base}/ssl-tls-service-profile`,
    sslTlsProfile: (n) => entryXpath(`${base}/ssl-tls-service-profile`, n),
    sslDecrypt: `${base}/ssl-decrypt`,
    // Decryption rules are policy: device groups, not templates.
    requestParams: { 'target-tpl': name, ...(shared ? {} : { 'target-tpl-vsys': vsys }) },
  };
}

/** The same place on a firewall that received the template (its own tree: shared or the vsys). */
export function firewallLocation(vsys: string): PanosLocation {
  return panosLocation({ vsys, panorama: false });
}
