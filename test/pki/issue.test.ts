import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect, createServer, type Server } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import {
  createCa,
  createCsr,
  createSelfSigned,
  generateKeyPair,
  issueCertificate,
  parseCertificate,
} from '../../src/pki/index.js';
import { openssl, opensslDer, tempDir } from './helpers.js';

const tmp = tempDir();
after(() => tmp.remove());

const DAY = 86_400_000;
let root: { certPem: string; keyPem: string };
let inter: { certPem: string; keyPem: string };
let leafKey: string;
let csr: string;

before(async () => {
  root = await createCa({ subject: { cn: 'fwcert Lab Root', o: 'fwcert lab', c: 'US' }, key: { type: 'ecdsa', curve: 'P-384' }, days: 3650 });
  inter = await createCa({
    subject: { cn: 'fwcert Lab Issuing CA', o: 'fwcert lab' },
    key: { type: 'rsa', size: 2048 },
    days: 1825,
    issuer: root,
  });
  leafKey = (await generateKeyPair({ type: 'ecdsa', curve: 'P-256' })).privateKeyPem;
  csr = await createCsr(
    { subject: { cn: 'vpn.example.com', o: 'Example Inc', c: 'US' }, sans: ['vpn2.example.com', '198.51.100.7'], key: { type: 'ecdsa', curve: 'P-256' } },
    leafKey,
  );
});

