import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createCa,
  createCsr,
  decryptPrivateKey,
  encryptPrivateKey,
  generateKeyPair,
  issueCertificate,
  keyMatchesCertificate,
  publicKeyOfCsrMatchesCertificate,
} from '../../src/pki/index.js';
import { openssl, tempDir } from './helpers.js';

const tmp = tempDir();
after(() => tmp.remove());

const PASSPHRASE = 'Correct horse; battery "staple" $1';
let ca: { certPem: string; keyPem: string };
let keyA: string;
let keyB: string;
let csrA: string;
let csrB: string;
let certA: string;

before(async () => {
  ca = await createCa({ subject: { cn: 'Pair Test CA' }, days: 30 });
  keyA = (await generateKeyPair({ type: 'rsa', size: 2048 })).privateKeyPem;
  keyB = (await generateKeyPair({ type: 'rsa', size: 2048 })).privateKeyPem;
  csrA = await createCsr({ subject: { cn: 'a.example.com' }, sans: [], key: { type: 'rsa', size: 2048 } }, keyA);
  csrB = await createCsr({ subject: { cn: 'a.example.com' }, sans: [], key: { type: 'rsa', size: 2048 } }, keyB);
  certA = await issueCertificate({ csrPem: csrA, issuerCertPem: ca.certPem, issuerKeyPem: ca.keyPem });
});

describe('key/certificate pair checks', () => {
  it('keyMatchesCertificate: true for the pair, false for another key', () => {
    assert.equal(keyMatchesCertificate(keyA, certA), true);
    assert.equal(keyMatchesCertificate(keyB, certA), false);
  });

  it('keyMatchesCertificate: accepts a PKCS#1 "RSA PRIVATE KEY" from older tools', () => {
    const pkcs1 = openssl(['pkey', '-traditional'], keyA).stdout;
    assert.match(pkcs1, /BEGIN RSA PRIVATE KEY/);
    assert.equal(keyMatchesCertificate(pkcs1, certA), true);
  });

  it('keyMatchesCertificate: a clear error, without the key, for unreadable input', () => {
    assert.throws(() => keyMatchesCertificate('not a key', certA), /not a PEM private key/);
    assert.throws(() => keyMatchesCertificate(keyA, 'not a cert'), /unreadable certificate/);
    const broken = keyA.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!');
    assert.throws(() => keyMatchesCertificate(broken, certA), (e: Error) => !e.message.includes('PRIVATE KEY') && /unreadable private key/.test(e.message));
  });

  it('publicKeyOfCsrMatchesCertificate: true for the CSR the cert was issued from, false otherwise', () => {
    assert.equal(publicKeyOfCsrMatchesCertificate(csrA, certA), true);
    assert.equal(publicKeyOfCsrMatchesCertificate(csrB, certA), false);
  });
});

describe('encrypted private keys', () => {
  it('encryptPrivateKey writes encrypted PKCS#8 that openssl decrypts with the passphrase', () => {
    const enc = encryptPrivateKey(keyA, PASSPHRASE);
    assert.match(enc, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const file = tmp.file('enc.pem', enc);
    const r = openssl(['pkey', '-in', file, '-passin', `pass:${PASSPHRASE}`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, keyA);
    const wrong = openssl(['pkey', '-in', file, '-passin', 'pass:wrong']);
    assert.notEqual(wrong.status, 0);
    assert.match(openssl(['asn1parse', '-in', file]).stdout, /PBES2[\s\S]*hmacWithSHA256[\s\S]*aes-256-cbc/);
  });

  it('decryptPrivateKey reads what openssl encrypts and what encryptPrivateKey writes', () => {
    assert.equal(decryptPrivateKey(encryptPrivateKey(keyB, PASSPHRASE), PASSPHRASE), keyB);
    const fromOpenssl = openssl(['pkey', '-aes256', '-passout', `pass:${PASSPHRASE}`], keyA).stdout;
    assert.equal(decryptPrivateKey(fromOpenssl, PASSPHRASE), keyA);
  });

  it('a wrong passphrase gives a message without the passphrase or the key', () => {
    const enc = encryptPrivateKey(keyA, PASSPHRASE);
    assert.throws(
      () => decryptPrivateKey(enc, 'Correct horse; battery "staple" $2'),
      (e: Error) => e.message === 'cannot decrypt the private key: wrong passphrase or corrupt file',
    );
    assert.throws(() => encryptPrivateKey(keyA, ''), /non-empty passphrase/);
  });
});
