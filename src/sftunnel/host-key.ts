// SSH host key pinning: an OpenSSH-style SHA-256 fingerprint ("SHA256:<base64>", as
// `ssh-keygen -lf` prints it) or an OpenSSH known_hosts file (plain or hashed "|1|salt|hash"
// host names, "[host]:port" for ports other than 22). ssh2 calls the verifier during key
// exchange, before user authentication, so a mismatch ends the connection before any password
// or key is sent. There is no trust on first use.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type HostKeyPin = { sha256: string } | { knownHostsFile: string };

export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Accepts "SHA256:abc", "abc" (base64), and tolerates missing/extra '=' padding. */
export function normaliseFingerprint(f: string): string {
  return `SHA256:${f.trim().replace(/^SHA256:/i, '').replace(/=+$/, '')}`;
}

function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function matchesHostPattern(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return pattern.split(',').some((p) => p === name);
}

/** The key blobs known_hosts lists for host:port (markers such as @revoked make a key never match). */
export function knownHostKeys(text: string, host: string, port: number): Buffer[] {
  const name = knownHostName(host, port);
  const out: Buffer[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    if (parts[0]!.startsWith('@')) continue;
    const [hosts, , b64] = parts;
    if (hosts && b64 && matchesHostPattern(hosts, name)) out.push(Buffer.from(b64, 'base64'));
  }
  return out;
}

/** Returns the verifier ssh2 calls with the server's key blob, and records why it refused. */
export function hostVerifier(pin: HostKeyPin, host: string, port: number): { verify: (key: Buffer) => boolean; refusal: () => string | undefined } {
  let refusal: string | undefined;
  const verify = (key: Buffer): boolean => {
    const seen = sshFingerprint(key);
    if ('sha256' in pin) {
      if (normaliseFingerprint(pin.sha256) === seen) return true;
      refusal = `SSH host key of ${host}:${port} is ${seen}, not the pinned ${normaliseFingerprint(pin.sha256)}: stopped before logging in`;
      return false;
    }
    let text: string;
    try {
      text = readFileSync(pin.knownHostsFile, 'utf8');
    } catch (e) {
      refusal = `known_hosts ${pin.knownHostsFile} cannot be read (${(e as NodeJS.ErrnoException).code}): stopped before logging in`;
      return false;
    }
    const keys = knownHostKeys(text, host, port);
    if (keys.some((k) => k.equals(key))) return true;
    refusal = keys.length
      ? `SSH host key of ${host}:${port} (${seen}) differs from the one in ${pin.knownHostsFile}: stopped before logging in`
      : `${knownHostName(host, port)} is not in ${pin.knownHostsFile} (its key is ${seen}): stopped before logging in`;
    return false;
  };
  return { verify, refusal: () => refusal };
}