function verify(leafPem: string): { status: number | null; out: string } {
  const r = openssl(['verify', '-purpose', 'sslserver', '-CAfile', tmp.file('root.pem', root.certPem), '-untrusted', tmp.file('inter.pem', inter.certPem), tmp.file('leaf.pem', leafPem)]);
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('issueCertificate', () => {
  it('issues a leaf that openssl verifies through the intermediate to the root', async () => {
    const leaf = await issueCertificate({ csrPem: csr, issuerCertPem: inter.certPem, issuerKeyPem: inter.keyPem, days: 90 });
    const v = verify(leaf);
    assert.equal(v.status, 0, v.out);
    assert.match(v.out, /leaf\.pem: OK/);
    const text = openssl(['x509', '-noout', '-text', '-in', tmp.file('leaf.pem', leaf)]).stdout;
    assert.match(text, /TLS Web Server Authentication/);
    assert.match(text, /X509v3 Key Usage: critical\s*\n\s*Digital Signature\n/); // EC key: no key encipherment
    assert.match(text, /X509v3 Authority Key Identifier/);
    assert.match(text, /X509v3 Subject Key Identifier/);
    assert.match(text, /CA:FALSE/);
  });

  it('keeps the CSR key, subject and SANs, and parses back as openssl reads it', async () => {
    const leaf = await issueCertificate({ csrPem: csr, issuerCertPem: inter.certPem, issuerKeyPem: inter.keyPem, days: 90 });
    const file = tmp.file('leaf2.pem', leaf);
    const info = parseCertificate(leaf);
    assert.deepEqual(info.subject, { cn: 'vpn.example.com', o: 'Example Inc', c: 'US' });
    assert.deepEqual(info.sans, ['vpn.example.com', 'vpn2.example.com', '198.51.100.7']);
    assert.equal(info.issuerCn, 'fwcert Lab Issuing CA');
    assert.deepEqual(info.keySpec, { type: 'ecdsa', curve: 'P-256' });
    assert.equal(info.isCa, false);
    assert.equal(info.selfIssued, false);
    assert.equal(`serial=${info.serial}`, openssl(['x509', '-noout', '-serial', '-in', file]).stdout.trim());
    assert.equal(`sha256 Fingerprint=${info.fingerprintSha256}`, openssl(['x509', '-noout', '-fingerprint', '-sha256', '-in', file]).stdout.trim());
    assert.match(info.serial, /^[0-9A-F]{32}$/, '16-byte serial, upper-case hex');
    const spki = opensslDer(['pkey', '-pubin', '-outform', 'DER'], openssl(['x509', '-noout', '-pubkey', '-in', file]).stdout);
    assert.equal(info.publicKeySha256, createHash('sha256').update(spki).digest('hex'));
    const days = (info.notAfter.getTime() - info.notBefore.getTime()) / DAY;
    assert.ok(days > 89.9 && days < 90.1, `about 90 days, got ${days}`);
  });

  it('gives every certificate a different serial', async () => {
    const a = await issueCertificate({ csrPem: csr, issuerCertPem: inter.certPem, issuerKeyPem: inter.keyPem });
    const b = await issueCertificate({ csrPem: csr, issuerCertPem: inter.certPem, issuerKeyPem: inter.keyPem });
    assert.notEqual(parseCertificate(a).serial, parseCertificate(b).serial);
  });

  it('applies overrides: SANs, subject, serial, validity window', async () => {
    const notBefore = new Date('2030-01-01T00:00:00Z');
    const notAfter = new Date('2030-03-01T00:00:00Z');
    const leaf = await issueCertificate({
      csrPem: csr,
      issuerCertPem: inter.certPem,
      issuerKeyPem: inter.keyPem,
      sans: ['other.example.com', '2001:db8::5'],
      subject: { cn: 'other.example.com', o: 'Other' },
      serialHex: '0A1B2C',
      notBefore,
      notAfter,
    });
    const info = parseCertificate(leaf);
    assert.deepEqual(info.sans, ['other.example.com', '2001:db8::5']);
    assert.deepEqual(info.subject, { o: 'Other', cn: 'other.example.com' });
    assert.equal(info.serial, '0A1B2C');
    assert.equal(info.notBefore.toISOString(), notBefore.toISOString());
    assert.equal(info.notAfter.toISOString(), notAfter.toISOString());
  });

  it('sets keyEncipherment for RSA leaf keys', async () => {
    const rsaKey = (await generateKeyPair({ type: 'rsa', size: 2048 })).privateKeyPem;
    const rsaCsr = await createCsr({ subject: { cn: 'rsa.example.com' }, sans: [], key: { type: 'rsa', size: 2048 } }, rsaKey);
    const leaf = await issueCertificate({ csrPem: rsaCsr, issuerCertPem: root.certPem, issuerKeyPem: root.keyPem });
    const text = openssl(['x509', '-noout', '-text', '-in', tmp.file('rsa.pem', leaf)]).stdout;
    assert.match(text, /Digital Signature, Key Encipherment/);
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA384/, 'signed by the P-384 root');
  });

  it('omits the serverAuth EKU when asked', async () => {
    const leaf = await issueCertificate({ csrPem: csr, issuerCertPem: inter.certPem, issuerKeyPem: inter.keyPem, serverAuth: false });
    const text = openssl(['x509', '-noout', '-text', '-in', tmp.file('noeku.pem', leaf)]).stdout;
    assert.doesNotMatch(text, /Extended Key Usage/);
  });

  it('refuses a leaf as issuer, a key that is not the issuer key, and bad input', async () => {
    const leaf = await issueCertificate({ csrPem: csr, issuerCertPem: inter.certPem, issuerKeyPem: inter.keyPem });
    await assert.rejects(issueCertificate({ csrPem: csr, issuerCertPem: leaf, issuerKeyPem: leafKey }), /is not a CA certificate/);
    await assert.rejects(issueCertificate({ csrPem: csr, issuerCertPem: inter.certPem, issuerKeyPem: root.keyPem }), /issuer key does not belong/);
    await assert.rejects(issueCertificate({ csrPem: 'garbage', issuerCertPem: inter.certPem, issuerKeyPem: inter.keyPem }), /not a PEM certificate request/);
    await assert.rejects(issueCertificate({ csrPem: csr, issuerCertPem: inter.certPem, issuerKeyPem: inter.keyPem, days: 0 }), /positive/);
    await assert.rejects(issueCertificate({ csrPem: csr, issuerCertPem: inter.certPem, issuerKeyPem: inter.keyPem, serialHex: 'xyz' }), /invalid serial/);
  });
});

