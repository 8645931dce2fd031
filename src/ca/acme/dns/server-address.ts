// "host", "host:port", "[v6]:port" -> { host, port }, and the IP form node:dns resolvers require.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface ServerAddress {
  host: string;
  port: number;
}

export function parseServerAddress(text: string, defaultPort = 53): ServerAddress {
  const t = text.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : defaultPort };
  if (isIP(t) === 6) return { host: t, port: defaultPort };
  const m = /^([^:\s]+)(?::(\d+))?$/.exec(t);
  if (!m) throw new Error(`"${text}" is not host or host:port`);
  const port = m[2] ? Number(m[2]) : defaultPort;
  if (!(port > 0 && port < 65536)) throw new Error(`"${text}": port must be 1-65535`);
  return { host: m[1]!, port };
}

export function formatServerAddress(a: ServerAddress): string {
  return isIP(a.host) === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** node:dns Resolver.setServers takes IP addresses only: look host names up first. */
export async function resolverAddress(a: ServerAddress): Promise<string> {
  const ip = isIP(a.host) ? a.host : (await lookup(a.host)).address;
  return formatServerAddress({ host: ip, port: a.port });
}
