// `fwcert lab up --panorama N --panorama-fws M`: N emulated Panoramas, each managing M emulated
// firewalls, and the fwcert.yaml / lab.json pieces for them: the Panorama under `managers`, one
// template-stack device that pushes to the firewalls, each firewall in lab.json with its gp-portal port.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { certFingerprintSha256 } from '../pki/index.js';
import type { EmulatorHandle } from './emulator.js';
import { PANORAMA_SEED, startPanoramaEmulator, type PanoramaHandle } from './panorama/index.js';

export interface LabPanorama {
  name: string;
  handle: PanoramaHandle;
  /** The fwcert device entry for the template stack. */
  stackDevice: string;
  firewalls: { name: string; serial: string; url: string; services: Record<string, string>; handle: EmulatorHandle }[];
  otherAdmin: { username: string; password: string };
}

export async function startLabPanoramas(
  dir: string,
  count: number,
  firewallsEach: number,
  knobs: { panorama?: object; firewall?: object },
  started: EmulatorHandle[],
): Promise<LabPanorama[]> {
  const out: LabPanorama[] = [];
  for (let n = 1; n <= count; n++) {
    const name = `panorama-${n}`;
    const user = { username: 'fwcert', password: randomBytes(12).toString('base64url') };
    const other = { username: 'other-admin', password: randomBytes(12).toString('base64url') };
    const handle = await startPanoramaEmulator({
      name,
      admins: [user, other],
      firewalls: Array.from({ length: firewallsEach }, (_, i) => (count === 1 ? `fw-${i + 1}` : `${name}-fw-${i + 1}`)),
      ...(knobs.panorama ? { knobs: knobs.panorama } : {}),
      ...(knobs.firewall ? { firewallKnobs: knobs.firewall } : {}),
    });
    started.push(handle);
    writeFileSync(join(dir, 'credentials', `${name}.yaml`), stringify(user), { mode: 0o600 });
    out.push({
      name,
      handle,
      stackDevice: `${name}-stack`,
      firewalls: handle.firewalls.map((f) => ({ name: f.name, serial: f.serial, url: f.url, services: f.services, handle: f })),
      otherAdmin: other,
    });
  }
  return out;
}

/** fwcert.yaml `managers:` and `devices:` entries for the lab's Panoramas. */
export function panoramaConfig(panoramas: LabPanorama[]): { managers: Record<string, unknown>; devices: Record<string, unknown> } {
  return {
    managers: Object.fromEntries(
      panoramas.map((p) => [
        p.name,
        {
          type: 'panorama', url: p.handle.url, credentials: `credentials/${p.name}.yaml`, tls: { sha256: certFingerprintSha256(p.handle.certPem) },
          commit: { description: 'fwcert lab renewal', admin: 'fwcert' }, poll_interval_s: 0.1,
        },
      ]),
    ),
    devices: Object.fromEntries(
      panoramas.map((p) => [p.stackDevice, { type: 'panorama-template', manager: p.name, template_stack: PANORAMA_SEED.stack, firewalls: p.firewalls.map((f) => f.name) }]),
    ),
  };
}

/** The template-stack profile: a locally made ECDSA key (templates cannot take device keys). */
export function panoramaProfile(panoramas: LabPanorama[], ca: string, certTypeId: number): Record<string, unknown> {
  return {
    name: 'gp-stack', ca, validation: 'OV',
    sectigo: { cert_type: certTypeId, term: 365, comments: 'fwcert lab: GlobalProtect portal pushed from Panorama' },
    subject: { cn: 'gp.lab.example', o: 'fwcert Lab', c: 'US' },
    sans: ['gp.lab.example'],
    key: { type: 'ecdsa', curve: 'P-256', generate: 'local' },
    targets: panoramas.map((p) => ({ device: p.stackDevice, bind: { ssl_tls_service_profiles: [PANORAMA_SEED.gpProfile] } })),
  };
}

/** lab.json: `managers` entries and the managed firewalls as `devices`. */
export function panoramaLabJson(panoramas: LabPanorama[]) {
  return {
    managers: panoramas.map((p) => ({ name: p.name, type: 'panorama', url: p.handle.url, services: {}, otherAdmin: p.otherAdmin, stackDevice: p.stackDevice })),
    devices: panoramas.flatMap((p) =>
      p.firewalls.map((f) => ({ name: f.name, type: 'panos-managed', manager: p.name, serial: f.serial, url: f.url, services: f.services })),
    ),
  };
}
