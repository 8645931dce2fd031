// `fwcert status` rows for the FMC sftunnel: per FMC (and HA secondary), its InternalCA and its
// sftunnel certificate, read from the sftunnel port's TLS handshake: no credential needed, so
// every configured FMC is watched even when SSH is not set up. Same thresholds and row shape as
// every other certificate, so report, exit code, metrics and alerts treat them alike.
import { errorMessage } from '../core/errors.js';
import { expiryLevel, type StatusRow } from '../engine/status-row.js';
import { sftunnelOptionsOf, sftunnelAddress, type FmcManagerLike } from './options.js';
import { probeSftunnel, type ProbedCert } from './probe.js';

/** Profile column values: not valid profile names (':'), so they never collide with one. */
export const SFTUNNEL_CA_ROW = 'sftunnel:InternalCA';
export const SFTUNNEL_CERT_ROW = 'sftunnel:cert';

export async function sftunnelStatusRows(
  managers: FmcManagerLike[],
  opts: { warnDays: number; criticalDays: number; now?: Date; timeoutMs?: number },
): Promise<{ rows: StatusRow[]; unreachable: { device: string; error: string }[] }> {
  const now = opts.now ?? new Date();
  const rows: StatusRow[] = [];
  const unreachable: { device: string; error: string }[] = [];
  const targets: { device: string; address: string }[] = [];
  for (const m of managers) {
    const o = sftunnelOptionsOf(m);
    const a = sftunnelAddress(m, o.sftunnel);
    if (a) targets.push({ device: m.name, address: a });
    const s = o.secondary;
    if (s?.sftunnel?.address && s.sftunnel.check !== false) targets.push({ device: s.name, address: sftunnelAddress(m, s.sftunnel)! });
  }
  await Promise.all(
    targets.map(async (t) => {
      try {
        const chain = await probeSftunnel(t.address, opts.timeoutMs);
        // Rows of kind probe: they come from a TLS handshake, and count for the exit code like managed ones.
        const row = (profile: string, c: ProbedCert, note: string): StatusRow => {
          const e = expiryLevel(new Date(c.notAfter), now, opts);
          return {
            kind: 'probe', device: t.device, profile, level: e.level, state: e.state, source: 'probe', serial: c.serial,
            // Where the FMC keeps it (sftunnel.conf in Cisco's note).
            objectName: profile === SFTUNNEL_CA_ROW ? '/etc/sf/ca_root/cacert.pem' : '/etc/sf/keys/sftunnel-cert.pem',
            notAfter: c.notAfter, daysLeft: e.daysLeft, issuer: /CN=([^,]+)/.exec(c.issuer)?.[1], note,
          };
        };
        if (chain.ca) rows.push(row(SFTUNNEL_CA_ROW, chain.ca, `FMC InternalCA (${t.address} handshake); renew: fwcert sftunnel renew --fmc ${t.device}`));
        else rows.push({ kind: 'probe', device: t.device, profile: SFTUNNEL_CA_ROW, level: 'error', state: 'missing', source: 'probe', note: `${t.address} sent no InternalCA in its chain` });
        rows.push(row(SFTUNNEL_CERT_ROW, chain.leaf, `FMC sftunnel certificate (${t.address} handshake)`));
      } catch (e) {
        unreachable.push({ device: `${t.device} (sftunnel ${t.address})`, error: errorMessage(e) });
      }
    }),
  );
  return { rows, unreachable };
}
