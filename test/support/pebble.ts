// Starts Debian's Pebble (a small ACME test CA, apt-get install pebble) on random 127.0.0.1 ports,
// resolving names through a given DNS server (our BIND), with its HTTPS certificate made by pki.
// Also: a stand-in "renewalInfo" (ARI) front for Pebble, which has no ARI of its own in 2.4.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCsr, createSelfSigned, generateKeyPair } from '../../src/pki/index.js';
import type { CsrSpec } from '../../src/pki/types.js';
import { freePorts } from './bind.js';
import { stopper } from './process.js';

const PEBBLE = process.env.FWCERT_TEST_PEBBLE ?? '/usr/bin/pebble';

export interface PebbleOptions {
  /** "127.0.0.1:PORT" of the DNS server Pebble's validator asks. */
  dnsServer: string;
  /** kid -> base64url HMAC key; when given, accounts need External Account Binding. */
  eabKeys?: Record<string, string>;
  /** Extra chains to other roots (PEBBLE_ALTERNATE_ROOTS). */
  alternateRoots?: number;
}

export interface PebbleHandle {
  /** ACME directory URL. */
  directory: string;
  /** Pebble's own HTTPS certificate: trust it via tls.caPem. */
  caPem: string;
  /** Port Pebble's validator uses for http-01 (connects to <name>:httpPort). */
  httpPort: number;
  /** PEM of root / intermediate `i` from the management API (0 = default chain). */
  root(i?: number): Promise<string>;
  intermediate(i?: number): Promise<string>;
  /** Management API: revocation status by serial (hex). */
  certStatus(serialHex: string): Promise<{ Status: string; Reason?: number }>;
  close(): Promise<void>;
}

export function httpsGet(url: string, caPem: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca: caPem, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function startPebble(opts: PebbleOptions): Promise<PebbleHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'fwcert-pebble-'));
  const tls = await createSelfSigned({ cn: 'pebble test', sans: ['127.0.0.1', 'localhost'], days: 2 });
  writeFileSync(join(dir, 'cert.pem'), tls.certPem);
  writeFileSync(join(dir, 'key.pem'), tls.keyPem, { mode: 0o600 });
  const [port, mgmtPort, httpPort, tlsPort] = (await freePorts(4)) as [number, number, number, number];
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    pebble: {
      listenAddress: `127.0.0.1:${port}`,
      managementListenAddress: `127.0.0.1:${mgmtPort}`,
      certificate: join(dir, 'cert.pem'),
      privateKey: join(dir, 'key.pem'),
      httpPort,
      tlsPort,
      ocspResponderURL: '',
      externalAccountBindingRequired: !!opts.eabKeys,
      externalAccountMACKeys: opts.eabKeys ?? {},
    },
  }));

  const child: ChildProcess = spawn(PEBBLE, ['-config', join(dir, 'config.json'), '-dnsserver', opts.dnsServer], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_WFE_NONCEREJECT: '0',
      PEBBLE_AUTHZREUSE: '100',
      ...(opts.alternateRoots ? { PEBBLE_ALTERNATE_ROOTS: String(opts.alternateRoots) } : {}),
    },
  });
  let output = '';
  child.stdout?.on('data', (d) => (output = (output + d).slice(-20_000)));
  child.stderr?.on('data', (d) => (output = (output + d).slice(-20_000)));
  const close = stopper(child, dir);

  const directory = `https://127.0.0.1:${port}/dir`;
  const mgmt = `https://127.0.0.1:${mgmtPort}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      await close();
      throw new Error(`pebble exited (${child.exitCode}):\n${output.slice(-3000)}`);
    }
    const ok = await httpsGet(directory, tls.certPem).then((r) => r.status === 200, () => false);
    const mgmtOk = ok && (await httpsGet(`${mgmt}/roots/0`, tls.certPem).then((r) => r.status === 200, () => false));
    if (mgmtOk) break;
    if (Date.now() > deadline) {
      await close();
      throw new Error(`pebble did not serve ${directory} within 15 s:\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const mgmtGet = async (path: string) => {
    const r = await httpsGet(`${mgmt}${path}`, tls.certPem);
    if (r.status !== 200) throw new Error(`pebble management ${path}: HTTP ${r.status} ${r.body}`);
    return r.body;
  };
  return {
    directory,
    caPem: tls.certPem,
    httpPort,
    root: (i = 0) => mgmtGet(`/roots/${i}`),
    intermediate: (i = 0) => mgmtGet(`/intermediates/${i}`),
    certStatus: async (serialHex) => JSON.parse(await mgmtGet(`/cert-status-by-serial/${serialHex}`)) as { Status: string; Reason?: number },
    close,
  };
}

export interface AriFrontHandle {
  /** Directory URL of the front: Pebble's directory plus `renewalInfo`. */
  directory: string;
  /** Trust both this and Pebble's certificate. */
  caPem: string;
  /** Decoded JWS payloads of every newOrder request that went through the front. */
  newOrders: Array<Record<string, unknown>>;
  /** certIDs asked for at renewalInfo. */
  renewalInfoAsked: string[];
  /** The window to serve for a certID (others get 404). */
  setWindow(certId: string, window: { start: string; end: string }): void;
  /** Answer newOrder requests that carry `replaces` with 409 alreadyReplaced (as a CA may). */
  rejectReplaces: boolean;
  close(): Promise<void>;
}

/**
 * An HTTPS reverse proxy in front of Pebble that keeps the Host header (so Pebble writes the
 * front's URLs into its directory and Location headers, and JWS "url" checks pass), adds
 * `renewalInfo` to the directory, serves it, and records newOrder payloads.
 */
