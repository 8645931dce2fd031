// What a PAN-OS certificate store holds (a firewall's, or a Panorama template's) as the engine sees it:
// each certificate with the places that use it. One read of the store and one of the binding places.
import type { DeviceCert } from '../target.js';
import type { PanosSession } from './api.js';
import { bindingsOf, readBindingState, type BindingState } from './bindings.js';
import { readCertificates, type CertEntry } from './certificates.js';
import type { PanosLocation } from './locations.js';

export interface PanosInventory {
  certs: CertEntry[];
  state: BindingState;
  deviceCerts: DeviceCert[];
}

export async function readInventory(s: PanosSession, loc: PanosLocation): Promise<PanosInventory> {
  const [certs, state] = await Promise.all([readCertificates(s, loc), readBindingState(s, loc)]);
  const deviceCerts = certs.map((c) => ({
    name: c.name,
    certPem: c.certPem,
    hasKey: c.hasKey,
    pendingCsr: Boolean(c.csrPem) && !c.certPem,
    bindings: bindingsOf(state, c.name),
    isCa: c.isCa,
  }));
  return { certs, state, deviceCerts };
}
