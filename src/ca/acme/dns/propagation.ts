// Waits until every authoritative server of the zone serves the TXT values, so the CA's validator
// (which asks those servers, possibly from several places) finds them on its first try.
import type { Logger } from '../../../core/log.js';
import type { TxtRecord } from './provider.js';
import { parseServerAddress, resolverAddress } from './server-address.js';
import { authoritativeServers, findZone, makeResolver } from './zone.js';

export interface PropagationOptions {
  timeout_s: number;
  interval_s: number;
  /** Servers to ask ("host:port"); default: the zone's NS set from public DNS. */
  nameservers?: string[];
}

/** The servers to ask for `fqdn`: configured ones, or the authoritative servers of its zone. */
export async function serversFor(fqdn: string, opts: PropagationOptions, zoneHint?: string): Promise<string[]> {
  if (opts.nameservers?.length) return Promise.all(opts.nameservers.map((s) => resolverAddress(parseServerAddress(s))));
  const system = makeResolver();
  const zone = zoneHint ?? (await findZone(fqdn, system));
  return authoritativeServers(zone, system);
}

async function txtAt(server: string, fqdn: string): Promise<string[]> {
  try {
    return (await makeResolver([server]).resolveTxt(fqdn)).map((chunks) => chunks.join(''));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENODATA' || code === 'ENOTFOUND') return [];
    throw e;
  }
}

/**
 * Polls every server in `servers` until each record's value is served by all of them.
 * Throws (naming the record, value and the servers still missing it) after timeout_s.
 */
export async function waitForTxt(records: TxtRecord[], servers: Map<string, string[]>, opts: PropagationOptions, log: Logger): Promise<void> {
  const deadline = Date.now() + opts.timeout_s * 1000;
  for (;;) {
    const missing: string[] = [];
    for (const r of records) {
      for (const server of servers.get(r.fqdn) ?? []) {
        const values = await txtAt(server, r.fqdn).catch((e: { code?: string; message?: string }) => {
          log.debug({ server, record: r.fqdn, code: e.code }, 'TXT lookup failed, will retry');
          return [] as string[];
        });
        if (!values.includes(r.value)) missing.push(`${r.fqdn} TXT "${r.value}" not yet at ${server}`);
      }
    }
    if (missing.length === 0) return;
    if (Date.now() >= deadline) {
      throw new Error(`DNS propagation timed out after ${opts.timeout_s} s: ${missing.join('; ')}`);
    }
    log.debug({ missing: missing.length }, 'waiting for TXT records on the authoritative servers');
    await new Promise((r) => setTimeout(r, Math.min(opts.interval_s * 1000, Math.max(0, deadline - Date.now()))));
  }
}
