import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import {
  createCa,
  createCsr,
  fromPkcs12,
  generateKeyPair,
  issueCertificate,
  parseCertificate,
  pkcs12Certificates,
  toPkcs12,
} from '../../src/pki/index.js';
import { openssl, tempDir } from './helpers.js';

const tmp = tempDir();
const PASS = 'p12 pass; "quoted" $x';
type Pair = { certPem: string; keyPem: string };
let root: Pair;
let inter: Pair;
let leafKey: string;
let leaf: string;
let server: Server | undefined;

after(async () => {
  tmp.remove();
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
});

before(async () => {
  root = await createCa({ subject: { cn: 'P12 Root' }, days: 30 });
  inter = await createCa({ subject: { cn: 'P12 Issuing CA' }, key: { type: 'rsa', size: 2048 }, days: 30, issuer: root });
  leafKey = (await generateKeyPair({ type: 'rsa', size: 3072 })).privateKeyPem;
  const csr = await createCsr({ subject: { cn: 'localhost' }, sans: ['127.0.0.1'], key: { type: 'rsa', size: 3072 } }, leafKey);
  leaf = await issueCertificate({ csrPem: csr, issuerCertPem: inter.certPem, issuerKeyPem: inter.keyPem });
});

const cn = (pem: string) => parseCertificate(pem).subject.cn;

describe('toPkcs12', () => {
  it('writes a file openssl reads with the passphrase: key, leaf first, then the chain', () => {
    const file = tmp.file('out.p12', toPkcs12({ keyPem: leafKey, certPem: leaf, chainPem: [inter.certPem, root.certPem], passphrase: PASS }));
    const info = openssl(['pkcs12', '-in', file, '-passin', `pass:${PASS}`, '-info', '-noout']);
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stderr, /MAC: sha256/);
    assert.match(info.stderr, /AES-256-CBC/);
    const out = openssl(['pkcs12', '-in', file, '-passin', `pass:${PASS}`, '-nodes']);
    assert.equal(out.status, 0, out.stderr);
    const certs = [...out.stdout.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g)].map((m) => m[0]);
    assert.deepEqual(certs.map(cn), ['localhost', 'P12 Issuing CA', 'P12 Root']);
    const key = /-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----\n/.exec(out.stdout)?.[0];
    assert.equal(key, leafKey);
    const wrong = openssl(['pkcs12', '-in', file, '-passin', 'pass:wrong', '-noout']);
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stderr, /mac verify (error|failure)/i);
  });

  it('certificatesInClear: openssl reads it like -certpbe NONE; its certificates are readable without the passphrase, the key is not', () => {
    const p12 = toPkcs12({ keyPem: leafKey, certPem: leaf, chainPem: [inter.certPem], passphrase: PASS, certificatesInClear: true });
    const file = tmp.file('clear.p12', p12);
    const out = openssl(['pkcs12', '-in', file, '-passin', `pass:${PASS}`, '-nodes']);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /-----BEGIN PRIVATE KEY-----/);
    assert.deepEqual(pkcs12Certificates(p12).map(cn), ['localhost', 'P12 Issuing CA']);
    assert.equal(fromPkcs12(p12, PASS).keyPem, leafKey);
    assert.throws(() => fromPkcs12(p12, 'wrong'), /wrong passphrase/);
    assert.deepEqual(pkcs12Certificates(toPkcs12({ keyPem: leafKey, certPem: leaf, passphrase: PASS })), [], 'encrypted certificates stay unreadable');
  });

  it('serves TLS from Node\'s pfx option; the client sees the leaf and its chain', async () => {
    const pfx = toPkcs12({ keyPem: leafKey, certPem: leaf, chainPem: [inter.certPem], passphrase: PASS });
    server = createServer({ pfx, passphrase: PASS }, (s) => s.end('ok'));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const peer = await new Promise<{ fp: string; issuer: string | undefined }>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, ca: root.certPem }, () => {
        const c = s.getPeerCertificate(true);
        resolve({ fp: c.fingerprint256, issuer: c.issuerCertificate?.subject?.CN as string | undefined });
        s.end();
      });
      s.on('error', reject);
    });
    assert.equal(peer.fp, parseCertificate(leaf).fingerprintSha256);
    assert.equal(peer.issuer, 'P12 Issuing CA');
  });

  it('refuses a key that does not belong to the certificate, and an empty passphrase', async () => {
    const otherKey = (await generateKeyPair({ type: 'ecdsa', curve: 'P-256' })).privateKeyPem;
    assert.throws(() => toPkcs12({ keyPem: otherKey, certPem: leaf, passphrase: PASS }), /private key does not belong to the certificate/);
    assert.throws(() => toPkcs12({ keyPem: leafKey, certPem: leaf, passphrase: '' }), /non-empty passphrase/);
  });
});

