import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createCsr, generateKeyPair, parseCsr, type KeySpec } from '../../src/pki/index.js';
import { openssl, opensslDer, tempDir } from './helpers.js';

const tmp = tempDir();
after(() => tmp.remove());

interface Case {
  key: KeySpec;
  keyLine: RegExp;
  signature: string;
}
const CASES: Case[] = [
  { key: { type: 'rsa', size: 2048 }, keyLine: /Public-Key: \(2048 bit\)/, signature: 'sha256WithRSAEncryption' },
  { key: { type: 'rsa', size: 3072 }, keyLine: /Public-Key: \(3072 bit\)/, signature: 'sha256WithRSAEncryption' },
  { key: { type: 'rsa', size: 4096 }, keyLine: /Public-Key: \(4096 bit\)/, signature: 'sha256WithRSAEncryption' },
  { key: { type: 'ecdsa', curve: 'P-256' }, keyLine: /NIST CURVE: P-256/, signature: 'ecdsa-with-SHA256' },
  { key: { type: 'ecdsa', curve: 'P-384' }, keyLine: /NIST CURVE: P-384/, signature: 'ecdsa-with-SHA384' },
  { key: { type: 'ecdsa', curve: 'P-521' }, keyLine: /NIST CURVE: P-521/, signature: 'ecdsa-with-SHA512' },
];

const SUBJECT = { cn: 'vpn.example.com', o: 'Example, Inc.', ou: 'Network', l: 'Springfield', st: 'Oregon', c: 'US', email: 'pki@example.com' };

/** "Subject: C = US, ST = Oregon, ..." and the SAN line from `openssl req -text`. */
function opensslFields(text: string): { subject: string; sans: string } {
  const subject = /Subject: (.*)/.exec(text)?.[1]?.trim() ?? '';
  const sans = /X509v3 Subject Alternative Name:.*\n\s*(.*)/.exec(text)?.[1]?.trim() ?? '';
  return { subject, sans };
}

describe('createCsr: every key type gives a CSR openssl verifies', () => {
  for (const c of CASES) {
    const label = c.key.type === 'rsa' ? `RSA ${c.key.size}` : `ECDSA ${c.key.curve}`;
    it(label, async () => {
      const { privateKeyPem } = await generateKeyPair(c.key);
      assert.match(privateKeyPem, /^-----BEGIN PRIVATE KEY-----/, 'PKCS#8 PEM');
      const csr = await createCsr({ subject: SUBJECT, sans: ['portal.example.com', '192.0.2.10', '2001:db8::10'], key: c.key }, privateKeyPem);
      const file = tmp.file(`${label.replace(/\W/g, '')}.csr`, csr);
      const r = openssl(['req', '-verify', '-noout', '-text', '-in', file]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr + r.stdout, /verify OK/);
      const { subject, sans } = opensslFields(r.stdout);
      assert.equal(
        subject,
        'C = US, ST = Oregon, L = Springfield, O = "Example, Inc.", OU = Network, CN = vpn.example.com, emailAddress = pki@example.com',
      );
      assert.equal(sans, 'DNS:vpn.example.com, DNS:portal.example.com, IP Address:192.0.2.10, IP Address:2001:DB8:0:0:0:0:0:10');
      assert.match(r.stdout, c.keyLine);
      assert.match(r.stdout, new RegExp(`Signature Algorithm: ${c.signature}`));

      const info = parseCsr(csr);
      assert.deepEqual(info.subject, SUBJECT);
      assert.deepEqual(info.sans, ['vpn.example.com', 'portal.example.com', '192.0.2.10', '2001:db8::10']);
      assert.deepEqual(info.keySpec, c.key);
      // publicKeySha256 is the SHA-256 of the SPKI DER that openssl extracts from the request.
      const spkiPem = openssl(['req', '-in', file, '-noout', '-pubkey']).stdout;
      const spkiDer = opensslDer(['pkey', '-pubin', '-outform', 'DER'], spkiPem);
      assert.equal(info.publicKeySha256, createHash('sha256').update(spkiDer).digest('hex'));
    });
  }
});

