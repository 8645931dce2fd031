// parseCertificate and parseCsr read most facts with node's native parser and only the Names and
// SAN / basicConstraints with @peculiar/x509 (pki/der.ts). These tests hold them to the facts a full
// @peculiar/x509 parse gives (the reference below), on certificates from pki/ and from openssl with
// the shapes real devices hold: v1 without extensions, multi-valued RDNs, escaped names, e-mail and
// URI SANs next to DNS/IP ones, a serial with its top bit set, GeneralizedTime dates after 2049.
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createCa, createCsr, generateKeyPair, issueCertificate, parseCertificate, parseCsr } from '../../src/pki/index.js';
import { loadCsr } from '../../src/pki/csr.js';
import { describeKey, describeKeySpec, keySpecOf, keySpecOfSpki } from '../../src/pki/keys.js';
import { nameToSubject, sansOf, sansOfEncoded } from '../../src/pki/names.js';
import { subjectAltNames } from '../../src/pki/der.js';
import { certificateDer } from '../../src/pki/pem.js';
import { x509 } from '../../src/pki/x509-lib.js';
import { csrSanExtension } from '../../src/pki/csr.js';
import { openssl, tempDir } from './helpers.js';

const tmp = tempDir();
after(() => tmp.remove());

/** The facts as a full @peculiar/x509 parse gives them (how parseCertificate read them before). */
function reference(pem: string) {
  const der = certificateDer(pem);
  const cert = new x509.X509Certificate(der);
  const spki = Buffer.from(cert.publicKey.rawData);
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  return {
    serial: cert.serialNumber.toUpperCase(),
    subject: nameToSubject(cert.subjectName),
    subjectDn: cert.subject,
    issuerDn: cert.issuer,
    issuerCn: cert.issuerName.getField('CN')[0],
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    sans: sansOf(cert.getExtension(x509.SubjectAlternativeNameExtension)),
    keySpec: keySpecOf(key),
    keyDescription: describeKey(key),
    publicKeySha256: createHash('sha256').update(spki).digest('hex'),
    fingerprintSha256: createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':'),
    isCa: cert.getExtension(x509.BasicConstraintsExtension)?.ca ?? false,
    selfIssued: Buffer.from(cert.subjectName.toArrayBuffer()).equals(Buffer.from(cert.issuerName.toArrayBuffer())),
  };
}

function csrReference(pem: string) {
  const csr = loadCsr(pem);
  const spki = Buffer.from(csr.publicKey.rawData);
  return {
    subject: nameToSubject(csr.subjectName),
    sans: sansOf(csrSanExtension(csr)),
    keySpec: keySpecOf(createPublicKey({ key: spki, format: 'der', type: 'spki' })),
    publicKeySha256: createHash('sha256').update(spki).digest('hex'),
  };
}

function withoutPem<T extends { pem: string }>(info: T): Omit<T, 'pem'> {
  const { pem: _pem, ...rest } = info;
  return rest;
}

const certs: Record<string, string> = {};
const csrs: Record<string, string> = {};

function opensslOut(args: string[]): void {
  const r = openssl(args);
  assert.equal(r.status, 0, r.stderr);
}

