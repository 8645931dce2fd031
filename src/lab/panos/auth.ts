// API keys (type=keygen) and request authentication: key= parameter, X-PAN-KEY header, or HTTP
// Basic user:password with no key at all [D-AUTH]. Each key maps to the admin it was made for, so
// candidate changes and commits are attributed to that admin.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { invalidCredential } from './envelope.js';

export interface AdminAccount {
  username: string;
  password: string;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function newKey(): string {
  // Shape of real keys: "LUFRPT1..." base64 with "=" padding, used verbatim [D-KEY].
  return `LUFRPT1${randomBytes(49).toString('base64')}`;
}

export class ApiKeys {
  private readonly keyToAdmin = new Map<string, string>();
  private readonly adminToKey = new Map<string, string>();

  constructor(private readonly admins: AdminAccount[]) {}

  /** Checks credentials; throws the 403 envelope when they are wrong. */
  private login(user: string | undefined, password: string | undefined): string {
    const a = this.admins.find((x) => x.username === user);
    const ok = a !== undefined && password !== undefined && timingSafeEqual(digest(a.password), digest(password));
    if (!ok) throw invalidCredential();
    return a.username;
  }

  /** `rotate` = every keygen makes a new key and kills the user's previous one (pango note);
   * otherwise a still-valid key is returned again (key lifetime 0, *(inferred)* from [D-LIFE]). */
  keygen(user: string | undefined, password: string | undefined, rotate: boolean): string {
    const admin = this.login(user, password);
    const existing = this.adminToKey.get(admin);
    if (existing && !rotate) return existing;
    if (existing) this.keyToAdmin.delete(existing);
    const key = newKey();
    this.keyToAdmin.set(key, admin);
    this.adminToKey.set(admin, key);
    return key;
  }

  /** "Expire all API Keys" [D-LIFE]. */
  expireAll(): void {
    this.keyToAdmin.clear();
    this.adminToKey.clear();
  }

  /** Admin name for a request, or throws 403. */
  authenticate(key: string | undefined, authorization: string | undefined): string {
    if (key !== undefined && key !== '') {
      // A key sent unencoded in a query string loses its "+" to form decoding; accept that form too.
      const admin = this.keyToAdmin.get(key) ?? this.keyToAdmin.get(key.replace(/ /g, '+'));
      if (!admin) throw invalidCredential();
      return admin;
    }
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '');
    if (m) {
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0) return this.login(decoded.slice(0, i), decoded.slice(i + 1));
    }
    throw invalidCredential();
  }

  keyCount(): number {
    return this.keyToAdmin.size;
  }
}
