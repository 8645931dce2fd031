// Tokens (§7): generatetoken answers 204 with X-auth-access-token / X-auth-refresh-token / DOMAIN_UUID
// headers; a token lives 30 min and can be refreshed 3 times (Quick Start; fmcapi MAX_REFRESHES = 3);
// a new login by the same user ends that user's earlier session (fmcapi issue #94).
import { randomUUID } from 'node:crypto';

interface Session {
  username: string;
  access: string;
  refresh: string;
  issuedAt: number;
  refreshes: number;
}

export const MAX_REFRESHES = 3;

export class Sessions {
  private readonly byUser = new Map<string, Session>();
  private readonly byAccess = new Map<string, Session>();

  constructor(private readonly ttlS: () => number) {}

  login(username: string): Session {
    this.end(username);
    const s: Session = { username, access: randomUUID(), refresh: randomUUID(), issuedAt: Date.now(), refreshes: 0 };
    this.byUser.set(username, s);
    this.byAccess.set(s.access, s);
    return s;
  }

  /** A new pair for a live session, at most MAX_REFRESHES times; undefined otherwise. */
  refresh(access: string | undefined, refresh: string | undefined): Session | undefined {
    const s = access ? this.byAccess.get(access) : undefined;
    if (!s || s.refresh !== refresh || s.refreshes >= MAX_REFRESHES) return undefined;
    this.byAccess.delete(s.access);
    s.access = randomUUID();
    s.refresh = randomUUID();
    s.issuedAt = Date.now();
    s.refreshes++;
    this.byAccess.set(s.access, s);
    return s;
  }

  verify(access: string | undefined): Session | undefined {
    const s = access ? this.byAccess.get(access) : undefined;
    if (!s) return undefined;
    if (Date.now() - s.issuedAt > this.ttlS() * 1000) return undefined;
    return s;
  }

  end(username: string): void {
    const old = this.byUser.get(username);
    if (old) this.byAccess.delete(old.access);
    this.byUser.delete(username);
  }

  /** Expire every token now (tests of the refresh path). */
  ageAll(ms: number): void {
    for (const s of this.byUser.values()) s.issuedAt -= ms;
  }
}

/** 120 requests per sliding minute (§7); the FMC answers 429 beyond it. */
export class RateWindow {
  private readonly stamps: number[] = [];

  /** True when the call may go ahead (and is counted). */
  admit(limitPerMin: number): boolean {
    const now = Date.now();
    while (this.stamps.length && now - this.stamps[0]! >= 60_000) this.stamps.shift();
    if (this.stamps.length >= limitPerMin) return false;
    this.stamps.push(now);
    return true;
  }

  /** Seconds until the oldest call leaves the window. */
  resetS(): number {
    return this.stamps.length ? Math.max(1, Math.ceil((60_000 - (Date.now() - this.stamps[0]!)) / 1000)) : 1;
  }
}
