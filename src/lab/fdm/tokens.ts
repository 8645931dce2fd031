// POST /api/fdm/<ver>/fdm/token: password, refresh_token, revoke_token and custom_token grants
// (reference §2). Tokens are HS256 JWTs with the claims decoded from recorded FDM tokens; the
// server also keeps a table so refresh tokens can turn "obsolete" and tokens can be revoked.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { AUTH_FAILED, REFRESH_OBSOLETE, tokenError } from './errors.js';

interface Pair {
  username: string;
  /** JWT "sub": the user, or desired_subject for custom tokens. */
  subject: string;
  origin: 'password' | 'custom';
  jti: string;
  userUuid: string;
  accessToken: string;
  refreshToken: string;
  accessExpMs: number;
  refreshExpMs: number;
  accessRevoked: boolean;
  /** A refresh token is usable once: refreshing makes it obsolete. */
  refreshState: 'valid' | 'obsolete' | 'revoked';
}

export interface TokenLifetimes {
  accessTtlS: number;
  refreshTtlS: number;
}

export interface TokenGrantResponse {
  access_token: string;
  expires_in: number;
  token_type: 'Bearer';
  refresh_token: string;
  refresh_expires_in: number;
}

const MAX_CUSTOM_EXPIRES_IN = 31536000; // DevNet token-token

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export class TokenService {
  private readonly secret = randomBytes(32);
  private readonly byAccess = new Map<string, Pair>();
  private readonly byRefresh = new Map<string, Pair>();
  private readonly userUuids = new Map<string, string>();

  constructor(
    private readonly users: { username: string; password: string }[],
    private readonly lifetimes: () => TokenLifetimes & { maxSessions: number | null },
  ) {}

  /** Dispatches on grant_type; throws FdmHttpError(400) exactly where FDM answers 400. */
  grant(body: Record<string, unknown>): TokenGrantResponse | { message: 'OK'; status_code: 200 } {
    switch (body.grant_type) {
      case 'password':
        return this.passwordGrant(body);
      case 'refresh_token':
        return this.refreshGrant(body);
      case 'revoke_token':
        return this.revoke(body);
      case 'custom_token':
        return this.customGrant(body);
      default:
        // Inferred wording: no sample of an unknown grant type exists.
        throw tokenError(`Unsupported grant_type: ${String(body.grant_type ?? '')}`);
    }
  }

  /** The user behind a valid access token, or null (missing, unknown, expired, revoked). */
  verifyAccess(token: string | undefined): { username: string } | null {
    if (!token) return null;
    const pair = this.byAccess.get(token);
    if (!pair || pair.accessRevoked || Date.now() >= pair.accessExpMs) return null;
    if (!this.signatureOk(token)) return null;
    return { username: pair.username };
  }

  /** Every access token issued so far stops working now; refresh tokens keep working. */
  expireAllAccess(): void {
    const now = Date.now();
    for (const pair of this.byAccess.values()) pair.accessExpMs = Math.min(pair.accessExpMs, now - 1);
  }

  /** Forget every token (the FDM web server restarted). */
  invalidateAll(): void {
    this.byAccess.clear();
    this.byRefresh.clear();
  }

  liveSessions(): number {
    const now = Date.now();
    let n = 0;
    for (const p of this.byRefresh.values()) if (p.refreshState === 'valid' && now < p.refreshExpMs) n++;
    return n;
  }

  private passwordGrant(body: Record<string, unknown>): TokenGrantResponse {
    const user = this.users.find((u) => u.username === body.username);
    if (!user || typeof body.password !== 'string' || !safeEqual(user.password, body.password)) {
      throw tokenError(AUTH_FAILED);
    }
    const max = this.lifetimes().maxSessions;
    // Inferred wording: the reference documents no session limit; the knob makes one testable.
    if (max !== null && this.liveSessions() >= max) throw tokenError('Maximum number of concurrent sessions reached');
    return this.issue(user.username, user.username, 'password', randomUUID());
  }

  private refreshGrant(body: Record<string, unknown>): TokenGrantResponse {
    const rt = typeof body.refresh_token === 'string' ? body.refresh_token : '';
    const pair = this.byRefresh.get(rt);
    if (!pair || pair.refreshState !== 'valid' || Date.now() >= pair.refreshExpMs || !this.signatureOk(rt)) {
      throw tokenError(REFRESH_OBSOLETE);
    }
    pair.refreshState = 'obsolete';
    // Recorded refreshes keep the jti of the pair they replace.
    return this.issue(pair.username, pair.subject, pair.origin, pair.jti);
  }

  private revoke(body: Record<string, unknown>): { message: 'OK'; status_code: 200 } {
    const caller = this.passwordPair(body.access_token);
    const target = body.token_to_revoke;
    const subject = body.custom_token_subject_to_revoke;
    if (!caller || (target === undefined) === (subject === undefined)) throw tokenError(AUTH_FAILED);
    if (typeof target === 'string') {
      const asAccess = this.byAccess.get(target);
      const asRefresh = this.byRefresh.get(target);
      if (!asAccess && !asRefresh) throw tokenError('Invalid token to revoke');
      if (asAccess) asAccess.accessRevoked = true;
      if (asRefresh) {
        asRefresh.refreshState = 'revoked';
        asRefresh.accessRevoked = true;
      }
    } else {
      for (const p of this.byAccess.values()) {
        if (p.origin === 'custom' && p.subject === subject) {
          p.accessRevoked = true;
          p.refreshState = 'revoked';
        }
      }
    }
    return { message: 'OK', status_code: 200 };
  }

  private customGrant(body: Record<string, unknown>): TokenGrantResponse {
    const caller = this.passwordPair(body.access_token);
    if (!caller) throw tokenError(AUTH_FAILED);
    const expiresIn = Number(body.desired_expires_in);
    const refreshIn = Number(body.desired_refresh_expires_in ?? expiresIn);
    const subject = typeof body.desired_subject === 'string' ? body.desired_subject : '';
    if (!subject || !Number.isInteger(expiresIn) || expiresIn <= 0 || expiresIn > MAX_CUSTOM_EXPIRES_IN) {
      throw tokenError('Invalid custom token request');
    }
    return this.issue(caller.username, subject, 'custom', randomUUID(), { accessTtlS: expiresIn, refreshTtlS: refreshIn });
  }

  private passwordPair(token: unknown): Pair | null {
    if (typeof token !== 'string') return null;
    const pair = this.byAccess.get(token);
    if (!pair || pair.origin !== 'password' || pair.accessRevoked || Date.now() >= pair.accessExpMs) return null;
    return pair;
  }

  private issue(
    username: string,
    subject: string,
    origin: Pair['origin'],
    jti: string,
    ttl: TokenLifetimes = this.lifetimes(),
  ): TokenGrantResponse {
    const nowMs = Date.now();
    const iat = Math.floor(nowMs / 1000);
    const accessExpMs = nowMs + ttl.accessTtlS * 1000;
    const refreshExpMs = nowMs + ttl.refreshTtlS * 1000;
    let userUuid = this.userUuids.get(username);
    if (!userUuid) {
      userUuid = randomUUID();
      this.userUuids.set(username, userUuid);
    }
    const common = { userUuid, userRole: 'ROLE_ADMIN', origin, username };
    const accessToken = this.sign({
      iat, sub: subject, jti, nbf: iat, exp: Math.floor(accessExpMs / 1000),
      refreshTokenExpiresAt: refreshExpMs, tokenType: 'JWT_Access', ...common,
    });
    const refreshToken = this.sign({
      iat, sub: subject, jti, nbf: iat, exp: Math.floor(refreshExpMs / 1000),
      accessTokenExpiresAt: accessExpMs, refreshCount: -1, tokenType: 'JWT_Refresh', ...common,
    });
    const pair: Pair = {
      username, subject, origin, jti, userUuid, accessToken, refreshToken, accessExpMs, refreshExpMs,
      accessRevoked: false, refreshState: 'valid',
    };
    this.byAccess.set(accessToken, pair);
    this.byRefresh.set(refreshToken, pair);
    return {
      access_token: accessToken,
      expires_in: ttl.accessTtlS,
      token_type: 'Bearer',
      refresh_token: refreshToken,
      refresh_expires_in: ttl.refreshTtlS,
    };
  }

  private sign(claims: Record<string, unknown>): string {
    // Recorded FDM tokens carry the header {"alg":"HS256"} and nothing else.
    const head = b64url(JSON.stringify({ alg: 'HS256' }));
    const body = b64url(JSON.stringify(claims));
    const sig = createHmac('sha256', this.secret).update(`${head}.${body}`).digest('base64url');
    return `${head}.${body}.${sig}`;
  }

  private signatureOk(token: string): boolean {
    const parts = token.split('.');
    if (parts.length !== 3) return false;
    const expected = createHmac('sha256', this.secret).update(`${parts[0]}.${parts[1]}`).digest('base64url');
    return safeEqual(expected, parts[2]!);
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
