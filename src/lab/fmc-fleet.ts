// The FMC part of `fwcert lab up`: N emulated FMCs, each managing M FTDs (and optionally one HA pair),
// their credentials, config entries, lab.json entries and a working RA VPN profile.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { certFingerprintSha256 } from '../pki/index.js';
import type { LabCa } from './ca.js';
import { startEstServer, type EstHandle } from './est/server.js';
import { startFmcEmulator, type FmcHandle } from './fmc/index.js';

export interface FmcLabOptions {
  dir: string;
  fmc: number;
  ftdsPerFmc: number;
  /** Also give each FMC one HA pair of two units, managed as one device. */
  haPair?: boolean;
  /** Also give each FMC one cluster (a control unit and two data units), managed as one device. */
  cluster?: boolean;
  knobs?: object;
  /** The lab CA behind the EST server the FTDs enroll at. */
  ca: LabCa;
  /** The last FTD of each FMC gets an EST profile (key made on the FTD) instead of the PKCS12 one. */
  est?: boolean;
  /** The lab's Sectigo CA entry and its certificate type id, for the profile. */
  caName: string;
  certTypeId: number;
}

export interface FmcLabManager {
  name: string;
  type: 'cisco-fmc';
  url: string;
  handle: FmcHandle;
  services: Record<string, string>;
  user: { username: string; password: string };
}

export interface FmcLabDevice {
  name: string;
  type: 'cisco-fmc-ftd';
  manager: string;
  /** The FTD's (or HA pair's) name on the FMC. */
  fmcName: string;
  url: string;
  services: Record<string, string>;
  handle: FmcHandle;
}

export interface FmcLab {
  managers: FmcLabManager[];
  devices: FmcLabDevice[];
  /** `managers:` and `devices:` entries of fwcert.yaml. */
  configManagers: Record<string, unknown>;
  configDevices: Record<string, unknown>;
  profiles: Record<string, unknown>[];
  /** `cas:` entries: the lab EST server (`lab-est`). */
  configCas: Record<string, unknown>;
  est?: EstHandle;
  /** lab.json `managers` entries. */
  labJsonManagers: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startFmcLab(o: FmcLabOptions): Promise<FmcLab> {
  const managers: FmcLabManager[] = [];
  const devices: FmcLabDevice[] = [];
  let est: EstHandle | undefined;
  const estUser = { username: 'ftd-enroll', password: randomBytes(12).toString('base64url') };
  try {
    if (o.fmc > 0) {
      est = await startEstServer({ ca: o.ca, users: [estUser] });
      writeFileSync(join(o.dir, 'credentials', 'est.yaml'), stringify(estUser), { mode: 0o600 });
    }
    for (let i = 1; i <= o.fmc; i++) {
      const name = `fmc-${i}`;
      const user = { username: 'fwcert-api', password: randomBytes(12).toString('base64url') };
      const ftds = Array.from({ length: o.ftdsPerFmc }, (_, k) => `fmc${i}-ftd-${k + 1}`);
      const haPairs = o.haPair ? [{ name: `fmc${i}-ha-1`, primary: `fmc${i}-ha-1a`, secondary: `fmc${i}-ha-1b` }] : [];
      const clusters = o.cluster ? [{ name: `fmc${i}-cluster-1`, control: `fmc${i}-cluster-1a`, data: [`fmc${i}-cluster-1b`, `fmc${i}-cluster-1c`] }] : [];
      const handle = await startFmcEmulator({ name, users: [user], ftds, haPairs, clusters, knobs: o.knobs as never });
      managers.push({ name, type: 'cisco-fmc', url: handle.url, handle, services: handle.services, user });
      writeFileSync(join(o.dir, 'credentials', `${name}.yaml`), stringify(user), { mode: 0o600 });
      for (const f of [...ftds, ...haPairs.map((p) => p.name), ...clusters.map((c) => c.name)]) {
        devices.push({ name: f, type: 'cisco-fmc-ftd', manager: name, fmcName: f, url: handle.url, services: { ravpn: handle.ravpn[f]! }, handle });
      }
    }
  } catch (e) {
    await Promise.all([...managers.map((m) => m.handle.close().catch(() => undefined)), est?.close()]);
    throw e;
  }
  const configManagers = Object.fromEntries(managers.map((m) => [m.name, {
    type: m.type, url: m.url, credentials: `credentials/${m.name}.yaml`, tls: { sha256: certFingerprintSha256(m.handle.certPem) },
    poll_interval_s: 0.1, retry_backoff_s: 0.2,
  }]));
  const configDevices = Object.fromEntries(devices.map((d) => [d.name, { type: d.type, manager: d.manager }]));
  const estDevices = o.est ? managers.map((m) => devices.filter((d) => d.manager === m.name).at(-1)!.name) : [];
  const p12Devices = devices.filter((d) => !estDevices.includes(d.name));
  const profiles: Record<string, unknown>[] = [];
  if (p12Devices.length) {
    profiles.push({
      name: 'fmc-vpn', ca: o.caName, validation: 'OV',
      sectigo: { cert_type: o.certTypeId, term: 365, comments: 'fwcert lab: RA VPN on FMC-managed FTDs' },
      subject: { cn: 'vpn-fmc.lab.example', o: 'fwcert Lab', c: 'US' },
      sans: ['vpn-fmc.lab.example'],
      key: { type: 'rsa', size: 2048 },
      targets: p12Devices.map((d) => ({ device: d.name, bind: { ravpn: true } })),
    });
  }
  if (estDevices.length) {
    // EST: the FTD makes its key and enrolls at the lab EST server itself.
    profiles.push({
      name: 'fmc-vpn-est', ca: 'lab-est', validation: 'OV',
      subject: { cn: 'vpn-fmc.lab.example', o: 'fwcert Lab', c: 'US' },
      sans: ['vpn-fmc.lab.example'],
      key: { type: 'rsa', size: 2048 },
      targets: estDevices.map((device) => ({ device, bind: { ravpn: true } })),
    });
  }
  const configCas = est ? { 'lab-est': { type: 'est', url: est.url, credentials: 'credentials/est.yaml', tls: { ca_file: 'trust/lab-ca.pem' } } } : {};
  return {
    managers, devices, configManagers, configDevices, profiles, configCas, est,
    labJsonManagers: managers.map((m) => ({ name: m.name, type: m.type, url: m.url, services: m.services })),
    close: async () => {
      await Promise.all([...managers.map((m) => m.handle.close().catch(() => undefined)), est?.close()]);
    },
  };
}
