// The lab's sftunnel side of an FMC: the sftunnel TLS port (InternalCA expiry is a knob), and SSH
// servers for the FMC (and its HA secondary) and the FTDs it manages, emulating the expert-mode
// commands of the InternalCA renewal. Shares no code with fwcert's sftunnel job (src/sftunnel/).
import { randomBytes, randomUUID } from 'node:crypto';
import { certDates, createInternalCa, issueSftunnelCert, opensslDate } from './internal-ca.js';
import { fileCommands, type Command } from './shell.js';
import { fmcCommands, ftdCommands } from './fmc-commands.js';
import { startSshServer, type LabSshServer } from './ssh-server.js';
import { startSftunnelPort, type SftunnelPort } from './tls-port.js';
import {
  CA_ROOT, FMC_CERT, FMC_KEY, GENERATE_CERTS, isConnected, peerDir, pushedDir, restartSftunnel,
  type LabFmc, type LabHost, type SftunnelKnobs, type SftunnelWorld,
} from './world.js';

export type { SftunnelKnobs } from './world.js';

export interface SftunnelLabOptions {
  /** The FMC's name (the primary's, in HA). */
  fmcName: string;
  /** Names of the FTDs the FMC manages, as the FMC knows them. */
  ftdNames: string[];
  /** Days until the (primary) FMC's InternalCA expires. */
  caDays: number;
  /** FMC HA: add a secondary FMC (named `<fmcName>-secondary`) whose own InternalCA expires in `secondaryCaDays`. */
  ha?: boolean;
  secondaryCaDays?: number;
  knobs?: Partial<SftunnelKnobs>;
}

export interface LabSshEndpoint {
  name: string;
  ip: string;
  ssh: LabSshServer;
  user: { username: string; password: string };
}

export interface SftunnelLab {
  fmcs: (LabSshEndpoint & { role: 'primary' | 'secondary'; sftunnel: string })[];
  ftds: LabSshEndpoint[];
  world: SftunnelWorld;
  setKnobs(k: Partial<SftunnelKnobs>): void;
  state(): unknown;
  close(): Promise<void>;
}

const BIN = '/usr/local/sf/bin';

function newHost(name: string, ip: string, kind: 'fmc' | 'ftd'): LabHost {
  return {
    name, ip, kind, uuid: randomUUID(), user: { username: 'admin', password: randomBytes(12).toString('base64url') },
    files: new Map(), running: new Map(), restarts: 0, commands: [],
  };
}

/** Registers `peer` with `fmc` the way device registration does: a certificate for it, pushed and running. */
async function register(fmc: LabFmc, peer: LabHost): Promise<void> {
  const pc = await issueSftunnelCert(fmc.ca, peer.uuid);
  fmc.files.set(`${pushedDir(peer.uuid)}sftunnel-cert.pem`, pc.certPem);
  fmc.files.set(`${pushedDir(peer.uuid)}sftunnel-key.pem`, pc.keyPem);
  const dir = peerDir(fmc.uuid);
  peer.files.set(`${dir}/cacert.pem`, fmc.ca.certPem);
  peer.files.set(`${dir}/sftunnel-cert.pem`, pc.certPem);
  peer.files.set(`${dir}/sftunnel-key.pem`, pc.keyPem);
  peer.running.set(fmc.uuid, { caPem: fmc.ca.certPem, certPem: pc.certPem });
  fmc.peers.push(peer);
}

async function newFmc(name: string, ip: string, role: 'primary' | 'secondary', caDays: number): Promise<LabFmc> {
  const fmc: LabFmc = { ...newHost(name, ip, 'fmc'), kind: 'fmc', role, ca: { certPem: '', keyPem: '' }, peers: [], generations: [] };
  fmc.ca = await createInternalCa(fmc.uuid, caDays);
  const own = await issueSftunnelCert(fmc.ca, fmc.uuid);
  fmc.files.set(CA_ROOT, fmc.ca.certPem);
  fmc.files.set(FMC_CERT, own.certPem);
  fmc.files.set(FMC_KEY, own.keyPem);
  return fmc;
}

const KNOBS = ['unreachable', 'refuseSsh', 'missingHotfix', 'criticalOperation'];

