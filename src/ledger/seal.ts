// Encrypts values kept at rest in the ledger (pending-order private keys, ACME account keys).
// Key: scrypt(passphrase) when one is configured, else a random key file beside the ledger (0600).
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export class Sealer {
  private constructor(private readonly key: Buffer, readonly keyId: string) {}

  static fromPassphrase(passphrase: string, salt: Buffer): Sealer {
    return new Sealer(scryptSync(passphrase, salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }), 'passphrase');
  }

  static fromKeyFile(path: string): Sealer {
    if (!existsSync(path)) {
      writeFileSync(path, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    }
    chmodSync(path, 0o600);
    return new Sealer(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64'), 'keyfile');
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return `v1.${this.keyId}.${Buffer.concat([iv, c.getAuthTag(), body]).toString('base64')}`;
  }

  unseal(sealed: string): string {
    const [v, keyId, data] = sealed.split('.');
    if (v !== 'v1' || !data) throw new Error('sealed value has an unknown format');
    if (keyId !== this.keyId) {
      throw new Error(`sealed with the ${keyId === 'passphrase' ? 'secrets passphrase' : 'ledger key file'}, which is not in use now`);
    }
    const buf = Buffer.from(data, 'base64');
    const d = createDecipheriv('aes-256-gcm', this.key, buf.subarray(0, 12));
    d.setAuthTag(buf.subarray(12, 28));
    try {
      return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8');
    } catch {
      throw new Error('cannot unseal a ledger value: wrong passphrase or a corrupt ledger');
    }
  }
}