before(async () => {
  const root = await createCa({ subject: { cn: 'Parse Root', o: 'fwcert lab', c: 'US' }, key: { type: 'ecdsa', curve: 'P-384' }, days: 3650 });
  const inter = await createCa({ subject: { cn: 'Parse Issuing CA', o: 'fwcert lab' }, key: { type: 'rsa', size: 2048 }, days: 1825, issuer: root });
  const leafKey = await generateKeyPair({ type: 'ecdsa', curve: 'P-256' });
  const csr = await createCsr(
    { subject: { cn: 'vpn.example.com', o: 'Example, Inc.', ou: 'Net+Sec', c: 'US', email: 'pki@example.com' }, sans: ['portal.example.com', '192.0.2.10', '2001:db8::10'], key: { type: 'ecdsa', curve: 'P-256' } },
    leafKey.privateKeyPem,
  );
  csrs['pki/ CSR'] = csr;
  certs['root CA'] = root.certPem;
  certs['intermediate CA (RSA)'] = inter.certPem;
  certs['leaf, serial with the top bit set, dates 1999 and 2051'] = await issueCertificate({
    csrPem: csr, issuerCertPem: inter.certPem, issuerKeyPem: inter.keyPem, serialHex: '8011223344',
    notBefore: new Date('1999-03-04T01:02:03Z'), notAfter: new Date('2051-01-05T00:00:00Z'),
  });

  const key = tmp.file('k.pem', (await generateKeyPair({ type: 'rsa', size: 2048 })).privateKeyPem);
  const v3 = tmp.file('v3.pem', '');
  opensslOut(['req', '-x509', '-key', key, '-out', v3, '-days', '30', '-set_serial', '0x80112233',
    '-subj', '/C=US/O=Ex, Inc+OU=Unit/CN=a.example.com/emailAddress=x@example.com',
    '-addext', 'subjectAltName=DNS:a.example.com,IP:2001:db8::1,email:x@example.com,URI:https://x.example,DNS:b.example.com']);
  const reqNoExt = tmp.file('plain.csr', '');
  opensslOut(['req', '-new', '-key', key, '-subj', '/CN=v1 host/O=#Hash/OU= lead', '-out', reqNoExt]);
  const v1 = tmp.file('v1.pem', '');
  opensslOut(['x509', '-req', '-in', reqNoExt, '-signkey', key, '-days', '30', '-set_serial', '0x00ff', '-out', v1]);
  const reqExt = tmp.file('ext.csr', '');
  opensslOut(['req', '-new', '-key', key, '-subj', '/CN=host.example.com/O=A\\, B', '-addext', 'subjectAltName=IP:192.0.2.1,DNS:host.example.com', '-addext', 'keyUsage=digitalSignature', '-out', reqExt]);
  const { readFileSync } = await import('node:fs');
  certs['openssl v3: multi-valued RDN, e-mail and URI SANs'] = readFileSync(v3, 'utf8');
  certs['openssl v1: no extensions'] = readFileSync(v1, 'utf8');
  csrs['openssl CSR without extensions'] = readFileSync(reqNoExt, 'utf8');
  csrs['openssl CSR with two extensions'] = readFileSync(reqExt, 'utf8');
  csrs['openssl CSR, older "NEW CERTIFICATE REQUEST" label'] = readFileSync(reqExt, 'utf8').replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST');
});

describe('parseCertificate gives the facts of a full X.509 parse', () => {
  for (const name of [
    'root CA', 'intermediate CA (RSA)', 'leaf, serial with the top bit set, dates 1999 and 2051',
    'openssl v3: multi-valued RDN, e-mail and URI SANs', 'openssl v1: no extensions',
  ]) {
    it(name, () => {
      const pem = certs[name]!;
      const info = parseCertificate(pem);
      assert.deepEqual(withoutPem(info), reference(pem));
      assert.deepEqual(certificateDer(info.pem), certificateDer(pem));
    });
  }

  it('spot checks: the values themselves, not only their agreement', () => {
    const leaf = parseCertificate(certs['leaf, serial with the top bit set, dates 1999 and 2051']!);
    assert.equal(leaf.serial, '8011223344');
    assert.equal(leaf.notAfter.toISOString(), '2051-01-05T00:00:00.000Z');
    assert.deepEqual(leaf.sans, ['vpn.example.com', 'portal.example.com', '192.0.2.10', '2001:db8::10']);
    assert.equal(leaf.issuerCn, 'Parse Issuing CA');
    assert.equal(leaf.isCa, false);
    const v3 = parseCertificate(certs['openssl v3: multi-valued RDN, e-mail and URI SANs']!);
    assert.equal(v3.serial, '80112233');
    assert.deepEqual(v3.sans, ['a.example.com', '2001:db8::1', 'b.example.com']);
    assert.deepEqual(v3.subject, { c: 'US', o: 'Ex, Inc', ou: 'Unit', cn: 'a.example.com', email: 'x@example.com' });
    assert.equal(v3.selfIssued, true);
    assert.equal(v3.isCa, true);
    assert.equal(parseCertificate(certs['openssl v1: no extensions']!).serial, 'FF');
  });

  it('a corrupt certificate is a clear error', () => {
    const pem = certs['root CA']!;
    const b64 = pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    const cut = `-----BEGIN CERTIFICATE-----\n${b64.slice(0, 120)}\n-----END CERTIFICATE-----\n`;
    assert.throws(() => parseCertificate(cut), /unreadable certificate/);
    assert.throws(() => parseCertificate('no pem here'), /no "CERTIFICATE" PEM block/);
  });
});

