// Whose pending FDM changes are these? Shapes as GET /operational/pendingchanges lists them
// (firepyer's recorded sample; reference entries as the lab emits them).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { caObjectName } from '../../src/devices/fdm/names.js';
import { foreignChanges, type PendingChange } from '../../src/devices/fdm/pending-changes.js';
import { createCa } from '../../src/pki/index.js';

const scope = { owns: (n: string) => n === 'vpn-portal' || n.startsWith('vpn-portal-2') };
const ref = (name: string) => ({ id: `id-${name}`, name, type: 'internalcertificate' });

test('fwcert\'s own changes: its certificate objects and certificate references only', async () => {
  const ca = await createCa({ subject: { cn: 'Lab Issuing CA' }, days: 30, key: { type: 'ecdsa', curve: 'P-256' } });
  const x = new X509Certificate(ca.certPem);
  const ours: PendingChange[] = [
    { entityName: 'vpn-portal-20261128-0800', entityType: 'internalcertificate', type: 'entitycreate', valuesAdded: [{ fieldName: 'name', newValue: 'x' }] },
    { entityName: 'vpn-portal', entityType: 'internalcertificate', type: 'entitydelete' },
    { entityName: caObjectName('Lab Issuing CA', x.fingerprint256), entityType: 'externalcacertificate', type: 'entitycreate', valuesAdded: [{ fieldName: 'cert', newValue: ca.certPem }] },
    {
      entityName: 'NGFW-Remote-Access-VPN', entityType: 'ravpn', type: 'entityupdate',
      referencesAdded: [{ fieldName: 'vpnGatewaySettings.serverCertificate', newValue: ref('vpn-portal-20261128-0800') }],
      referencesDeleted: [{ fieldName: 'vpnGatewaySettings.serverCertificate', oldValue: ref('DefaultInternalCertificate') }],
      valuesAdded: [], valuesDeleted: [], valuesUpdated: [],
    },
    { entityName: 'NGFW-SSL-Policy', entityType: 'sslpolicy', type: 'entityupdate', referencesDeleted: [{ fieldName: 'internalCertificates', oldValue: ref('vpn-portal') }] },
  ];
  assert.deepEqual(foreignChanges(ours, scope), []);
});

test('someone else\'s: other objects, other fields of the same consumers, other certificates', () => {
  const theirs: PendingChange[] = [
    { entityName: 'very-secure-rule', entityType: 'accessrule', type: 'entitycreate', valuesAdded: [{ fieldName: 'name', newValue: 'very-secure-rule' }] },
    { entityName: null, entityType: 'devicehostname', type: 'entityupdate', valuesUpdated: [{ fieldName: 'hostname', oldValue: 'firepower', newValue: 'fw2' }] },
    { entityName: 'NGFW-Remote-Access-VPN', entityType: 'ravpn', type: 'entityupdate', valuesUpdated: [{ fieldName: 'vpnGatewaySettings.outsideFqdn', oldValue: 'a', newValue: 'b' }] },
    { entityName: 'partner-cert', entityType: 'internalcertificate', type: 'entitycreate' },
    { entityName: 'NGFW-SSL-Policy', entityType: 'sslpolicy', type: 'entityupdate', referencesAdded: [{ fieldName: 'internalCertificates', newValue: ref('partner-cert') }] },
    { entityName: 'Partner-Root', entityType: 'externalcacertificate', type: 'entitycreate' },
  ];
  const out = foreignChanges(theirs, scope);
  assert.equal(out.length, theirs.length, out.join('\n'));
  assert.match(out[2]!, /ravpn "NGFW-Remote-Access-VPN" changed \(vpnGatewaySettings\.outsideFqdn\)/);
});
