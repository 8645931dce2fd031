// `fwcert sftunnel status`: per FMC node, what the sftunnel handshake shows (no credentials), and
// when SSH is configured what the FMC itself says: cacert.pem dates, which peers are connected,
// whether the renewal hotfix is installed; plus the renewal progress the ledger holds.
import { errorMessage } from '../core/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { ExpertShell } from './expert-shell.js';
import { hasGenerateCerts, readInternalCa, tunnelPeers, type InternalCaSeen } from './fmc-node.js';
import type { TunnelPeer } from './outputs.js';
import { probeSftunnel, type SftunnelChain } from './probe.js';
import { ProgressStore, type NodeProgress } from './progress.js';
import type { FmcNode, SftunnelSite } from './site.js';

export interface NodeInspection {
  manager: string;
  fmc: string;
  role: 'primary' | 'secondary';
  sftunnel?: { address: string; chain?: SftunnelChain; error?: string };
  ssh?: { address: string; internalCa?: InternalCaSeen; peers?: TunnelPeer[]; hotfix?: boolean; error?: string };
  progress?: NodeProgress;
}

export async function inspectSite(site: SftunnelSite, ledger: Ledger): Promise<NodeInspection[]> {
  const store = new ProgressStore(ledger, site.manager);
  const nodes = [site.primary, ...(site.secondary ? [site.secondary] : [])];
  return Promise.all(nodes.map((n) => inspectNode(site, n, store, site.timeoutMs ?? 60_000)));
}

async function inspectNode(site: SftunnelSite, n: FmcNode, store: ProgressStore, timeoutMs: number): Promise<NodeInspection> {
  const out: NodeInspection = { manager: site.manager, fmc: n.name, role: n.role, progress: store.get(n.name) };
  if (n.sftunnel) {
    out.sftunnel = { address: n.sftunnel };
    try {
      out.sftunnel.chain = await probeSftunnel(n.sftunnel);
    } catch (e) {
      out.sftunnel.error = errorMessage(e);
    }
  }
  if (n.ssh) {
    out.ssh = { address: n.ssh.address };
    let sh: ExpertShell | undefined;
    try {
      sh = await ExpertShell.open({ name: n.name, ...n.ssh }, timeoutMs);
      out.ssh.internalCa = await readInternalCa(sh);
      out.ssh.peers = await tunnelPeers(sh);
      out.ssh.hotfix = await hasGenerateCerts(sh);
    } catch (e) {
      out.ssh.error = errorMessage(e);
    } finally {
      sh?.close();
    }
  }
  return out;
}