function checkKnobs(k: object | undefined): void {
  for (const key of Object.keys(k ?? {})) if (!KNOBS.includes(key)) throw new Error(`unknown sftunnel lab knob "${key}" (knobs: ${KNOBS.join(', ')})`);
}

export async function startSftunnelLab(opts: SftunnelLabOptions): Promise<SftunnelLab> {
  checkKnobs(opts.knobs);
  const w: SftunnelWorld = {
    fmcs: [], ftds: [], generationLog: [], passwordsOffered: {},
    knobs: { unreachable: [], refuseSsh: [], missingHotfix: [], criticalOperation: {}, ...opts.knobs },
  };
  const primary = await newFmc(opts.fmcName, '192.0.2.10', 'primary', opts.caDays);
  w.fmcs.push(primary);
  const secondary = opts.ha ? await newFmc(`${opts.fmcName}-secondary`, '192.0.2.11', 'secondary', opts.secondaryCaDays ?? opts.caDays + 365) : undefined;
  if (secondary) w.fmcs.push(secondary);
  opts.ftdNames.forEach((n, i) => w.ftds.push(newHost(n, `192.0.2.${101 + i}`, 'ftd')));
  for (const ftd of w.ftds) for (const f of w.fmcs) await register(f, ftd);
  // In HA the primary manages the secondary over sftunnel like one more device (seed, Appendix).
  if (secondary) await register(primary, secondary);

  const closers: (() => Promise<void>)[] = [];
  try {
    const ports = new Map<string, SftunnelPort>();
    const fmcs: SftunnelLab['fmcs'] = [];
    for (const f of w.fmcs) {
      const chain = () => ({ certPem: f.files.get(FMC_CERT)!, keyPem: f.files.get(FMC_KEY)!, caPem: f.ca.certPem });
      const port = await startSftunnelPort(chain());
      closers.push(port.close);
      ports.set(f.name, port);
      const bins = () => [`${BIN}/sftunnel_status.pl`, `${BIN}/pmtool`, ...(w.knobs.missingHotfix.includes(f.name) ? [] : [GENERATE_CERTS, `${BIN}/copy_sftunnel_certs.py`])];
      const commands = (): Record<string, Command> => ({
        ...fileCommands(f, bins, dates),
        ...ftdCommands(f, () => restartSftunnel(f)),
        ...fmcCommands(w, f, () => port.setChain(chain())),
      });
      const ssh = await startSshServer(w, f, commands, '/Volume/home/admin');
      closers.push(ssh.close);
      fmcs.push({ name: f.name, ip: f.ip, role: f.role!, sftunnel: port.address, ssh, user: f.user });
    }
    const ftds: LabSshEndpoint[] = [];
    for (const d of w.ftds) {
      const commands = (): Record<string, Command> => ({ ...fileCommands(d, () => [`${BIN}/pmtool`], dates), ...ftdCommands(d, () => restartSftunnel(d)) });
      const ssh = await startSshServer(w, d, commands, '/home/admin');
      closers.push(ssh.close);
      ftds.push({ name: d.name, ip: d.ip, ssh, user: d.user });
    }
    return {
      fmcs, ftds, world: w,
      setKnobs: (k) => {
        checkKnobs(k);
        Object.assign(w.knobs, k);
      },
      state: () => ({
        knobs: w.knobs,
        generationLog: w.generationLog,
        passwordsOffered: w.passwordsOffered,
        fmcs: w.fmcs.map((f) => ({
          name: f.name, role: f.role, uuid: f.uuid, caNotAfter: certDates(f.ca.certPem).notAfter.toISOString(), generations: f.generations,
          peers: f.peers.map((p) => ({ name: p.name, ip: p.ip, connected: isConnected(w, f, p) })),
        })),
        ftds: w.ftds.map((d) => ({ name: d.name, uuid: d.uuid, restarts: d.restarts, commands: d.commands })),
      }),
      close: async () => {
        await Promise.all(closers.map((c) => c().catch(() => undefined)));
      },
    };
  } catch (e) {
    await Promise.all(closers.map((c) => c().catch(() => undefined)));
    throw e;
  }
}

function dates(pem: string): { notBefore: string; notAfter: string } {
  const d = certDates(pem);
  return { notBefore: opensslDate(d.notBefore), notAfter: opensslDate(d.notAfter) };
}