export async function startAriFront(pebble: PebbleHandle): Promise<AriFrontHandle> {
  const tls = await createSelfSigned({ cn: 'ari front', sans: ['127.0.0.1'], days: 2 });
  const target = new URL(pebble.directory);
  const windows = new Map<string, { start: string; end: string }>();
  const newOrders: Array<Record<string, unknown>> = [];
  const renewalInfoAsked: string[] = [];
  let origin = '';
  const handle: AriFrontHandle = {
    directory: '',
    caPem: `${tls.certPem}\n${pebble.caPem}`,
    newOrders,
    renewalInfoAsked,
    setWindow: (id, w) => windows.set(id, w),
    rejectReplaces: false,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const server = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      if (path.startsWith('/renewal-info/')) {
        const id = decodeURIComponent(path.slice('/renewal-info/'.length));
        renewalInfoAsked.push(id);
        const w = windows.get(id);
        if (!w) {
          res.writeHead(404, { 'content-type': 'application/problem+json' });
          res.end(JSON.stringify({ type: 'urn:ietf:params:acme:error:malformed', detail: `unknown certID ${id}`, status: 404 }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json', 'retry-after': '21600' });
        res.end(JSON.stringify({ suggestedWindow: w }));
        return;
      }
      if (req.method === 'POST' && path === '/order-plz') {
        let payload: Record<string, unknown> = {};
        try {
          const jws = JSON.parse(body.toString('utf8')) as { payload: string };
          payload = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as Record<string, unknown>;
        } catch {
          /* Pebble will complain about it */
        }
        newOrders.push(payload);
        if (handle.rejectReplaces && payload.replaces) {
          res.writeHead(409, { 'content-type': 'application/problem+json' });
          res.end(JSON.stringify({ type: 'urn:ietf:params:acme:error:alreadyReplaced', detail: `${String(payload.replaces)} was already replaced`, status: 409 }));
          return;
        }
      }
      const headers: IncomingHttpHeaders = { ...req.headers };
      const up = httpsRequest(
        { host: target.hostname, port: target.port, method: req.method, path, headers, ca: pebble.caPem, servername: undefined },
        (upRes) => {
          const parts: Buffer[] = [];
          upRes.on('data', (c: Buffer) => parts.push(c));
          upRes.on('end', () => {
            let out = Buffer.concat(parts);
            const h = { ...upRes.headers };
            if (path === target.pathname && upRes.statusCode === 200) {
              const dirJson = JSON.parse(out.toString('utf8')) as Record<string, unknown>;
              dirJson.renewalInfo = `${origin}/renewal-info`;
              out = Buffer.from(JSON.stringify(dirJson));
            }
            delete h['content-length'];
            delete h['transfer-encoding'];
            res.writeHead(upRes.statusCode ?? 502, { ...h, 'content-length': String(out.length) });
            res.end(out);
          });
        },
      );
      up.on('error', (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  origin = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  Object.assign(handle, { directory: `${origin}${target.pathname}` });
  return handle;
}

/** The IssuerContext store as an in-memory map that remembers which values were sealed. */
export function memoryStore() {
  const values = new Map<string, string>();
  const sealed = new Set<string>();
  return {
    values,
    sealed,
    get: (k: string) => values.get(k),
    set(k: string, v: string, seal?: boolean) {
      values.set(k, v);
      if (seal) sealed.add(k);
      else sealed.delete(k);
    },
  };
}

/** A fresh ECDSA P-256 key and CSR for `names` (first name is the CN). */
export async function newCsr(names: string[]): Promise<{ csrPem: string; csr: CsrSpec; keyPem: string }> {
  const csr: CsrSpec = { subject: { cn: names[0]! }, sans: names, key: { type: 'ecdsa', curve: 'P-256' } };
  const key = await generateKeyPair(csr.key);
  return { csrPem: await createCsr(csr, key.privateKeyPem), csr, keyPem: key.privateKeyPem };
}

function withPemFiles<T>(files: Record<string, string>, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'fwcert-openssl-'));
  try {
    for (const [name, pem] of Object.entries(files)) writeFileSync(join(dir, name), pem);
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl verify -CAfile root -untrusted chain leaf`: returns openssl's output, throws when it fails. */
export function opensslVerify(rootPem: string, chainPems: string[], leafPem: string): string {
  return withPemFiles({ 'root.pem': rootPem, 'chain.pem': chainPems.join('\n'), 'leaf.pem': leafPem }, (dir) =>
    execFileSync('openssl', ['verify', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'chain.pem'), join(dir, 'leaf.pem')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
  );
}

/** RFC 9773 certID computed with openssl (independently of the driver's ASN.1 code). */
export function opensslAriCertId(leafPem: string): string {
  const text = withPemFiles({ 'leaf.pem': leafPem }, (dir) =>
    execFileSync('openssl', ['x509', '-in', join(dir, 'leaf.pem'), '-noout', '-serial', '-ext', 'authorityKeyIdentifier'], { encoding: 'utf8' }),
  );
  let serial = /serial=([0-9A-F]+)/i.exec(text)![1]!;
  if (serial.length % 2) serial = `0${serial}`;
  if (parseInt(serial.slice(0, 2), 16) >= 0x80) serial = `00${serial}`; // DER keeps INTEGERs positive
  const aki = /Authority Key Identifier:\s*\n\s*(?:keyid:)?([0-9A-F:]+)/i.exec(text)![1]!.replace(/:/g, '');
  return `${Buffer.from(aki, 'hex').toString('base64url')}.${Buffer.from(serial, 'hex').toString('base64url')}`;
}
