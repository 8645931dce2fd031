// One SSH server per emulated host (ssh2's Server): an ed25519 host key, password login for the
// host's admin, and an interactive shell (PTY) that runs the emulated CLI. `refuseSsh` makes it
// turn every login down, as a box with SSH disabled for that account would; `unreachable` drops
// the connection (the host is off the network: no tunnel, no SSH).
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { generateEd25519HostKey } from './host-key-pair.js';
import { runShell, type Command } from './shell.js';
import type { LabHost, SftunnelWorld } from './world.js';

export interface LabSshServer {
  address: string;
  /** OpenSSH-style "SHA256:<base64, no padding>" of the host key. */
  hostKeySha256: string;
  /** "ssh-ed25519 AAAA..." (a known_hosts line needs "[127.0.0.1]:PORT " in front). */
  hostKeyPublic: string;
  close(): Promise<void>;
}

export async function startSshServer(
  w: SftunnelWorld,
  host: LabHost,
  commands: () => Record<string, Command>,
  homePrompt: string,
): Promise<LabSshServer> {
  // Not ssh2.utils.generateKeyPairSync: about one ed25519 key in 256 comes out malformed (host-key-pair.ts).
  const keys = generateEd25519HostKey();
  const hostKeySha256 = `SHA256:${createHash('sha256').update(keys.publicBlob).digest('base64').replace(/=+$/, '')}`;
  const clients = new Set<ssh2.Connection>();
  const server = new ssh2.Server({ hostKeys: [keys.privateKey] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password') w.passwordsOffered[host.name] = (w.passwordsOffered[host.name] ?? 0) + 1;
      if (w.knobs.refuseSsh.includes(host.name)) return ctx.reject([]);
      if (ctx.method === 'password' && ctx.username === host.user.username && ctx.password === host.user.password) return ctx.accept();
      return ctx.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('pty', (ok) => ok?.());
        session.on('shell', (ok) => {
          const stream = ok();
          void runShell(host, stream, commands(), homePrompt).catch(() => stream.end());
        });
        session.on('exec', (_ok, reject) => reject?.());
      });
    });
  });
  // An unreachable host answers nothing at all: the TCP connection is dropped before the SSH banner.
  server.on('connection', (sock: import('node:net').Socket) => {
    if (w.knobs.unreachable.includes(host.name)) sock.destroy();
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    hostKeySha256,
    hostKeyPublic: keys.publicLine,
    close: () =>
      new Promise<void>((res) => {
        for (const c of clients) c.end();
        server.close(() => res());
      }),
  };
}
