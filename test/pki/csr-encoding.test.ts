// createCsr encodes the request itself around names @peculiar/x509 encodes, and signs with
// node:crypto. It must give what @peculiar/x509's own generator gives: byte for byte for RSA
// (PKCS#1 v1.5 signatures are deterministic), and for ECDSA the same signed content and algorithm,
// with a signature that verifies (ECDSA signatures are randomized). csr.test.ts checks with openssl.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCsr, generateKeyPair, type KeySpec } from '../../src/pki/index.js';
import { childrenOf, readTlv } from '../../src/pki/der.js';
import { importSigner } from '../../src/pki/keys.js';
import { sanExtension, sanListFor, subjectToName } from '../../src/pki/names.js';
import { pemToDer } from '../../src/pki/pem.js';
import type { SubjectSpec } from '../../src/pki/types.js';
import { x509 } from '../../src/pki/x509-lib.js';

/** The request as @peculiar/x509's generator makes it (how createCsr made it before). */
async function reference(subject: SubjectSpec, sansIn: string[], keyPem: string): Promise<Buffer> {
  const sans = sanListFor(subject.cn, sansIn);
  const signer = await importSigner(keyPem);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectToName(subject),
    keys: { privateKey: signer.privateKey, publicKey: signer.publicKey },
    signingAlgorithm: signer.algorithm,
    extensions: sans.length ? [sanExtension(sans)] : [],
  });
  return Buffer.from(csr.rawData);
}

/** [CertificationRequestInfo, AlgorithmIdentifier] bytes of a request. */
function signedPart(der: Buffer): Buffer[] {
  const [info, alg] = childrenOf(der, readTlv(der, 0));
  return [der.subarray(info!.start, info!.end), der.subarray(alg!.start, alg!.end)];
}

const SUBJECT: SubjectSpec = { cn: 'vpn.example.com', o: 'Example, Inc.', ou: 'Net+Sec', l: 'Springfield', st: 'Oregon', c: 'US', email: 'pki@example.com' };
const CASES: { key: KeySpec; subject: SubjectSpec; sans: string[] }[] = [
  { key: { type: 'rsa', size: 2048 }, subject: SUBJECT, sans: ['portal.example.com', '192.0.2.10', '2001:db8::10'] },
  { key: { type: 'rsa', size: 3072 }, subject: { cn: 'Not a host name' }, sans: [] },
  { key: { type: 'ecdsa', curve: 'P-256' }, subject: SUBJECT, sans: ['portal.example.com'] },
  { key: { type: 'ecdsa', curve: 'P-384' }, subject: { o: 'Only O' }, sans: ['a.example.com', '10.0.0.1'] },
  { key: { type: 'ecdsa', curve: 'P-521' }, subject: { cn: 'x.example.com' }, sans: [] },
];

describe('createCsr encodes what @peculiar/x509 generates', () => {
  for (const c of CASES) {
    it(`${c.key.type === 'rsa' ? `RSA ${c.key.size}` : `ECDSA ${c.key.curve}`}, ${c.sans.length} SAN(s)`, async () => {
      const { privateKeyPem } = await generateKeyPair(c.key);
      const pem = await createCsr({ subject: c.subject, sans: c.sans, key: c.key }, privateKeyPem);
      assert.match(pem, /^-----BEGIN CERTIFICATE REQUEST-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE REQUEST-----\n$/);
      const ours = pemToDer(pem, 'CERTIFICATE REQUEST');
      const theirs = await reference(c.subject, c.sans, privateKeyPem);
      if (c.key.type === 'rsa') assert.deepEqual(ours, theirs);
      else assert.deepEqual(signedPart(ours), signedPart(theirs));
      assert.equal(await new x509.Pkcs10CertificateRequest(ours).verify(), true);
    });
  }

  it('a key of another kind than asked for, or one fwcert cannot sign with, is refused as before', async () => {
    const { privateKeyPem } = await generateKeyPair({ type: 'ecdsa', curve: 'P-256' });
    await assert.rejects(createCsr({ subject: { cn: 'a.example.com' }, sans: [], key: { type: 'rsa', size: 2048 } }, privateKeyPem), /the private key is ECDSA-P-256 but RSA-2048 was asked for/);
    const { generateKeyPairSync } = await import('node:crypto');
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await assert.rejects(createCsr({ subject: { cn: 'a.example.com' }, sans: [], key: { type: 'rsa', size: 2048 } }, ed), /cannot sign with a ed25519 key/);
  });
});