describe('createCsr: names', () => {
  let ecKey: string;
  before(async () => {
    ecKey = (await generateKeyPair({ type: 'ecdsa', curve: 'P-256' })).privateKeyPem;
  });
  const key: KeySpec = { type: 'ecdsa', curve: 'P-256' };

  it('does not repeat the CN when it is already a SAN, whatever its case', async () => {
    const csr = await createCsr({ subject: { cn: 'fw.example.com' }, sans: ['FW.example.com', 'b.example.com'], key }, ecKey);
    assert.deepEqual(parseCsr(csr).sans, ['fw.example.com', 'b.example.com']);
  });

  it('adds an IP-address CN as an IP SAN', async () => {
    const csr = await createCsr({ subject: { cn: '10.1.2.3' }, sans: [], key }, ecKey);
    assert.deepEqual(parseCsr(csr).sans, ['10.1.2.3']);
  });

  it('keeps a CN that is not a host name out of the SANs', async () => {
    const csr = await createCsr({ subject: { cn: 'Edge Firewall Portal' }, sans: ['vpn.example.com'], key }, ecKey);
    const info = parseCsr(csr);
    assert.equal(info.subject.cn, 'Edge Firewall Portal');
    assert.deepEqual(info.sans, ['vpn.example.com']);
  });

  it('accepts a wildcard name', async () => {
    const csr = await createCsr({ subject: { cn: '*.example.com' }, sans: [], key }, ecKey);
    assert.deepEqual(parseCsr(csr).sans, ['*.example.com']);
  });

  it('rejects names that are neither DNS names nor IP addresses', async () => {
    await assert.rejects(createCsr({ subject: { cn: 'a.example.com' }, sans: ['bad name.example.com'], key }, ecKey), /invalid subjectAltName "bad name.example.com"/);
    await assert.rejects(createCsr({ subject: { cn: 'a.example.com' }, sans: ['-x.example.com'], key }, ecKey), /invalid subjectAltName/);
    await assert.rejects(createCsr({ subject: { cn: 'a.example.com' }, sans: [''], key }, ecKey), /empty subjectAltName/);
  });

  it('rejects an empty subject field, a bad country code and a CSR without any name', async () => {
    await assert.rejects(createCsr({ subject: { cn: '' }, sans: ['a.example.com'], key }, ecKey), /subject cn must not be empty/);
    await assert.rejects(createCsr({ subject: { cn: 'a.example.com', c: 'USA' }, sans: [], key }, ecKey), /two-letter/);
    await assert.rejects(createCsr({ subject: { o: 'Example' }, sans: [], key }, ecKey), /needs a subject CN or at least one subjectAltName/);
    await assert.rejects(createCsr({ subject: { cn: 'x'.repeat(65) }, sans: [], key }, ecKey), /at most 64/);
  });

  it('refuses a key that is not the kind the profile asks for', async () => {
    await assert.rejects(
      createCsr({ subject: { cn: 'a.example.com' }, sans: [], key: { type: 'ecdsa', curve: 'P-384' } }, ecKey),
      /private key is ECDSA-P-256 but ECDSA-P-384 was asked for/,
    );
  });
});

describe('generateKeyPair: validation', () => {
  it('rejects unsupported sizes, curves and types with the allowed values', async () => {
    await assert.rejects(generateKeyPair({ type: 'rsa', size: 1024 as 2048 }), /unsupported RSA key size 1024: allowed 2048, 3072, 4096/);
    await assert.rejects(generateKeyPair({ type: 'ecdsa', curve: 'P-192' as 'P-256' }), /unsupported ECDSA curve P-192: allowed P-256, P-384, P-521/);
    await assert.rejects(generateKeyPair({ type: 'dsa' } as unknown as KeySpec), /unsupported key type dsa/);
  });
});