describe('fromPkcs12', () => {
  it('round-trips its own files', () => {
    const p12 = toPkcs12({ keyPem: leafKey, certPem: leaf, chainPem: [root.certPem, inter.certPem], passphrase: PASS });
    const r = fromPkcs12(p12, PASS);
    assert.equal(r.keyPem, leafKey);
    assert.equal(r.certPem, leaf);
    assert.deepEqual(r.chainPem.map(cn), ['P12 Issuing CA', 'P12 Root'], 'issuer first, whatever order the file had');
  });

  const exportArgs = (extra: string[]) => [
    'pkcs12', '-export',
    '-inkey', tmp.file('k.pem', leafKey),
    // openssl puts the leaf wherever; the chain file lists root first like CA bundles do
    '-in', tmp.file('leaf.pem', leaf),
    '-certfile', tmp.file('chain.pem', root.certPem + inter.certPem),
    '-passout', `pass:${PASS}`,
    '-out', `${tmp.dir}/from-openssl.p12`,
    ...extra,
  ];

  it('reads what openssl 3 writes by default (AES-256, SHA-256 MAC)', () => {
    const r0 = openssl(exportArgs([]));
    assert.equal(r0.status, 0, r0.stderr);
    const r = fromPkcs12(readFileSync(`${tmp.dir}/from-openssl.p12`), PASS);
    assert.equal(r.keyPem, leafKey);
    assert.equal(cn(r.certPem), 'localhost');
    assert.deepEqual(r.chainPem.map(cn), ['P12 Issuing CA', 'P12 Root']);
  });

  it('reads the legacy 3DES / SHA-1 MAC files older devices export', () => {
    const r0 = openssl(exportArgs(['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']));
    assert.equal(r0.status, 0, r0.stderr);
    assert.match(openssl(['pkcs12', '-in', `${tmp.dir}/from-openssl.p12`, '-passin', `pass:${PASS}`, '-info', '-noout']).stderr, /pbeWithSHA1And3-KeyTripleDES-CBC/);
    const r = fromPkcs12(readFileSync(`${tmp.dir}/from-openssl.p12`), PASS);
    assert.equal(r.keyPem, leafKey);
    assert.equal(cn(r.certPem), 'localhost');
  });

  it('reads a file whose key bag is not encrypted (openssl -keypbe NONE)', () => {
    const r0 = openssl(exportArgs(['-keypbe', 'NONE']));
    assert.equal(r0.status, 0, r0.stderr);
    assert.equal(fromPkcs12(readFileSync(`${tmp.dir}/from-openssl.p12`), PASS).keyPem, leafKey);
  });

  it('handles a non-ASCII passphrase the way openssl does, both directions', () => {
    const utf8 = 'pässwörd €';
    const ours = tmp.file('utf8.p12', toPkcs12({ keyPem: leafKey, certPem: leaf, passphrase: utf8 }));
    const r = openssl(['pkcs12', '-in', ours, '-passin', `pass:${utf8}`, '-nodes', '-noout']);
    assert.equal(r.status, 0, r.stderr);
    const r0 = openssl([...exportArgs([]).map((a) => (a === `pass:${PASS}` ? `pass:${utf8}` : a))]);
    assert.equal(r0.status, 0, r0.stderr);
    assert.equal(fromPkcs12(readFileSync(`${tmp.dir}/from-openssl.p12`), utf8).keyPem, leafKey);
  });

  it('a wrong passphrase says so, without the passphrase', () => {
    const p12 = toPkcs12({ keyPem: leafKey, certPem: leaf, passphrase: PASS });
    assert.throws(() => fromPkcs12(p12, 'p12 pass; "quoted" $y'), (e: Error) => e.message === 'PKCS#12: wrong passphrase or corrupt file');
    assert.throws(() => fromPkcs12(Buffer.from('not a pkcs12 file'), PASS), /PKCS#12: malformed/);
  });
});
