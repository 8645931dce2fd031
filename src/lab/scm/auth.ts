// SCM authentication (reference §2): headers login + password + customerUri on /api/...;
// on /private/api/... a TLS client certificate (matched by SHA-256 fingerprint) + login +
// customerUri, no password. Any mismatch: 401 {"code":-16,"description":"Unknown user"}.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { unknownUser } from './errors.js';
import type { ScmUser } from './types.js';

const normFingerprint = (fp: string) => fp.replace(/[:\s]/g, '').toUpperCase();

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Returns the login of the authenticated user or throws the 401. */
export function authenticate(req: IncomingMessage, viaPrivate: boolean, users: ScmUser[], customerUri: string): string {
  const login = header(req, 'login');
  const uri = header(req, 'customerUri');
  if (!login || uri !== customerUri) throw unknownUser();
  const user = users.find((u) => u.login === login);
  if (!user) throw unknownUser();
  if (viaPrivate) {
    const peer = (req.socket as TLSSocket).getPeerCertificate?.();
    const fp = peer && 'fingerprint256' in peer ? peer.fingerprint256 : undefined;
    if (!fp || !user.clientCertFingerprint) throw unknownUser();
    if (normFingerprint(fp) !== normFingerprint(user.clientCertFingerprint)) throw unknownUser();
    return user.login;
  }
  const password = header(req, 'password');
  if (user.password === undefined || password === undefined || !sameSecret(password, user.password)) throw unknownUser();
  return user.login;
}
