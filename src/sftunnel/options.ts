// The sftunnel keys of an FMC manager entry (managers.<name> in fwcert.yaml), validated by the FMC
// manager type's options schema (which includes these), and turned into an SftunnelSite here:
//   sftunnel:  { address: host[:8305], check: true }     read the InternalCA from the TLS handshake
//   ssh:       { address: host[:22], credentials: FILE, host_key_sha256 | known_hosts,
//                devices: { <name on the FMC>: { address, host_key_sha256 | known_hosts, credentials? } } }
//   secondary: { name, sftunnel: {...}, ssh: {...} }     FMC HA: the secondary, done after the primary
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { readCredentialsFile } from '../config/credentials.js';
import type { HostKeyPin } from './host-key.js';
import type { FmcNode, SftunnelSite, SshEndpoint } from './site.js';

export const SFTUNNEL_PORT = 8305;

const address = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/, 'host or host:port (IPv6 as [addr]:port)');
const fingerprint = z.string().regex(/^(SHA256:)?[A-Za-z0-9+/]{43}=?$/, 'an OpenSSH SHA-256 host key fingerprint, e.g. SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU (ssh-keygen -lf)');

const pinKeys = {
  host_key_sha256: fingerprint.optional(),
  known_hosts: z.string().min(1).optional(),
};
const onePin = (v: { host_key_sha256?: string; known_hosts?: string }) => (v.host_key_sha256 === undefined) !== (v.known_hosts === undefined);
const PIN_MESSAGE = 'pin the SSH host key: give host_key_sha256 or known_hosts (one of them; fwcert never trusts a host key on first use)';

export const sshDeviceSchema = z.strictObject({ address, credentials: z.string().min(1).optional(), ...pinKeys }).refine(onePin, { message: PIN_MESSAGE });

export const sshSchema = z
  .strictObject({
    address,
    credentials: z.string().min(1),
    ...pinKeys,
    timeout_s: z.number().positive().max(3600).default(60),
    devices: z.record(z.string().min(1), sshDeviceSchema).default({}),
  })
  .refine(onePin, { message: PIN_MESSAGE });

export const sftunnelSchema = z.strictObject({ address: address.optional(), check: z.boolean().default(true) });

export const secondarySchema = z.strictObject({
  name: z.string().min(1),
  sftunnel: sftunnelSchema.optional(),
  ssh: sshSchema.optional(),
});

/** Spread into the FMC manager type's options schema: `z.strictObject({ ...fmcOwnKeys, ...sftunnelOptionKeys })`. */
export const sftunnelOptionKeys = {
  sftunnel: sftunnelSchema.optional(),
  ssh: sshSchema.optional(),
  secondary: secondarySchema.optional(),
};

const siteOptions = z.object(sftunnelOptionKeys);
export type SftunnelOptions = z.infer<typeof siteOptions>;

export const sshCredentialsSchema = z
  .strictObject({
    username: z.string().min(1),
    password: z.string().min(1).optional(),
    private_key: z.string().min(1).optional(),
    passphrase: z.string().min(1).optional(),
  })
  .refine((c) => c.password !== undefined || c.private_key !== undefined, { message: 'SSH credentials need password (also used for sudo su) or private_key' });

/** The manager entry as the config gives it (a ManagerEntry's name, url and options). */
export interface FmcManagerLike {
  name: string;
  url: string;
  options: unknown;
}

export function sftunnelOptionsOf(m: FmcManagerLike): SftunnelOptions {
  const r = siteOptions.safeParse(m.options ?? {});
  return r.success ? r.data : {};
}

/** Where to probe the sftunnel port: the configured address (port 8305 unless given), else the FMC URL's host; undefined when check: false. */
export function sftunnelAddress(m: FmcManagerLike, s: { address?: string; check?: boolean } | undefined): string | undefined {
  if (s?.check === false) return undefined;
  const host = s?.address ?? new URL(m.url).hostname;
  return /^\[.*\]:\d+$|^[^:[\]]+:\d+$/.test(host) ? host : `${host}:${SFTUNNEL_PORT}`;
}

/** Builds the site for `sftunnel status|renew`: reads the SSH credential files (decrypting them when needed). */
export async function resolveSite(m: FmcManagerLike, cfgDir: string, passphrase: string | undefined): Promise<SftunnelSite> {
  const o = sftunnelOptionsOf(m);
  const rel = (p: string) => (isAbsolute(p) ? p : join(cfgDir, p));
  const creds = new Map<string, z.infer<typeof sshCredentialsSchema>>();
  const credsOf = async (file: string, where: string) => {
    const hit = creds.get(file);
    if (hit) return hit;
    const { values } = await readCredentialsFile(rel(file), where, passphrase);
    const r = sshCredentialsSchema.safeParse(values);
    if (!r.success) throw new ConfigError(`SSH credentials ${file}: ${r.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`, where);
    creds.set(file, r.data);
    return r.data;
  };
  const pin = (v: { host_key_sha256?: string; known_hosts?: string }): HostKeyPin =>
    v.host_key_sha256 ? { sha256: v.host_key_sha256 } : { knownHostsFile: rel(v.known_hosts!) };
  const endpoint = async (v: { address: string; credentials?: string; host_key_sha256?: string; known_hosts?: string }, fallbackCreds: string, where: string): Promise<SshEndpoint> => {
    const c = await credsOf(v.credentials ?? fallbackCreds, where);
    return { address: v.address, username: c.username, password: c.password, privateKey: c.private_key ? readKey(c.private_key, rel) : undefined, passphrase: c.passphrase, pin: pin(v) };
  };
  const where = `managers.${m.name}`;
  const primary: FmcNode = {
    name: m.name, role: 'primary', sftunnel: sftunnelAddress(m, o.sftunnel),
    ssh: o.ssh ? await endpoint(o.ssh, o.ssh.credentials, `${where}.ssh`) : undefined,
  };
  const devices = new Map<string, SshEndpoint>();
  if (o.ssh) for (const [name, d] of Object.entries(o.ssh.devices)) devices.set(name, await endpoint(d, o.ssh.credentials, `${where}.ssh.devices.${name}`));
  let secondary: FmcNode | undefined;
  if (o.secondary) {
    const s = o.secondary;
    secondary = {
      name: s.name, role: 'secondary',
      sftunnel: s.sftunnel?.address ? sftunnelAddress(m, s.sftunnel) : undefined,
      ssh: s.ssh ? await endpoint(s.ssh, s.ssh.credentials, `${where}.secondary.ssh`) : undefined,
    };
  }
  return { manager: m.name, primary, secondary, devices, timeoutMs: (o.ssh?.timeout_s ?? 60) * 1000 };
}

/** private_key: inline PEM/OpenSSH text, or a path to it. */
function readKey(v: string, rel: (p: string) => string): string {
  return v.includes('-----BEGIN') ? v : readFileSync(rel(v), 'utf8');
}

/** The config's FMC manager entries (type cisco-fmc), in config order. */
export function fmcManagers(cfg: { managers: ReadonlyMap<string, { name: string; type: { type: string }; url: string; options: unknown }> }): FmcManagerLike[] {
  return [...cfg.managers.values()].filter((m) => m.type.type === 'cisco-fmc').map((m) => ({ name: m.name, url: m.url, options: m.options }));
}
