// The configuration a fresh emulated Panorama starts with: its admins, an empty Panorama certificate
// store, one template ("fw-base") holding the GlobalProtect portal's certificate and SSL/TLS service
// profile, and one template stack ("fw-stack") of that template with every managed firewall.
// Layout from pan-os-python panorama.py (Template: devices, settings/default-vsys; TemplateStack:
// templates members + devices entries) and pango's template / template-stack certificate locations
// (`.../template/entry[@name=T]/config/shared/certificate`, reference section 5).
import { escapeAttr, parseElement, type XNode } from '../panos/xml-tree.js';

export const PANORAMA_SEED = {
  template: 'fw-base',
  stack: 'fw-stack',
  gpCert: 'gp-portal-default',
  gpProfile: 'gp-portal-profile',
} as const;

export interface ManagedSerial {
  serial: string;
  hostname: string;
}

export function buildPanoramaSeed(opts: { admins: string[]; firewalls: ManagedSerial[]; gpCert: XNode }): XNode {
  const n = PANORAMA_SEED;
  const users = opts.admins
    .map((u) => `<entry name="${escapeAttr(u)}"><phash>*</phash><permissions><role-based><superuser>yes</superuser></role-based></permissions></entry>`)
    .join('');
  const devices = opts.firewalls.map((f) => `<entry name="${escapeAttr(f.serial)}"/>`).join('');
  const xml = `<config version="10.2.0" urldb="paloaltonetworks">
  <mgt-config><users>${users}</users><devices>${devices}</devices></mgt-config>
  <panorama><certificate/></panorama>
  <shared/>
  <devices><entry name="localhost.localdomain">
    <deviceconfig><system><hostname>panorama</hostname><type><static/></type></system></deviceconfig>
    <template>
      <entry name="${n.template}">
        <settings><default-vsys>vsys1</default-vsys></settings>
        <config>
          <shared>
            <certificate/>
            <ssl-tls-service-profile><entry name="${n.gpProfile}"><certificate>${n.gpCert}</certificate><protocol-settings><min-version>tls1-2</min-version><max-version>max</max-version></protocol-settings></entry></ssl-tls-service-profile>
          </shared>
          <devices><entry name="localhost.localdomain"><vsys><entry name="vsys1"/></vsys></entry></devices>
        </config>
      </entry>
    </template>
    <template-stack>
      <entry name="${n.stack}">
        <templates><member>${n.template}</member></templates>
        <devices>${devices}</devices>
        <settings><default-vsys>vsys1</default-vsys></settings>
      </entry>
    </template-stack>
  </entry></devices>
</config>`;
  const config = parseElement(xml);
  const tplCerts = config.children
    .find((c) => c.tag === 'devices')!.children[0]!.children.find((c) => c.tag === 'template')!.children[0]!
    .children.find((c) => c.tag === 'config')!.children.find((c) => c.tag === 'shared')!.children.find((c) => c.tag === 'certificate')!;
  tplCerts.children.push(opts.gpCert);
  return config;
}
