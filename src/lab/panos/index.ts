// PAN-OS firewall emulator (XML API at /api/, built from the PAN-OS XML API documentation and real clients):
// HTTPS server on 127.0.0.1, lab endpoints (/__lab/state, /__lab/knobs), and the GlobalProtect
// portal data-plane port that serves the certificate of the RUNNING config.
import { createHash } from 'node:crypto';
import { serveXmlApi } from './xml-api-server.js';
import { createSelfSigned } from '../../pki/index.js';
import type { EmulatorHandle } from '../emulator.js';
import { routeApi } from './api-router.js';
import { ApiKeys, type AdminAccount } from './auth.js';
import { certificateEntry, KeyVault } from './cert-entry.js';
import { CommitJobs } from './commit-jobs.js';
import { ConfigStore } from './config-store.js';
import { DataPlaneService } from './data-plane.js';
import type { Device } from './device.js';
import { defaultKnobs, mergeKnobs, type HaState, type PanosKnobs } from './knobs.js';
import { labState } from './lab-state.js';
import { buildSeedConfig, SEED_NAMES, type InboundInspectionSchema } from './seed-config.js';
import { resolveGpPortal } from './service-bindings.js';

export type { PanosKnobs, HaState, FailSpec } from './knobs.js';

export type { EmulatorHandle };

export interface PanosEmulatorOptions {
  name: string;
  port?: number;
  tls?: { certPem: string; keyPem: string };
  /** At least two: the connector's admin and "another admin" (the lock knobs' holder). */
  admins: AdminAccount[];
  haState?: HaState;
  knobs?: Partial<PanosKnobs>;
  model?: string;
  swVersion?: string;
  /** Shape of the seeded inbound inspection rule (newer member list or legacy single name). */
  inboundInspectionSchema?: InboundInspectionSchema;
  /** The lab's Panorama mode manages this firewall: it gets the device and a way to re-read the
   * data plane after it writes a pushed template into the running config. */
  onStart?: (internals: { device: Device; refreshDataPlane: () => void }) => void;
}

/** A 15-digit serial like a VM-Series one ("0079..."), stable per device name. */
function serialFor(name: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(name).digest('hex').slice(0, 16)}`).toString().padStart(11, '0');
  return `0079${digits.slice(0, 11)}`;
}

export async function startPanosEmulator(opts: PanosEmulatorOptions): Promise<EmulatorHandle> {
  if (opts.admins.length < 2) throw new Error('the PAN-OS emulator needs at least two admins (the connector and another admin)');
  const ec = { type: 'ecdsa', curve: 'P-256' } as const; // seeds use EC keys: fast to make, fine for a lab
  const [apiTls, gpDefault, inboundDefault] = await Promise.all([
    opts.tls ?? createSelfSigned({ cn: '127.0.0.1', sans: ['127.0.0.1', 'localhost'], days: 825, key: ec }),
    createSelfSigned({ cn: `${opts.name}-gp-portal`, sans: ['127.0.0.1', 'localhost'], days: 825, key: ec }),
    createSelfSigned({ cn: `${opts.name}-inbound-web`, sans: ['127.0.0.1'], days: 825, key: ec }),
  ]);
  const knobs = defaultKnobs(opts.haState ?? 'standalone');
  if (opts.knobs) mergeKnobs(knobs, opts.knobs);
  const vault = new KeyVault();
  const seed = buildSeedConfig({
    hostname: opts.name,
    admins: opts.admins.map((a) => a.username),
    inboundSchema: opts.inboundInspectionSchema ?? 'members',
    certs: {
      mgmt: certificateEntry(SEED_NAMES.mgmtCert, apiTls.certPem, vault.seal(apiTls.keyPem), knobs.ecAlgorithmLabel),
      gpPortal: certificateEntry(SEED_NAMES.gpCert, gpDefault.certPem, vault.seal(gpDefault.keyPem), knobs.ecAlgorithmLabel),
      inboundWeb: certificateEntry(SEED_NAMES.inboundCert, inboundDefault.certPem, vault.seal(inboundDefault.keyPem), knobs.ecAlgorithmLabel),
    },
  });
  const store = new ConfigStore(seed);
  const gpPortal = new DataPlaneService('gp-portal', resolveGpPortal(store.running, vault));
  const planes = { 'gp-portal': gpPortal };
  const device: Device = {
    info: {
      hostname: opts.name,
      serial: serialFor(opts.name),
      model: opts.model ?? 'PA-VM',
      swVersion: opts.swVersion ?? '10.2.9',
      ipAddress: '127.0.0.1',
      bootedAt: new Date(),
    },
    store,
    vault,
    knobs,
    keys: new ApiKeys(opts.admins),
    // The data plane switches only when a commit completes.
    jobs: new CommitJobs(store, () => knobs, opts.admins[1]!.username, () => gpPortal.apply(resolveGpPortal(store.running, vault))),
    counters: {},
    requestsByPath: {},
    internalErrors: [],
  };

  opts.onStart?.({ device, refreshDataPlane: () => gpPortal.apply(resolveGpPortal(store.running, vault)) });
  const services: Record<string, string> = { 'gp-portal': await gpPortal.listen(0) };
  let url = '';
  const state = () => labState(device, { name: opts.name, url, services }, planes);

  const api = await serveXmlApi({
    tls: apiTls,
    port: opts.port,
    knobs,
    state,
    route: (req) => routeApi(device, req),
  });
  url = api.url;

  return {
    name: opts.name,
    url,
    services,
    certPem: apiTls.certPem,
    state,
    setKnobs: (k: object) => mergeKnobs(knobs, k as Record<string, unknown>),
    close: async () => {
      device.jobs.close();
      await Promise.all([api.close(), gpPortal.close()]);
    },
  };
}
