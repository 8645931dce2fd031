// Where things live in the PAN-OS configuration tree for one device entry (reference sections 5 and 6):
// certificates and SSL/TLS service profiles in shared, a vsys, or Panorama's own tree; decryption
// settings beside them; decryption rules in a vsys rulebase. All names pass through xpathLiteral.
import { entryXpath } from './xml.js';

export interface PanosLocation {
  /** 'shared', 'vsys1' ... or 'panorama' (Panorama's own certificates). */
  scope: string;
  /** Parent of the certificate entries. */
  certificates: string;
  certificate(name: string): string;
  sslTlsProfiles: string;
  sslTlsProfile(name: string): string;
  /** `ssl-decrypt` node (forward-trust-certificate, trusted-root-CA); undefined on Panorama. */
  sslDecrypt?: string;
  /** Vsys whose rulebase holds the decryption rules; undefined on Panorama (rules live in device groups). */
  rulebaseVsys?: string;
  decryptionRules?: string;
  decryptionRule?(name: string): string;
  /** Extra request parameters that point import/export/op at this location (`vsys=vsys1`). */
  requestParams: Record<string, string>;
}

const DEVICE = "/config/devices/entry[@name='localhost.localdomain']";

function vsysBase(vsys: string): string {
  return entryXpath(`${DEVICE}/vsys`, vsys);
}

export function panosLocation(opts: { vsys: string; panorama: boolean }): PanosLocation {
  if (opts.panorama) {
    // Panorama's own store (import without parameters lands here); templates are out of scope.
    const base = '/config/panorama';
    return {
      scope: 'panorama',
      certificates: `${base}/certificate`,
      certificate: (n) => entryXpath(`${base}/certificate`, n),
      sslTlsProfiles: `${base}/ssl-tls-service-profile`,
      sslTlsProfile: (n) => entryXpath(`${base}/ssl-tls-service-profile`, n),
      requestParams: {},
    };
  }
  const shared = opts.vsys === 'shared';
  const base = shared ? '/config/shared' : vsysBase(opts.vsys);
  // A firewall has no shared rulebase: with shared certificates, rules are read from vsys1, the only
  // vsys of a single-vsys firewall.
  const rulebaseVsys = shared ? 'vsys1' : opts.vsys;
  const rules = `${vsysBase(rulebaseVsys)}/rulebase/decryption/rules`;
  return {
    scope: opts.vsys,
    certificates: `${base}/certificate`,
    certificate: (n) => entryXpath(`${base}/certificate`, n),
    sslTlsProfiles: `${base}/ssl-tls-service-profile`,
    sslTlsProfile: (n) => entryXpath(`${base}/ssl-tls-service-profile`, n),
    sslDecrypt: `${base}/ssl-decrypt`,
    rulebaseVsys,
    decryptionRules: rules,
    decryptionRule: (n) => entryXpath(rules, n),
    requestParams: shared ? {} : { vsys: opts.vsys },
  };
}
