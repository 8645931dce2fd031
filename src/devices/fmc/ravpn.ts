// The RA VPN identity certificate: accessInterfaceSettings.sslIdCertificate of the RA VPN policy
// (policy/ravpns, terraform vpn_ra.yaml `ssl_global_identity_certificate_id`) assigned to the FTD
// (assignment/policyassignments: fmcapi PolicyAssignments). It names an enrollment object; the device uses
// its trustpoint of the same name. A change is live only after a deployment.
import { DeviceError } from '../../core/errors.js';
import type { FmcApi } from './api.js';
import type { FmcRef, PolicyAssignment, RaVpn } from './types.js';

/** Policy assignments: read once per run and FMC, shared by its FTDs. */
export function readAssignments(api: FmcApi): Promise<PolicyAssignment[]> {
  return api.all<PolicyAssignment>('assignment/policyassignments');
}

/** `ids`: what assignments may name the device by (a cluster: its own id, type DeviceCluster, or its control unit's). */
export async function raVpnPolicyOf(api: FmcApi, assignments: PolicyAssignment[], ids: string[], device: string): Promise<RaVpn | undefined> {
  const assigned = assignments.filter(
    (a) => a.policy?.type === 'RAVpn' && (a.targets ?? []).some((t) => ids.includes(t.id)),
  );
  if (!assigned.length) return undefined;
  const a = assigned[0]!;
  if (assigned.length > 1 || (a.targets ?? []).length > 1) {
    // One policy, one identity certificate: shared by several FTDs it would need one certificate for all.
    throw new DeviceError(
      `${device}: the RA VPN policy ${a.policy?.name ?? a.policy?.id} is assigned to ${(a.targets ?? []).map((t) => t.name ?? t.id).join(', ')}; ` +
        'fwcert gives each FTD its own certificate, so it binds only RA VPN policies assigned to one FTD (or HA pair)',
    );
  }
  return api.call<RaVpn>('GET', `policy/ravpns/${encodeURIComponent(a.policy!.id)}`);
}

/** Points the policy's SSL identity certificate at `enrollment`; returns the policy as it is now. */
export async function bindRaVpn(api: FmcApi, policy: RaVpn, enrollment: FmcRef): Promise<RaVpn> {
  if (policy.accessInterfaceSettings?.sslIdCertificate?.id === enrollment.id) return policy;
  const { links: _links, metadata: _metadata, ...body } = policy as RaVpn & { links?: unknown; metadata?: unknown };
  body.accessInterfaceSettings = { ...(policy.accessInterfaceSettings ?? {}), sslIdCertificate: { id: enrollment.id, name: enrollment.name, type: 'CertEnrollment' } };
  await api.call('PUT', `policy/ravpns/${encodeURIComponent(policy.id)}`, { json: body });
  return body;
}
