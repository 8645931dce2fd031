// The sftunnel part of `fwcert lab up --fmc N`: for each lab FMC, its sftunnel port and SSH
// endpoints (the FMC, an optional HA secondary FMC, and the FTDs it manages), written into the
// FMC's fwcert.yaml entry (sftunnel:, ssh:, secondary:) and its lab.json `services`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startSftunnelLab, type SftunnelKnobs, type SftunnelLab } from './index.js';

export interface SftunnelFleetOptions {
  /** Days until each FMC's InternalCA expires (`--sftunnel-ca-days`). */
  caDays: number;
  /** Give each FMC an HA secondary FMC (`--fmc-secondary`). */
  secondary?: boolean;
  knobs?: Partial<SftunnelKnobs>;
}

export interface SftunnelFleet {
  /** Per FMC name. */
  labs: Map<string, SftunnelLab>;
  close(): Promise<void>;
}

/**
 * Starts the sftunnel side of each lab FMC and adds it to the FMC's config entry and lab.json
 * entry (both mutated in place). `ftdsOf(fmc)` are the FTD names as that FMC knows them.
 */
export async function attachSftunnelLabs(
  dir: string,
  fmcs: { name: string; services: Record<string, string> }[],
  ftdsOf: (fmc: string) => string[],
  configManagers: Record<string, unknown>,
  labJsonManagers: Record<string, unknown>[],
  o: SftunnelFleetOptions,
): Promise<SftunnelFleet> {
  const labs = new Map<string, SftunnelLab>();
  const close = async () => {
    await Promise.all([...labs.values()].map((l) => l.close().catch(() => undefined)));
  };
  try {
    for (const f of fmcs) {
      const lab = await startSftunnelLab({ fmcName: f.name, ftdNames: ftdsOf(f.name), caDays: o.caDays, ha: o.secondary, knobs: o.knobs });
      labs.set(f.name, lab);
      const creds = (host: string, user: { username: string; password: string }) => {
        const file = `credentials/${host}-ssh.yaml`;
        writeFileSync(join(dir, file), stringify(user), { mode: 0o600 });
        return file;
      };
      const [primary, secondary] = lab.fmcs;
      const sshOf = (e: SftunnelLab['ftds'][number]) => ({ address: e.ssh.address, credentials: creds(e.name, e.user), host_key_sha256: e.ssh.hostKeySha256 });
      const keys: Record<string, unknown> = {
        sftunnel: { address: primary!.sftunnel },
        ssh: { ...sshOf(primary!), devices: Object.fromEntries(lab.ftds.map((d) => [d.name, sshOf(d)])) },
        ...(secondary ? { secondary: { name: secondary.name, sftunnel: { address: secondary.sftunnel }, ssh: sshOf(secondary) } } : {}),
      };
      Object.assign(configManagers[f.name] as object, keys);
      Object.assign(f.services, { sftunnel: primary!.sftunnel, ssh: primary!.ssh.address });
      const j = labJsonManagers.find((m) => m.name === f.name);
      if (j) {
        j.services = { ...(j.services as object), sftunnel: primary!.sftunnel, ssh: primary!.ssh.address };
        j.sftunnel = {
          ftds: lab.ftds.map((d) => ({ name: d.name, ssh: d.ssh.address })),
          ...(secondary ? { secondary: { name: secondary.name, sftunnel: secondary.sftunnel, ssh: secondary.ssh.address } } : {}),
        };
      }
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { labs, close };
}
