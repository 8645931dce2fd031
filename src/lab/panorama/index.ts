// Panorama emulator: the PAN-OS XML API of a Panorama (model "Panorama", 31-character names) with
// templates, template stacks, admin-scoped commits and commit-all pushes, plus N managed firewalls,
// each a full PAN-OS emulator whose `gp-portal` data-plane port serves what the last push gave it.
import { createHash, randomBytes } from 'node:crypto';
import { serveXmlApi } from '../panos/xml-api-server.js';
import { createSelfSigned } from '../../pki/index.js';
import type { EmulatorHandle } from '../emulator.js';
import { ApiKeys, type AdminAccount } from '../panos/auth.js';
import { certificateEntry, KeyVault } from '../panos/cert-entry.js';
import { validateForCommit } from '../panos/commit-validation.js';
import { CommitJobs } from '../panos/commit-jobs.js';
import { ConfigStore } from '../panos/config-store.js';
import type { Device } from '../panos/device.js';
import { startPanosEmulator } from '../panos/index.js';
import { mergeKnobs, type HaState } from '../panos/knobs.js';
import { labState } from '../panos/lab-state.js';
import { clone, type XNode } from '../panos/xml-tree.js';
import { defaultPanoramaKnobs, type PanoramaKnobs } from './knobs.js';
import { PushJobs, type ManagedFirewall } from './push-jobs.js';
import { routePanorama, type Panorama } from './router.js';
import { buildPanoramaSeed, PANORAMA_SEED } from './seed.js';
import { applyPushed, effectiveConfig, resealKeys } from './templates.js';
import { DEVICE_ENTRY } from '../panos/config-store.js';
import { parseXpath, select } from '../panos/xpath.js';

export type { PanoramaKnobs } from './knobs.js';
export { PANORAMA_SEED } from './seed.js';

export interface PanoramaEmulatorOptions {
  name: string;
  /** At least two: the connector's admin and "another admin". */
  admins: AdminAccount[];
  /** Managed firewalls: their hostnames. */
  firewalls: string[];
  haState?: HaState;
  knobs?: Partial<PanoramaKnobs>;
  /** Knobs for every managed firewall emulator. */
  firewallKnobs?: object;
  swVersion?: string;
}

export interface ManagedFirewallHandle extends EmulatorHandle {
  serial: string;
}

export interface PanoramaHandle extends EmulatorHandle {
  firewalls: ManagedFirewallHandle[];
}

