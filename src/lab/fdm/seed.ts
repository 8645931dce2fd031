// The configuration a fresh emulated FTD starts with: the system-defined certificates and the
// three certificate consumers (web UI, SSL decryption policy, RA VPN), all deployed.
import { X509Certificate, randomUUID } from 'node:crypto';
import { createCa, createSelfSigned } from '../../pki/index.js';
import { extractedCertFields } from './certificates.js';
import { ConfigStore, newVersion } from './store.js';
import type { FdmObject } from './types.js';

function certObject(name: string, type: string, certPem: string, keyPem: string): FdmObject {
  return {
    id: randomUUID(),
    version: newVersion(),
    name,
    type,
    certType: 'SELFSIGNED',
    cert: certPem,
    privateKey: keyPem,
    isSystemDefined: true,
    ...extractedCertFields(new X509Certificate(certPem)),
  };
}

const ref = (o: FdmObject) => ({ id: o.id, type: o.type });

export async function seedConfig(): Promise<ConfigStore> {
  const store = new ConfigStore();
  const [internal, ca] = await Promise.all([
    createSelfSigned({ cn: 'DefaultInternalCertificate', sans: ['localhost'], days: 3650, key: { type: 'rsa', size: 2048 } }),
    createCa({ subject: { cn: 'NGFW-Default-InternalCA' }, days: 3650, key: { type: 'ecdsa', curve: 'P-256' } }),
  ]);
  const defaultCert = certObject('DefaultInternalCertificate', 'internalcertificate', internal.certPem, internal.keyPem);
  const defaultCa = certObject('NGFW-Default-InternalCA', 'internalcacertificate', ca.certPem, ca.keyPem);
  store.put('internalcertificates', defaultCert);
  store.put('internalcacertificates', defaultCa);

  // Consumer names are device-chosen; these are plausible defaults, not recorded values.
  store.put('webuicertificates', {
    id: randomUUID(),
    version: newVersion(),
    name: 'DefaultWebUICertificate',
    type: 'webuicertificate',
    certificate: ref(defaultCert),
    trustChain: [],
  });
  store.put('sslpolicies', {
    id: randomUUID(),
    version: newVersion(),
    name: 'NGFW-SSL-Policy',
    type: 'sslpolicy',
    // SSLPolicy of the FDM Swagger specification (its example's values): defaultAction.policyAction
    // and the required undecryptableActions.
    defaultAction: { policyAction: 'DO_NOT_DECRYPT', eventLogAction: 'LOG_NONE', type: 'sslpolicydefaultaction' },
    undecryptableActions: {
      compressedSession: 'DO_NOT_DECRYPT',
      sslV2Session: 'BLOCK_WITH_RESET',
      unknownCipherSuite: 'INHERIT_DEFAULT_ACTION',
      unsupportedCipherSuite: 'INHERIT_DEFAULT_ACTION',
      sessionNotCached: 'BLOCK_WITH_RESET',
      handShakeErrors: 'BLOCK',
      decryptionErrors: 'BLOCK',
      type: 'sslundecryptableactions',
    },
    decryptionCACertificate: ref(defaultCa),
    internalCertificates: [],
  });
  // Fields as in FTDAnsible samples/ftd_configuration/ra_vpn.yml.
  store.put('ravpns', {
    id: randomUUID(),
    version: newVersion(),
    name: 'NGFW-Remote-Access-VPN',
    type: 'ravpn',
    vpnGatewaySettings: {
      outsideInterface: { id: randomUUID(), name: 'outside', hardwareName: 'GigabitEthernet0/0', type: 'physicalinterface' },
      serverCertificate: ref(defaultCert),
      exemptNatRule: false,
      bypassAccessControlForVPNTraffic: false,
      clientCACertificates: [],
      insideInterfaces: [],
      insideNetworks: [],
      outsideFqdn: 'vpn.lab.example',
      type: 'vpngatewaysettings',
    },
    groupPolicies: [{ id: randomUUID(), name: 'DfltGrpPolicy', type: 'ravpngrouppolicy' }],
    anyconnectPackageFiles: [],
  });
  return store;
}
