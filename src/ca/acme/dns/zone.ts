// Finding the zone that holds a name (walk up until a label has an SOA) and its authoritative
// servers (the zone's NS set, resolved to addresses) — the servers a CA's validator will ask.
import { Resolver } from 'node:dns/promises';

/** A resolver bound to `servers` (IP or IP:port), or to the system's resolvers when none are given. */
export function makeResolver(servers?: string[]): Resolver {
  const r = new Resolver({ timeout: 2000, tries: 2 });
  if (servers?.length) r.setServers(servers);
  return r;
}

export async function findZone(name: string, resolver: Resolver): Promise<string> {
  const labels = name.replace(/\.$/, '').toLowerCase().split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const candidate = labels.slice(i).join('.');
    try {
      await resolver.resolveSoa(candidate);
      return candidate;
    } catch (e) {
      const code = (e as { code?: string }).code;
      // No SOA at this label (NODATA / NXDOMAIN / not served here): try the parent.
      if (code === 'ENODATA' || code === 'ENOTFOUND' || code === 'EREFUSED' || code === 'ESERVFAIL') continue;
      throw new Error(`looking up the SOA of ${candidate} failed: ${code ?? (e as Error).message}`);
    }
  }
  throw new Error(`no zone (SOA record) found for ${name}`);
}

/** Addresses (port 53) of the zone's name servers, as public DNS lists them. */
export async function authoritativeServers(zone: string, resolver: Resolver): Promise<string[]> {
  const names = await resolver.resolveNs(zone);
  const out = new Set<string>();
  for (const ns of names) {
    const v4 = await resolver.resolve4(ns).catch(() => [] as string[]);
    const v6 = await resolver.resolve6(ns).catch(() => [] as string[]);
    for (const a of v4) out.add(`${a}:53`);
    for (const a of v6) out.add(`[${a}]:53`);
  }
  if (out.size === 0) throw new Error(`the name servers of ${zone} (${names.join(', ') || 'none'}) have no address`);
  return [...out];
}
