import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import {
  createCa,
  createCsr,
  generateKeyPair,
  issueCertificate,
  orderChain,
  parseCertificate,
  splitPemCertificates,
} from '../../src/pki/index.js';

type Pair = { certPem: string; keyPem: string };
let root: Pair;
let inter1: Pair;
let inter2: Pair;
let leaf: string;
let otherRoot: Pair;
let otherLeaf: string;

const cn = (pem: string) => parseCertificate(pem).subject.cn;

async function leafFrom(issuer: Pair, name: string): Promise<string> {
  const key = (await generateKeyPair({ type: 'ecdsa', curve: 'P-256' })).privateKeyPem;
  const csr = await createCsr({ subject: { cn: name }, sans: [], key: { type: 'ecdsa', curve: 'P-256' } }, key);
  return issueCertificate({ csrPem: csr, issuerCertPem: issuer.certPem, issuerKeyPem: issuer.keyPem });
}

before(async () => {
  root = await createCa({ subject: { cn: 'Root' }, days: 100 });
  inter1 = await createCa({ subject: { cn: 'Intermediate 1' }, days: 100, issuer: root, pathLength: 1 });
  inter2 = await createCa({ subject: { cn: 'Intermediate 2' }, days: 100, issuer: inter1 });
  leaf = await leafFrom(inter2, 'leaf.example.com');
  otherRoot = await createCa({ subject: { cn: 'Other Root' }, days: 100 });
  otherLeaf = await leafFrom(otherRoot, 'other.example.com');
});

describe('orderChain', () => {
  it('orders a root-first bundle leaf first', () => {
    const r = orderChain([root.certPem, inter1.certPem, inter2.certPem, leaf]);
    assert.equal(cn(r.leaf), 'leaf.example.com');
    assert.deepEqual(r.chain.map(cn), ['Intermediate 2', 'Intermediate 1', 'Root']);
  });

  it('orders every shuffle the same way', () => {
    const all = [leaf, inter2.certPem, inter1.certPem, root.certPem];
    const shuffles = [
      [inter1.certPem, leaf, root.certPem, inter2.certPem],
      [root.certPem, leaf, inter2.certPem, inter1.certPem],
      [inter2.certPem, root.certPem, inter1.certPem, leaf],
    ];
    for (const s of shuffles) {
      const r = orderChain(s);
      assert.deepEqual([r.leaf, ...r.chain].map(cn), all.map(cn));
    }
  });

  it('reads one bundle string with several blocks, CRLF and text around them, and drops duplicates', () => {
    const bundle = `subject=CN = Root\r\n${root.certPem.replace(/\n/g, '\r\n')}\r\n\r\n${inter2.certPem}${inter1.certPem}`;
    const r = orderChain([bundle, leaf, root.certPem, leaf]);
    assert.deepEqual([r.leaf, ...r.chain].map(cn), ['leaf.example.com', 'Intermediate 2', 'Intermediate 1', 'Root']);
  });

  it('accepts a chain without its root, and a single certificate', () => {
    assert.deepEqual(orderChain([inter1.certPem, leaf, inter2.certPem]).chain.map(cn), ['Intermediate 2', 'Intermediate 1']);
    const single = orderChain([leaf]);
    assert.equal(cn(single.leaf), 'leaf.example.com');
    assert.deepEqual(single.chain, []);
  });

  it('throws for an empty set', () => {
    assert.throws(() => orderChain([]), /no certificates given/);
    assert.throws(() => orderChain(['no pem here']), /no certificates given/);
  });

  it('throws for two leaves', () => {
    assert.throws(() => orderChain([leaf, otherLeaf, inter2.certPem]), /not one chain, 2 end certificates/);
  });

  it('throws for a stray certificate, naming it', () => {
    assert.throws(() => orderChain([leaf, inter2.certPem, inter1.certPem, root.certPem, otherRoot.certPem]), /not one chain, 2 end certificates: .*"CN=Other Root"/);
  });

  it('throws for a gap in the chain (intermediate missing)', () => {
    assert.throws(() => orderChain([leaf, inter1.certPem]), /not one chain, 2 end certificates/);
  });
});

describe('orderChain with a cross-signed intermediate', () => {
  it('follows one path and drops the alternative copy and its issuer', async () => {
    const cross = await createCa({ subject: { cn: 'Intermediate 2' }, days: 100, issuer: otherRoot, keyPem: inter2.keyPem });
    for (const input of [
      [root.certPem, cross.certPem, otherRoot.certPem, inter1.certPem, inter2.certPem, leaf],
      [leaf, inter2.certPem, inter1.certPem, root.certPem, cross.certPem, otherRoot.certPem],
    ]) {
      const r = orderChain(input);
      assert.equal(cn(r.leaf), 'leaf.example.com');
      const path = [r.leaf, ...r.chain].map((p) => new X509Certificate(p));
      for (let i = 1; i < path.length; i++) assert.ok(path[i - 1]!.checkIssued(path[i]!), `element ${i} issued element ${i - 1}`);
      assert.ok(path.at(-1)!.subject === path.at(-1)!.issuer, 'ends at a root');
    }
  });

  it('throws for certificates that issued each other but have nothing to do with the leaf', async () => {
    const a = await createCa({ subject: { cn: 'Loop A' }, days: 10 });
    const b = await createCa({ subject: { cn: 'Loop B' }, days: 10 });
    const aByB = await createCa({ subject: { cn: 'Loop A' }, days: 10, issuer: b, keyPem: a.keyPem, pathLength: 1 });
    const bByA = await createCa({ subject: { cn: 'Loop B' }, days: 10, issuer: a, keyPem: b.keyPem, pathLength: 1 });
    assert.throws(() => orderChain([leaf, inter2.certPem, aByB.certPem, bByA.certPem]), /"CN=Loop [AB]" is not an issuer of "CN=leaf.example.com"/);
  });
});

describe('splitPemCertificates', () => {
  it('returns every certificate block normalised, ignoring other blocks and text', () => {
    const text = `junk\r\n${leaf.replace(/\n/g, '\r\n')}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n${root.certPem}`;
    const blocks = splitPemCertificates(text);
    assert.deepEqual(blocks, [leaf, root.certPem]);
  });
});
