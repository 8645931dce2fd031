// An ed25519 SSH host key for the lab's SSH servers, made with node:crypto and written in the
// OpenSSH formats by hand. ssh2's own utils.generateKeyPairSync('ed25519') strips every leading
// zero byte of the public key (lib/keygen.js, "Remove leading zero bytes"), so about one key in
// 256 comes out 31 bytes long and utils.parseKey rejects it as "Malformed OpenSSH public key"
// (mscdex/ssh2 issues #1390 and #1513): a lab that failed to start now and then.
// Formats: the public key blob is RFC 8709 section 4 (string "ssh-ed25519", string key[32]); the
// private key is OpenSSH's PROTOCOL.key "openssh-key-v1", unencrypted (cipher and kdf "none").
import { createPrivateKey, randomBytes } from 'node:crypto';

export interface SshHostKeyPair {
  /** "-----BEGIN OPENSSH PRIVATE KEY-----" text, what ssh2's Server takes as a host key. */
  privateKey: string;
  /** The public key blob as sent during key exchange (what fingerprints and known_hosts use). */
  publicBlob: Buffer;
  /** "ssh-ed25519 AAAA..." */
  publicLine: string;
}

const TYPE = 'ssh-ed25519';

function sshString(b: Buffer | string): Buffer {
  const data = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** Encodes a raw 32-byte ed25519 key pair (seed and public key) in the OpenSSH formats. */
export function encodeEd25519(seed: Buffer, pub: Buffer, comment = 'fwcert-lab'): SshHostKeyPair {
  if (seed.length !== 32 || pub.length !== 32) throw new Error(`ed25519 keys are 32 bytes (seed ${seed.length}, public ${pub.length})`);
  const publicBlob = Buffer.concat([sshString(TYPE), sshString(pub)]);
  const check = randomBytes(4).readUInt32BE();
  let secret = Buffer.concat([uint32(check), uint32(check), sshString(TYPE), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  // Padded with 1, 2, 3, ... to the cipher block size (8 for "none").
  const pad = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'), sshString('none'), sshString('none'), sshString(''), uint32(1), sshString(publicBlob), sshString(secret),
  ]);
  const b64 = body.toString('base64').replace(/.{1,70}/g, '$&\n');
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}-----END OPENSSH PRIVATE KEY-----\n`,
    publicBlob,
    publicLine: `${TYPE} ${publicBlob.toString('base64')}`,
  };
}

/** PKCS#8 DER of an Ed25519 private key up to its 32-byte seed (RFC 8410 section 7). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The raw 32-byte ed25519 public key of a 32-byte seed. */
export function ed25519PublicKey(seed: Buffer): Buffer {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  // JWK gives the raw 32-byte public key (x) without any DER to unwrap.
  return Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url');
}

/** A random seed and its public key. Not generateKeyPairSync('ed25519') + a JWK export: on Node 20 a
 *  garbage collection during the export can free the key's generation job, whose destructor waits for
 *  the lock the export holds (the process hung for good, seen in test/sftunnel/host-key-pair.test.ts). */
export function generateEd25519HostKey(): SshHostKeyPair {
  const seed = randomBytes(32);
  return encodeEd25519(seed, ed25519PublicKey(seed));
}
