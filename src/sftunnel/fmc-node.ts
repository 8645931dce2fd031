// Read-only looks at an FMC node over SSH (expert, root): its InternalCA (cacert.pem and its
// dates, as the seed's "How to quickly verify" shows), which peers are connected
// (sftunnel_status.pl), whether the hotfix's generate_certs.pl is there.
import { certFingerprintSha256 } from '../pki/index.js';
import type { ExpertShell } from './expert-shell.js';
import { parseOpensslDates, parseTunnelStatus, type TunnelPeer } from './outputs.js';

export const CA_ROOT = '/etc/sf/ca_root/cacert.pem';
export const GENERATE_CERTS = 'generate_certs.pl';

export interface InternalCaSeen {
  sha256: string;
  notBefore: string;
  notAfter: string;
}

export async function readInternalCa(sh: ExpertShell): Promise<InternalCaSeen> {
  const pem = await sh.check(`cat ${CA_ROOT}`, `reading ${CA_ROOT}`);
  const dates = parseOpensslDates(await sh.check(`openssl x509 -dates -noout -in ${CA_ROOT}`, 'openssl x509 -dates'));
  return { sha256: certFingerprintSha256(pem), notBefore: dates.notBefore.toISOString(), notAfter: dates.notAfter.toISOString() };
}

export async function tunnelPeers(sh: ExpertShell): Promise<TunnelPeer[]> {
  return parseTunnelStatus(await sh.check('sftunnel_status.pl', 'sftunnel_status.pl'));
}

/** The hotfix (seed: FK/FZ/AE/AO/B per train) is what installs generate_certs.pl. */
export async function hasGenerateCerts(sh: ExpertShell): Promise<boolean> {
  return (await sh.run(`which ${GENERATE_CERTS}`)).rc === 0;
}
