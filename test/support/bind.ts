// Starts a real BIND 9 (`named -g`) on 127.0.0.1:<random port> with one primary zone that accepts
// TSIG-signed (hmac-sha256) updates, for dns-01 tests. Debian: apt-get install bind9 bind9-dnsutils.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopper } from './process.js';

export interface BindOptions {
  /** Zone served (default "fwcert.test"). */
  zone?: string;
  /** Names inside the zone that get an A record to 127.0.0.1 (relative or absolute). */
  hosts?: string[];
}

export interface BindHandle {
  zone: string;
  /** "127.0.0.1:PORT" (UDP and TCP). */
  address: string;
  port: number;
  tsig: { name: string; algorithm: 'hmac-sha256'; secret: string };
  /** TXT values currently at `name` (asked directly, as a validator would). */
  txt(name: string): Promise<string[]>;
  close(): Promise<void>;
}

const NAMED = process.env.FWCERT_TEST_NAMED ?? '/usr/sbin/named';

/** `n` different free ports: each freePort() closes its probe, so the kernel may hand the same port out
 *  again to the next call (seen as Pebble's two listeners on one port: "address already in use"). */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let i = 0; ports.size < n; i++) {
    if (i >= n * 20) throw new Error(`no ${n} different free ports on 127.0.0.1`);
    ports.add(await freePort());
  }
  return [...ports];
}

/** A port free for both TCP and UDP on 127.0.0.1 (named needs both). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free TCP+UDP port on 127.0.0.1');
}

export async function startBind(opts: BindOptions = {}): Promise<BindHandle> {
  const zone = (opts.zone ?? 'fwcert.test').replace(/\.$/, '');
  const dir = mkdtempSync(join(tmpdir(), 'fwcert-bind-'));
  const port = await freePort();
  const secret = randomBytes(32).toString('base64');
  const keyName = 'fwcert-test-key';
  const hosts = (opts.hosts ?? []).map((h) => (h.endsWith(`.${zone}`) || h === zone ? h : `${h}.${zone}`));

  writeFileSync(join(dir, 'db.zone'), [
    '$TTL 60',
    `@ IN SOA ns1.${zone}. hostmaster.${zone}. ( 1 60 60 600 30 )`,
    `@ IN NS ns1.${zone}.`,
    `ns1.${zone}. IN A 127.0.0.1`,
    ...hosts.map((h) => `${h}. IN A 127.0.0.1`),
    '',
  ].join('\n'));
  writeFileSync(join(dir, 'named.conf'), `
options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
  allow-transfer { none; };
};
controls { };
key "${keyName}" { algorithm hmac-sha256; secret "${secret}"; };
zone "${zone}" {
  type primary;
  file "${dir}/db.zone";
  update-policy { grant ${keyName} zonesub TXT; };
};
`);

  const child: ChildProcess = spawn(NAMED, ['-g', '-4', '-c', join(dir, 'named.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));

  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  const close = stopper(child, dir);

  // Ready when it answers the zone's SOA.
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      await close();
      throw new Error(`named exited (${child.exitCode}):\n${output.slice(-3000)}`);
    }
    try {
      await resolver.resolveSoa(zone);
      break;
    } catch {
      if (Date.now() > deadline) {
        await close();
        throw new Error(`named did not answer on 127.0.0.1:${port} within 15 s:\n${output.slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return {
    zone,
    port,
    address: `127.0.0.1:${port}`,
    tsig: { name: keyName, algorithm: 'hmac-sha256', secret },
    async txt(name: string) {
      try {
        return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'ENODATA' || code === 'ENOTFOUND') return [];
        throw e;
      }
    },
    close,
  };
}
