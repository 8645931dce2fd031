// `fwcert lab up`: starts the SCM emulator and N emulated FTDs / PAN-OS firewalls, and writes a
// ready DIR/fwcert.yaml (credentials files, TLS pins, profiles) and DIR/lab.json.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { certFingerprintSha256 } from '../pki/index.js';
import { createLabCa, type LabCa } from './ca.js';
import type { EmulatorHandle } from './emulator.js';
import { startFdmEmulator } from './fdm/index.js';
import type { EstHandle } from './est/server.js';
import { startFmcLab, type FmcLab, type FmcLabManager } from './fmc-fleet.js';
import { startPanosEmulator } from './panos/index.js';
import { panoramaConfig, panoramaLabJson, panoramaProfile, startLabPanoramas, type LabPanorama } from './panorama-fleet.js';
import { startScmEmulator } from './scm/index.js';
import { attachSftunnelLabs, type SftunnelFleet } from './sftunnel/fleet-entry.js';
import type { SftunnelKnobs } from './sftunnel/index.js';

export type LabHandle = EmulatorHandle;

export interface LabOptions {
  dir: string;
  fdm: number;
  panos: number;
  /** FMCs, each managing `fmcFtds` FTDs (plus one HA pair with `fmcHa`). */
  fmc?: number;
  fmcFtds?: number;
  fmcHa?: boolean;
  /** Each FMC also manages one cluster of three FTDs. */
  fmcCluster?: boolean;
  /** The last FTD of each FMC enrolls over EST (key on the FTD) instead of PKCS12. */
  fmcEst?: boolean;
  /** Each FMC's InternalCA (sftunnel) expires in this many days (default 3000); `fmcSecondary` adds an HA secondary FMC. */
  sftunnelCaDays?: number;
  fmcSecondary?: boolean;
  /** Emulated Panoramas, each managing `panoramaFws` emulated firewalls through a template stack. */
  panorama?: number;
  panoramaFws?: number;
  /** Emulator knobs per kind, e.g. { fdm: { deployDurationMs: 300 } }. */
  knobs?: { scm?: object; fdm?: object; panos?: object; fmc?: object; sftunnel?: Partial<SftunnelKnobs>; panorama?: object };
  /** Lab profiles: how many certificates each device gets (bench uses more). */
  certsPerDevice?: number;
  logLevel?: string;
}

export interface LabDevice {
  name: string;
  type: 'cisco-fdm' | 'paloalto' | 'cisco-fmc-ftd';
  url: string;
  /** Managed devices: their manager's name. */
  manager?: string;
  services: Record<string, string>;
  handle: LabHandle;
  /** A second administrator, for making changes that are not fwcert's. */
  otherAdmin?: { username: string; password: string };
}

export interface Lab {
  dir: string;
  configPath: string;
  labJsonPath: string;
  panoramas: LabPanorama[];
  ca: LabCa;
  scm: LabHandle & { baseUrl: string };
  devices: LabDevice[];
  managers: FmcLabManager[];
  /** The EST server FMC-managed FTDs enroll at (started with --fmc). */
  est?: EstHandle;
  /** Per FMC: its sftunnel port and the SSH servers of the FMC (and secondary) and its FTDs. */
  sftunnel: SftunnelFleet;
  close(): Promise<void>;
}

const CERT_TYPE_ID = 3001;
const ORG_ID = 1001;
const secret = () => randomBytes(12).toString('base64url');

function write(path: string, text: string, mode = 0o644): void {
  writeFileSync(path, text, { mode });
}

/** Lab certificate profiles: FTDs get RSA certificates for RA VPN + SSL decryption; PAN-OS firewalls an
 *  ECDSA certificate generated on the device for the GlobalProtect portal's SSL/TLS service profile. */
function labProfiles(devices: LabDevice[], perDevice: number): Record<string, unknown>[] {
  const fdm = devices.filter((d) => d.type === 'cisco-fdm').map((d) => d.name);
  const pan = devices.filter((d) => d.type === 'paloalto').map((d) => d.name);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < perDevice; i++) {
    const sfx = i === 0 ? '' : `-${i + 1}`;
    if (fdm.length) {
      out.push({
        name: `vpn-portal${sfx}`, ca: 'lab-sectigo', validation: 'OV',
        sectigo: { cert_type: CERT_TYPE_ID, term: 365, comments: 'fwcert lab: RA VPN portal' },
        subject: { cn: `vpn${sfx}.lab.example`, o: 'fwcert Lab', c: 'US' },
        sans: [`vpn${sfx}.lab.example`, `vpn-alt${sfx}.lab.example`],
        key: { type: 'rsa', size: 2048 },
        targets: fdm.map((device) => ({ device, bind: i === 0 ? { ravpn: true, ssl_decryption: true } : { ssl_decryption: true } })),
      });
    }
    if (pan.length) {
      out.push({
        name: `gp-portal${sfx}`, ca: 'lab-sectigo', validation: 'OV',
        sectigo: { cert_type: CERT_TYPE_ID, term: 365, comments: 'fwcert lab: GlobalProtect portal' },
        subject: { cn: `gp${sfx}.lab.example`, o: 'fwcert Lab', c: 'US' },
        sans: [`gp${sfx}.lab.example`],
        key: { type: 'ecdsa', curve: 'P-256' },
        targets: pan.map((device) => ({ device, bind: i === 0 ? { ssl_tls_service_profiles: ['gp-portal-profile'] } : {} })),
      });
    }
  }
  return out;
}