describe('createCa', () => {
  it('makes a self-signed root and an intermediate with CA constraints', () => {
    const r = parseCertificate(root.certPem);
    assert.equal(r.isCa, true);
    assert.equal(r.selfIssued, true);
    assert.deepEqual(r.keySpec, { type: 'ecdsa', curve: 'P-384' });
    const i = parseCertificate(inter.certPem);
    assert.equal(i.isCa, true);
    assert.equal(i.selfIssued, false);
    assert.equal(i.issuerCn, 'fwcert Lab Root');
    const text = openssl(['x509', '-noout', '-text', '-in', tmp.file('inter-text.pem', inter.certPem)]).stdout;
    assert.match(text, /CA:TRUE, pathlen:0/);
    assert.match(text, /Certificate Sign, CRL Sign/);
    const v = openssl(['verify', '-CAfile', tmp.file('root-only.pem', root.certPem), tmp.file('inter-only.pem', inter.certPem)]);
    assert.equal(v.status, 0, v.stderr);
  });

  it('rejects a CA without a name, and a sub-CA under a pathlen 0 intermediate', async () => {
    await assert.rejects(createCa({ subject: {}, days: 10 }), /needs a cn or an o/);
    await assert.rejects(createCa({ subject: { cn: 'Too deep' }, days: 10, issuer: inter }), /pathlen 0 and may not sign CA certificates/);
  });

  it('renews a CA certificate on the same key: leaves it issued verify against the new one', async () => {
    const leaf = await issueCertificate({ csrPem: csr, issuerCertPem: root.certPem, issuerKeyPem: root.keyPem });
    const renewed = await createCa({ subject: { cn: 'fwcert Lab Root', o: 'fwcert lab', c: 'US' }, days: 7300, keyPem: root.keyPem });
    assert.equal(renewed.keyPem, root.keyPem);
    assert.notEqual(parseCertificate(renewed.certPem).serial, parseCertificate(root.certPem).serial);
    const v = openssl(['verify', '-CAfile', tmp.file('renewed.pem', renewed.certPem), tmp.file('old-leaf.pem', leaf)]);
    assert.equal(v.status, 0, v.stderr);
    await assert.rejects(createCa({ subject: { cn: 'x' }, days: 1, keyPem: root.keyPem, key: { type: 'rsa', size: 2048 } }), /keyPem is ECDSA-P-384 but key asks for RSA-2048/);
  });

  it('builds a three-level chain when the intermediate allows it, and openssl verifies it', async () => {
    const policy = await createCa({ subject: { cn: 'Policy CA' }, days: 100, issuer: root, pathLength: 1 });
    const issuing = await createCa({ subject: { cn: 'Issuing CA' }, days: 100, issuer: policy });
    const leaf = await issueCertificate({ csrPem: csr, issuerCertPem: issuing.certPem, issuerKeyPem: issuing.keyPem });
    const v = openssl([
      'verify',
      '-CAfile', tmp.file('root3.pem', root.certPem),
      '-untrusted', tmp.file('chain3.pem', issuing.certPem + policy.certPem),
      tmp.file('leaf3.pem', leaf),
    ]);
    assert.equal(v.status, 0, v.stderr);
  });
});

describe('createSelfSigned', () => {
  let server: Server | undefined;
  after(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('serves TLS that a client trusting exactly this certificate accepts, by IP and by name', async () => {
    const { certPem, keyPem } = await createSelfSigned({ cn: 'localhost', sans: ['127.0.0.1'], days: 30 });
    const info = parseCertificate(certPem);
    assert.deepEqual(info.sans, ['localhost', '127.0.0.1']);
    assert.equal(info.selfIssued, true);
    server = createServer({ cert: certPem, key: keyPem }, (s) => s.end('ok'));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    for (const servername of [undefined, 'localhost']) {
      const fingerprint = await new Promise<string>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port, ca: certPem, servername }, () => {
          resolve(s.getPeerCertificate().fingerprint256);
          s.end();
        });
        s.on('error', reject);
      });
      assert.equal(fingerprint, info.fingerprintSha256);
    }
  });

  it('is refused by a client that does not trust it', async () => {
    const other = await createSelfSigned({ cn: 'localhost', sans: ['127.0.0.1'], days: 30 });
    const port = (server!.address() as { port: number }).port;
    await assert.rejects(
      new Promise((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port, ca: other.certPem }, () => resolve(s.end()));
        s.on('error', reject);
      }),
      /self-signed certificate|self signed/,
    );
  });
});
