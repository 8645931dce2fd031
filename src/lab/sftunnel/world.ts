// The state behind the lab's FMC(s) and FTDs: each host's files, which InternalCA each peer's
// running sftunnel trusts, and the knobs. Whether a peer is "connected" follows from that state
// the way the seed describes it: a tunnel comes up only when the peer runs the certificates of
// the FMC's current InternalCA, and a peer that was down while generate_certs.pl ran keeps the
// old ones until someone copies the files and restarts sftunnel there.
import type { PemPair } from './internal-ca.js';

export interface SftunnelKnobs {
  /** FTD / secondary FMC names off the network now: tunnel down (a push to them fails), SSH unreachable. */
  unreachable: string[];
  /** Host names whose SSH server refuses every login (SSH disabled, locked account). */
  refuseSsh: string[];
  /** FMC names without the hotfix: no generate_certs.pl (nor copy_sftunnel_certs.py) on them. */
  missingHotfix: string[];
  /** FMC name -> critical operation in progress ("Backup/Restore task in progress", ...). */
  criticalOperation: Record<string, string>;
}

export interface LabHost {
  name: string;
  uuid: string;
  /** Management IP as the FMC knows it (text only: every lab socket is on 127.0.0.1). */
  ip: string;
  kind: 'fmc' | 'ftd';
  role?: 'primary' | 'secondary';
  user: { username: string; password: string };
  files: Map<string, string>;
  /** What the running sftunnel uses per manager (FMC UUID), read from the files at its last (re)start. */
  running: Map<string, { caPem: string; certPem: string }>;
  restarts: number;
  /** Shell commands seen (no data arguments), for tests. */
  commands: string[];
}

export interface LabFmc extends LabHost {
  kind: 'fmc';
  ca: PemPair;
  /** Hosts this FMC manages over sftunnel: FTDs and, for a primary in HA, the secondary FMC. */
  peers: LabHost[];
  generations: { at: string; failed: string[] }[];
}

export interface SftunnelWorld {
  fmcs: LabFmc[];
  ftds: LabHost[];
  knobs: SftunnelKnobs;
  /** Order of generate_certs.pl runs across FMCs, e.g. ["fmc-1", "fmc-1-secondary"]. */
  generationLog: string[];
  /** Per host: how many times a client offered a password to its SSH server. */
  passwordsOffered: Record<string, number>;
}

export const CA_ROOT = '/etc/sf/ca_root/cacert.pem';
export const FMC_CERT = '/etc/sf/keys/sftunnel-cert.pem';
export const FMC_KEY = '/etc/sf/keys/sftunnel-key.pem';
/** Inferred location: the note runs it from PATH and names /usr/local/sf/bin/ for the hotfix's copy_sftunnel_certs_jumpserver.py. */
export const GENERATE_CERTS = '/usr/local/sf/bin/generate_certs.pl';
export const GENERATION_LOG = '/var/log/sf/sfca_generation.log';
export const peerDir = (fmcUuid: string) => `/var/sf/peers/${fmcUuid}`;
/** On the FMC, where it keeps what it generated for a peer (the seed's FAILED_PUSH shows the double slash). */
export const pushedDir = (peerUuid: string) => `/var/sf/peers/${peerUuid}/certs_pushed/`;

export function isConnected(w: SftunnelWorld, fmc: LabFmc, peer: LabHost): boolean {
  if (w.knobs.unreachable.includes(peer.name)) return false;
  const run = peer.running.get(fmc.uuid);
  return !!run && run.caPem === fmc.ca.certPem && run.certPem === fmc.files.get(`${pushedDir(peer.uuid)}sftunnel-cert.pem`);
}

/** `pmtool restartbyid sftunnel`: the tunnel daemon re-reads the files of every manager it has. */
export function restartSftunnel(host: LabHost): void {
  host.restarts++;
  for (const [path, caPem] of host.files) {
    const m = /^\/var\/sf\/peers\/([^/]+)\/cacert\.pem$/.exec(path);
    if (!m) continue;
    const certPem = host.files.get(`${peerDir(m[1]!)}/sftunnel-cert.pem`) ?? '';
    host.running.set(m[1]!, { caPem, certPem });
  }
}
