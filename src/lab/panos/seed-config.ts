// The configuration a fresh emulated firewall starts with: a realistic minimum around what a
// certificate connector touches (reference section 6): certificates in /config/shared, the SSL/TLS
// service profiles of the management UI and the GlobalProtect portal, a GlobalProtect portal in
// vsys1, and decryption rules incl. an SSL inbound inspection rule naming a server certificate.
import { escapeAttr, escapeText, parseElement, type XNode } from './xml-tree.js';

export interface SeedCertificates {
  /** The management UI certificate (the API's own HTTPS certificate). */
  mgmt: XNode;
  /** Default self-signed certificate of the GlobalProtect portal profile. */
  gpPortal: XNode;
  /** Server certificate of the inbound inspection rule. */
  inboundWeb: XNode;
}

export const SEED_NAMES = {
  mgmtCert: 'mgmt-ui-default',
  mgmtProfile: 'mgmt-ui-profile',
  gpCert: 'gp-portal-default',
  gpProfile: 'gp-portal-profile',
  gpPortal: 'GP-Portal',
  inboundCert: 'inbound-web-default',
  inboundRule: 'inbound-web-inspection',
} as const;

/** `members`: newer schema `<ssl-inbound-inspection><certificates><member>` [PANGO decryption];
 * `legacy`: the certificate name as the text of `<ssl-inbound-inspection>` [PANOS policies.py]. */
export type InboundInspectionSchema = 'members' | 'legacy';

export function buildSeedConfig(opts: {
  hostname: string;
  admins: string[];
  certs: SeedCertificates;
  inboundSchema: InboundInspectionSchema;
}): XNode {
  const n = SEED_NAMES;
  const h = escapeText(opts.hostname);
  const users = opts.admins
    .map((u) => `<entry name="${escapeAttr(u)}"><phash>*</phash><permissions><role-based><superuser>yes</superuser></role-based></permissions></entry>`)
    .join('');
  const inbound =
    opts.inboundSchema === 'legacy'
      ? `<ssl-inbound-inspection>${n.inboundCert}</ssl-inbound-inspection>`
      : `<ssl-inbound-inspection><certificates><member>${n.inboundCert}</member></certificates></ssl-inbound-inspection>`;
  const tlsProfile = (name: string, cert: string) =>
    `<entry name="${name}"><certificate>${cert}</certificate><protocol-settings><min-version>tls1-2</min-version><max-version>max</max-version></protocol-settings></entry>`;
  const anyMembers = (tags: string[]) => tags.map((t) => `<${t}><member>any</member></${t}>`).join('');
  const xml = `<config version="10.2.0" urldb="paloaltonetworks">
  <mgt-config><users>${users}</users></mgt-config>
  <shared>
    <certificate/>
    <ssl-tls-service-profile>${tlsProfile(n.mgmtProfile, n.mgmtCert)}${tlsProfile(n.gpProfile, n.gpCert)}</ssl-tls-service-profile>
  </shared>
  <devices><entry name="localhost.localdomain">
    <deviceconfig>
      <system><hostname>${h}</hostname><type><static/></type><ssl-tls-service-profile>${n.mgmtProfile}</ssl-tls-service-profile></system>
      <setting><config><rematch>yes</rematch></config></setting>
    </deviceconfig>
    <network><interface><ethernet>
      <entry name="ethernet1/1"><layer3><ip><entry name="203.0.113.10/24"/></ip></layer3></entry>
      <entry name="ethernet1/2"><layer3><ip><entry name="10.0.0.1/24"/></ip></layer3></entry>
    </ethernet></interface></network>
    <vsys><entry name="vsys1">
      <import><network><interface><member>ethernet1/1</member><member>ethernet1/2</member></interface></network></import>
      <zone>
        <entry name="untrust"><network><layer3><member>ethernet1/1</member></layer3></network></entry>
        <entry name="trust"><network><layer3><member>ethernet1/2</member></layer3></network></entry>
      </zone>
      <address><entry name="web-server"><ip-netmask>10.0.0.10</ip-netmask></entry></address>
      <rulebase>
        <security><rules><entry name="allow-web">
          <from><member>untrust</member></from><to><member>trust</member></to>
          <source><member>any</member></source><destination><member>web-server</member></destination>
          ${anyMembers(['source-user', 'category'])}<application><member>ssl</member><member>web-browsing</member></application>
          <service><member>application-default</member></service><action>allow</action>
        </entry></rules></security>
        <decryption><rules>
          <entry name="${n.inboundRule}">
            <from><member>untrust</member></from><to><member>trust</member></to>
            <source><member>any</member></source><destination><member>web-server</member></destination>
            ${anyMembers(['source-user', 'category', 'service'])}<action>decrypt</action><type>${inbound}</type>
          </entry>
          <entry name="outbound-forward-proxy">
            <from><member>trust</member></from><to><member>untrust</member></to>
            ${anyMembers(['source', 'destination', 'source-user', 'category', 'service'])}<action>decrypt</action><type><ssl-forward-proxy/></type>
          </entry>
        </rules></decryption>
      </rulebase>
      <global-protect><global-protect-portal><entry name="${n.gpPortal}">
        <portal-config>
          <local-address><interface>ethernet1/1</interface><ip><ipv4>203.0.113.10/24</ipv4></ip></local-address>
          <ssl-tls-service-profile>${n.gpProfile}</ssl-tls-service-profile>
        </portal-config>
      </entry></global-protect-portal></global-protect>
    </entry></vsys>
  </entry></devices>
</config>`;
  const config = parseElement(xml);
  const certList = config.children.find((c) => c.tag === 'shared')!.children.find((c) => c.tag === 'certificate')!;
  certList.children.push(opts.certs.mgmt, opts.certs.gpPortal, opts.certs.inboundWeb);
  return config;
}
