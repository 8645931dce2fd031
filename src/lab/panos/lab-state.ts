// GET /__lab/state: the whole emulated device as JSON for tests - configs as XML strings plus a
// summary (certificates, profile bindings, pending changes per admin, jobs, locks, counters).
// Private keys appear only as the device-encrypted blobs inside the XML, never in clear.
import { parseCertificate } from '../../pki/index.js';
import { certificateLists, readCertObject } from './cert-entry.js';
import type { DataPlaneService } from './data-plane.js';
import type { Device } from './device.js';
import { serialize, textOf, type XNode } from './xml-tree.js';
import { parseXpath, select } from './xpath.js';

function certificates(config: XNode) {
  return certificateLists(config).flatMap(({ location, list }) =>
    list.children
      .filter((e) => e.tag === 'entry')
      .map((e) => {
        const o = readCertObject(e);
        let info: ReturnType<typeof parseCertificate> | undefined;
        try {
          info = o.certPem ? parseCertificate(o.certPem) : undefined;
        } catch {
          info = undefined;
        }
        return {
          name: o.name,
          location,
          cn: o.commonName ?? null,
          serial: info?.serial ?? null,
          notAfter: info?.notAfter.toISOString() ?? null,
          issuer: info?.issuerDn ?? null,
          fingerprint: info?.fingerprintSha256 ?? null,
          ca: o.ca,
          hasPrivateKey: o.keyBlob !== undefined,
          csrPending: o.csrPem !== undefined && o.certPem === undefined,
        };
      }),
  );
}

function serviceProfiles(config: XNode): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const e of select(config, parseXpath('/config/shared/ssl-tls-service-profile/entry'))) {
    out[e.attrs.name ?? ''] = textOf(e, 'certificate') ?? null;
  }
  return out;
}

export function labState(d: Device, meta: { name: string; url: string; services: Record<string, string> }, planes: Record<string, DataPlaneService>) {
  const pendingByAdmin: Record<string, string[]> = {};
  for (const c of d.store.pending()) (pendingByAdmin[c.admin] ??= []).push(c.xpath);
  return {
    ...meta,
    haState: d.knobs.haState,
    knobs: JSON.parse(JSON.stringify(d.knobs)) as unknown,
    counters: { ...d.counters },
    requestsByPath: { ...d.requestsByPath },
    candidateXml: serialize(d.store.candidate),
    runningXml: serialize(d.store.running),
    certificates: certificates(d.store.candidate),
    runningCertificates: certificates(d.store.running),
    serviceProfiles: { candidate: serviceProfiles(d.store.candidate), running: serviceProfiles(d.store.running) },
    pendingChanges: pendingByAdmin,
    hasPendingChanges: d.store.hasPendingChanges(),
    jobs: d.jobs.summary(),
    locks: { commit: [...d.jobs.commitLocks.keys()], config: [...d.jobs.configLocks.keys()] },
    dataPlane: Object.fromEntries(Object.entries(planes).map(([k, v]) => [k, v.state()])),
    internalErrors: [...d.internalErrors],
  };
}
