// What fwcert knows about one FMC's sftunnel side, resolved from the config: where its sftunnel
// port is, how to reach it (and its HA secondary) over SSH, and how to reach the devices it
// manages over SSH when a certificate push fails.
import type { HostKeyPin } from './host-key.js';

export interface SshEndpoint {
  address: string;
  username: string;
  password?: string;
  privateKey?: string;
  passphrase?: string;
  pin: HostKeyPin;
}

export interface FmcNode {
  /** The node's name as the FMC knows it (FAILED_PUSH of the primary names the secondary this way). */
  name: string;
  role: 'primary' | 'secondary';
  sftunnel?: string;
  ssh?: SshEndpoint;
}

export interface SftunnelSite {
  /** The managers: entry's name. */
  manager: string;
  primary: FmcNode;
  secondary?: FmcNode;
  /** Devices by their name on the FMC, for copying certificates the FMC could not push. */
  devices: Map<string, SshEndpoint>;
  /** SSH answer timeout. */
  timeoutMs?: number;
}