/** The data-plane ports that serve a lab profile's certificate: FTD RA VPN (vpn-portal), PAN-OS GlobalProtect portal (gp-portal). */
function labProbes(d: LabDevice): Record<string, unknown>[] {
  const [service, profile, host] = d.type === 'cisco-fdm' ? ['ravpn', 'vpn-portal', 'vpn.lab.example'] : ['gp-portal', 'gp-portal', 'gp.lab.example'];
  const address = d.services[service];
  if (!address) return [];
  return [{ name: `${d.name} ${service}`, address, sni: host, names: [host], ca_file: 'trust/lab-ca.pem', device: d.name, profile }];
}

export async function startLab(opts: LabOptions): Promise<Lab> {
  const dir = opts.dir;
  for (const d of ['credentials', 'trust', 'profiles', 'state', 'logs']) mkdirSync(join(dir, d), { recursive: true });
  const ca = await createLabCa();
  const started: LabHandle[] = [];
  try {
    const scmUser = { login: 'fwcert-api', password: secret() };
    const scm = await startScmEmulator({
      ca, customerUri: 'lab', users: [scmUser], orgIds: [ORG_ID],
      certTypes: [{ id: CERT_TYPE_ID, name: 'fwcert Lab OV Multi-Domain', terms: [90, 365, 730], keyTypes: { RSA: ['2048', '3072', '4096'], EC: ['P-256', 'P-384', 'P-521'] } }],
      knobs: opts.knobs?.scm,
    });
    started.push(scm);
    const devices: LabDevice[] = [];
    for (let i = 1; i <= opts.fdm; i++) {
      const user = { username: 'admin', password: secret() };
      const other = { username: 'other-admin', password: secret() };
      const h = await startFdmEmulator({ name: `ftd-${i}`, users: [user, other], knobs: opts.knobs?.fdm });
      started.push(h);
      devices.push({ name: `ftd-${i}`, type: 'cisco-fdm', url: h.url, services: h.services, handle: h, otherAdmin: other });
      write(join(dir, 'credentials', `ftd-${i}.yaml`), stringify(user), 0o600);
    }
    for (let i = 1; i <= opts.panos; i++) {
      const user = { username: 'fwcert', password: secret() };
      const other = { username: 'other-admin', password: secret() };
      const h = await startPanosEmulator({ name: `pa-${i}`, admins: [user, other], knobs: opts.knobs?.panos });
      started.push(h);
      devices.push({ name: `pa-${i}`, type: 'paloalto', url: h.url, services: h.services, handle: h, otherAdmin: other });
      write(join(dir, 'credentials', `pa-${i}.yaml`), stringify(user), 0o600);
    }
    const fmc: FmcLab = await startFmcLab({
      dir, fmc: opts.fmc ?? 0, ftdsPerFmc: opts.fmcFtds ?? 3, haPair: opts.fmcHa, cluster: opts.fmcCluster, est: opts.fmcEst, ca, knobs: opts.knobs?.fmc, caName: 'lab-sectigo', certTypeId: CERT_TYPE_ID,
    });
    started.push({ close: () => fmc.close() } as LabHandle);
    devices.push(...fmc.devices);
    const sftunnel = await attachSftunnelLabs(
      dir, fmc.managers, (m) => fmc.devices.filter((d) => d.manager === m).map((d) => d.fmcName), fmc.configManagers, fmc.labJsonManagers,
      { caDays: opts.sftunnelCaDays ?? 3000, secondary: opts.fmcSecondary, knobs: opts.knobs?.sftunnel },
    );
    started.push({ close: () => sftunnel.close() } as LabHandle);
    const panoramas = await startLabPanoramas(dir, opts.panorama ?? 0, opts.panoramaFws ?? 3, { panorama: opts.knobs?.panorama, firewall: opts.knobs?.panos }, started);
    const pano = panoramaConfig(panoramas);
    write(join(dir, 'credentials', 'scm.yaml'), stringify(scmUser), 0o600);
    write(join(dir, 'trust', 'scm.pem'), scm.certPem);
    write(join(dir, 'trust', 'lab-ca.pem'), ca.bundlePem);
    // lab.json's caBundle verifies every lab endpoint: the lab CA (what the devices serve once fwcert
    // has installed a certificate), the SCM's certificate and each device's and manager's own certificate.
    const endpoints = [
      scm.certPem, ...devices.map((d) => d.handle.certPem), ...fmc.managers.map((m) => m.handle.certPem),
      ...panoramas.flatMap((p) => [p.handle.certPem, ...p.firewalls.map((f) => f.handle.certPem)]),
    ];
    const bundle = [ca.bundlePem, ...new Set(endpoints)].map((p) => p.trim()).join('\n');
    write(join(dir, 'trust', 'lab-bundle.pem'), `${bundle}\n`);

    const config = {
      log: { level: opts.logLevel ?? 'info', file: 'logs/fwcert.log' },
      ledger: { path: 'state/fwcert.db' },
      renewal: { before_days: 30, before_fraction: 0.33 },
      cas: {
        'lab-sectigo': {
          type: 'sectigo-scm', url: scm.baseUrl, customer_uri: 'lab', org_id: ORG_ID,
          credentials: 'credentials/scm.yaml', tls: { ca_file: 'trust/scm.pem' },
          collect: { interval_s: 0.2, max_wait_s: 20 },
        },
        ...fmc.configCas,
      },
      ...(fmc.managers.length || panoramas.length ? { managers: { ...fmc.configManagers, ...pano.managers } } : {}),
      devices: Object.fromEntries<unknown>([
        ...devices.filter((d) => !d.manager).map((d): [string, unknown] => [
          d.name,
          d.type === 'cisco-fdm'
            ? { type: d.type, url: d.url, credentials: `credentials/${d.name}.yaml`, tls: { sha256: certFingerprintSha256(d.handle.certPem) }, poll_interval_s: 0.1 }
            : {
                type: d.type, url: d.url, credentials: `credentials/${d.name}.yaml`, tls: { sha256: certFingerprintSha256(d.handle.certPem) },
                commit: { description: 'fwcert lab renewal', admin: 'fwcert' }, poll_interval_s: 0.1,
              },
        ]),
        ...Object.entries(fmc.configDevices),
        ...Object.entries(pano.devices),
      ]),
      profiles_dir: 'profiles',
      // What a client of each managed data-plane port gets, checked by `fwcert status`.
      probes: devices.flatMap((d) => labProbes(d)),
    };
    const configPath = join(dir, 'fwcert.yaml');
    // The schema files named here are written by `fwcert lab up` (fwcert schema); editors use them.
    write(configPath, `# yaml-language-server: $schema=fwcert.schema.json\n# Written by \`fwcert lab up\`: the lab's CA and firewalls on 127.0.0.1.\n${stringify(config)}`);
    const profiles = [...labProfiles(devices, opts.certsPerDevice ?? 1), ...fmc.profiles, ...(panoramas.length ? [panoramaProfile(panoramas, 'lab-sectigo', CERT_TYPE_ID)] : [])];
    for (const p of profiles) {
      write(join(dir, 'profiles', `${p.name as string}.yaml`), `# yaml-language-server: $schema=../profile.schema.json\n${stringify(p)}`);
    }
    const labJsonPath = join(dir, 'lab.json');
    write(
      labJsonPath,
      `${JSON.stringify(
        {
          scm: { url: scm.baseUrl },
          ...(fmc.managers.length || panoramas.length ? { managers: [...fmc.labJsonManagers, ...panoramaLabJson(panoramas).managers] } : {}),
          devices: [
            ...devices.map((d) => ({
              name: d.name, type: d.type, url: d.url, ...(d.manager ? { manager: d.manager } : {}), services: d.services, ...(d.otherAdmin ? { otherAdmin: d.otherAdmin } : {}),
            })),
            ...panoramaLabJson(panoramas).devices,
          ],
          caBundle: join(dir, 'trust', 'lab-bundle.pem'),
        },
        null,
        2,
      )}\n`,
    );
    return {
      dir, configPath, labJsonPath, ca, scm, devices, managers: fmc.managers, est: fmc.est, sftunnel, panoramas,
      close: async () => {
        await Promise.all(started.map((h) => h.close().catch(() => undefined)));
      },
    };
  } catch (e) {
    await Promise.all(started.map((h) => h.close().catch(() => undefined)));
    throw e;
  }
}