/** A 15-digit serial like a VM-Series one, stable per hostname. */
function serialFor(name: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(`managed:${name}`).digest('hex').slice(0, 16)}`).toString().padStart(11, '0');
  return `0079${digits.slice(0, 11)}`;
}

/** Panorama commits check each template stack as the firewalls would get it, and each template. */
function validatePanorama(config: XNode): string[] {
  const problems: string[] = [];
  for (const kind of ['template-stack', 'template'] as const) {
    for (const e of select(config, parseXpath(`${DEVICE_ENTRY}/${kind}/entry`))) {
      const eff = effectiveConfig(config, kind, e.attrs.name ?? '');
      const lines = eff ? validateForCommit(eff) : [];
      problems.push(...lines.filter((l) => l !== 'Validation Error:').map((l) => ` ${kind} ${e.attrs.name} ->${l}`));
    }
  }
  return problems.length ? ['Validation Error:', ...problems] : [];
}

export async function startPanoramaEmulator(opts: PanoramaEmulatorOptions): Promise<PanoramaHandle> {
  if (opts.admins.length < 2) throw new Error('the Panorama emulator needs at least two admins (the connector and another admin)');
  const ec = { type: 'ecdsa', curve: 'P-256' } as const;
  const knobs = defaultPanoramaKnobs(opts.haState ?? 'standalone');
  if (opts.knobs) mergeKnobs(knobs, opts.knobs);
  const firewallAdmin = { username: 'panorama', password: randomBytes(12).toString('base64url') };
  const other = { username: 'local-admin', password: randomBytes(12).toString('base64url') };

  const firewalls: ManagedFirewall[] = [];
  const fwHandles: ManagedFirewallHandle[] = [];
  const started: EmulatorHandle[] = [];
  try {
    for (const hostname of opts.firewalls) {
      let internals: { device: Device; refreshDataPlane: () => void } | undefined;
      const h = await startPanosEmulator({
        name: hostname,
        admins: [firewallAdmin, other],
        ...(opts.firewallKnobs ? { knobs: opts.firewallKnobs } : {}),
        onStart: (i) => (internals = i),
      });
      started.push(h);
      const serial = internals!.device.info.serial;
      firewalls.push({ hostname, serial, device: internals!.device, refreshDataPlane: internals!.refreshDataPlane });
      fwHandles.push({ ...h, serial });
    }
  } catch (e) {
    await Promise.all(started.map((h) => h.close().catch(() => undefined)));
    throw e;
  }

  const [apiTls, gpDefault] = await Promise.all([
    createSelfSigned({ cn: '127.0.0.1', sans: ['127.0.0.1', 'localhost'], days: 825, key: ec }),
    createSelfSigned({ cn: `${PANORAMA_SEED.stack}-gp-portal`, sans: ['127.0.0.1', 'localhost'], days: 825, key: ec }),
  ]);
  const vault = new KeyVault();
  const seed = buildPanoramaSeed({
    admins: opts.admins.map((a) => a.username),
    firewalls: firewalls.map((f) => ({ serial: f.serial, hostname: f.hostname })),
    gpCert: certificateEntry(PANORAMA_SEED.gpCert, gpDefault.certPem, vault.seal(gpDefault.keyPem), knobs.ecAlgorithmLabel),
  });
  const store = new ConfigStore(seed);
  const device: Device = {
    info: {
      hostname: opts.name,
      serial: serialFor(opts.name).replace(/^0079/, '0007'),
      model: 'Panorama', // pan-chainguard tells Panorama by this model string [CG]
      swVersion: opts.swVersion ?? '10.2.9',
      ipAddress: '127.0.0.1',
      bootedAt: new Date(),
    },
    store,
    vault,
    knobs,
    keys: new ApiKeys(opts.admins),
    jobs: new CommitJobs(store, () => knobs, opts.admins[1]!.username, () => undefined, validatePanorama),
    counters: {},
    requestsByPath: {},
    internalErrors: [],
  };
  const pushes = new PushJobs(device, firewalls, () => knobs);
  const panorama: Panorama = { device, knobs, pushes, firewalls, firewallAdmin };

  // The firewalls start as after an earlier push of the stack.
  const initial = effectiveConfig(store.running, 'template-stack', PANORAMA_SEED.stack)!;
  for (const fw of firewalls) {
    const pushed = clone(initial);
    resealKeys(pushed, vault, fw.device.vault);
    applyPushed(fw.device.store.running, pushed, undefined);
    applyPushed(fw.device.store.candidate, pushed, undefined);
    fw.lastPushed = pushed;
    fw.refreshDataPlane();
  }
  let url = '';
  const state = () => ({
    ...labState(device, { name: opts.name, url, services: {} }, {}),
    pushJobs: pushes.summary(),
    firewalls: fwHandles.map((h) => ({ name: h.name, serial: h.serial, url: h.url, services: h.services, state: h.state() })),
  });

  let api;
  try {
    api = await serveXmlApi({ tls: apiTls, knobs, state, route: (req) => routePanorama(panorama, req) });
  } catch (e) {
    await Promise.all(started.map((h) => h.close().catch(() => undefined)));
    throw e;
  }
  url = api.url;

  return {
    name: opts.name,
    url,
    services: {},
    certPem: apiTls.certPem,
    state,
    setKnobs: (k: object) => mergeKnobs(knobs, k as Record<string, unknown>),
    firewalls: fwHandles,
    close: async () => {
      device.jobs.close();
      pushes.close();
      await Promise.all([api.close(), ...started.map((h) => h.close().catch(() => undefined))]);
    },
  };
}