describe('the kind of a key read from its SubjectPublicKeyInfo DER', () => {
  it('agrees with node for the keys fwcert makes; leaves others to node', () => {
    const keys: [string, ReturnType<typeof generateKeyPairSync>['publicKey']][] = [
      ...[1024, 2047, 2048, 3072].map((n) => [`rsa ${n}`, generateKeyPairSync('rsa', { modulusLength: n }).publicKey] as [string, never]),
      ...['prime256v1', 'secp384r1', 'secp521r1', 'secp256k1'].map((c) => [c, generateKeyPairSync('ec', { namedCurve: c }).publicKey] as [string, never]),
      ['ed25519', generateKeyPairSync('ed25519').publicKey],
      ['rsa-pss', generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey],
    ];
    for (const [name, key] of keys) {
      const spki = key.export({ type: 'spki', format: 'der' });
      assert.deepEqual(keySpecOfSpki(spki), keySpecOf(key), name);
      const spec = keySpecOfSpki(spki);
      if (spec) assert.equal(describeKeySpec(spec), describeKey(key), name);
    }
    assert.deepEqual(keySpecOfSpki(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' })), { type: 'rsa', size: 2048 });
    assert.deepEqual(keySpecOfSpki(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'der' })), { type: 'ecdsa', curve: 'P-384' });
  });

  it('truncated or trailing bytes are not read as a key', () => {
    const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
    assert.equal(keySpecOfSpki(spki.subarray(0, spki.length - 1)), undefined);
    assert.equal(keySpecOfSpki(Buffer.concat([spki, Buffer.from([0])])), undefined);
    assert.equal(keySpecOfSpki(Buffer.from('3000', 'hex')), undefined);
  });
});

describe('subjectAltName entries read from DER', () => {
  const ext = (names: string) => {
    const seq = `30${(names.length / 2).toString(16).padStart(2, '0')}${names}`;
    const octets = `04${(seq.length / 2).toString(16).padStart(2, '0')}${seq}`;
    const body = `0603551d11${octets}`;
    return Buffer.from(`30${(body.length / 2).toString(16).padStart(2, '0')}${body}`, 'hex');
  };

  it('DNS names and IPv4/IPv6 addresses as @peculiar/x509 reads them; other GeneralNames skipped', () => {
    const der = ext('820161' + '8704c0000201' + '810d782e6578616d706c652e636f6d' + '871020010db8000000000000000000000001');
    assert.deepEqual(sansOfEncoded(der), ['a', '192.0.2.1', '2001:db8::1']);
    assert.deepEqual(sansOfEncoded(der), sansOf(new x509.SubjectAlternativeNameExtension(der)));
  });

  it('an iPAddress of another length is left to @peculiar/x509', () => {
    const der = ext('8708c0000200ffffff00');
    assert.equal(subjectAltNames(der), undefined);
    assert.deepEqual(sansOfEncoded(der), sansOf(new x509.SubjectAlternativeNameExtension(der)));
  });
});

describe('parseCsr gives the facts of a full PKCS#10 parse', () => {
  for (const name of ['pki/ CSR', 'openssl CSR without extensions', 'openssl CSR with two extensions', 'openssl CSR, older "NEW CERTIFICATE REQUEST" label']) {
    it(name, () => {
      const pem = csrs[name]!;
      assert.deepEqual(parseCsr(pem), csrReference(pem));
    });
  }

  it('spot checks and errors', () => {
    assert.deepEqual(parseCsr(csrs['openssl CSR with two extensions']!).sans, ['192.0.2.1', 'host.example.com']);
    assert.deepEqual(parseCsr(csrs['openssl CSR without extensions']!).sans, []);
    assert.throws(() => parseCsr('not a csr'), /not a PEM certificate request/);
    assert.throws(() => parseCsr('-----BEGIN CERTIFICATE REQUEST-----\nMIIBAA==\n-----END CERTIFICATE REQUEST-----\n'), /unreadable certificate request/);
  });
});
