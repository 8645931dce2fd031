// The SCM emulator over real HTTPS, called the way SCM clients call Sectigo: header login,
// JSON bodies, collect in every format. Checks the shapes and codes of the reference
// (sectigo-scm-api.md) and that what it issues is a real chain that openssl verifies.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { createLabCa, type LabCa } from '../../src/lab/ca.js';
import { startScmEmulator, type ScmEmulatorHandle } from '../../src/lab/scm/index.js';
import {
  createCsr,
  generateKeyPair,
  parseCertificate,
  publicKeyOfCsrMatchesCertificate,
  splitPemCertificates,
} from '../../src/pki/index.js';
import type { KeySpec } from '../../src/pki/types.js';

const CUSTOMER = 'fwcertlab';
const LOGIN = 'api-admin';
const PASSWORD = 'lab-password-1';
const ORG = 12345;
const RSA: KeySpec = { type: 'rsa', size: 2048 };

let ca: LabCa;
let scm: ScmEmulatorHandle;
let agent: Agent;
let rsaKey: string;
let ecKey: string;
let tmp: string;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  buf: Buffer;
  json<T = any>(): T;
}

async function call(method: string, path: string, opts: { body?: unknown; raw?: string; headers?: Record<string, string>; base?: string; agent?: Agent } = {}): Promise<Answer> {
  const headers: Record<string, string> = opts.headers ?? { login: LOGIN, password: PASSWORD, customerUri: CUSTOMER };
  let body: string | undefined;
  if (opts.raw !== undefined || opts.body !== undefined) {
    headers['content-type'] = 'application/json;charset=UTF-8';
    body = opts.raw ?? JSON.stringify(opts.body);
  }
  const r = await request(`${opts.base ?? scm.baseUrl}${path}`, { method: method as 'GET', headers, body, dispatcher: opts.agent ?? agent });
  const buf = Buffer.from(await r.body.arrayBuffer());
  const text = buf.toString('utf8');
  return { status: r.statusCode, headers: r.headers, text, buf, json: () => JSON.parse(text) };
}

async function csrFor(cn: string, sans: string[] = [], key = rsaKey, spec: KeySpec = RSA): Promise<string> {
  return createCsr({ subject: { cn, o: 'Example Inc', c: 'US' }, sans, key: spec }, key);
}

async function enroll(cn: string, extra: Record<string, unknown> = {}): Promise<{ sslId: number; renewId: string }> {
  const r = await call('POST', '/enroll', { body: { orgId: ORG, csr: await csrFor(cn), certType: 224, term: 365, subjAltNames: cn, ...extra } });
  assert.equal(r.status, 200, r.text);
  return r.json();
}

const callScm = (...a: Parameters<typeof call>) => call(...a);

const cnOf = (pem: string) => parseCertificate(pem).subject.cn;

function openssl(args: string[], input?: string | Buffer) {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8' });
  if (r.error) throw r.error;
  return r;
}

before(async () => {
  ca = await createLabCa();
  scm = await startScmEmulator({ ca, customerUri: CUSTOMER, users: [{ login: LOGIN, password: PASSWORD }] });
  agent = new Agent({ connect: { ca: scm.certPem } });
  rsaKey = (await generateKeyPair(RSA)).privateKeyPem;
  ecKey = (await generateKeyPair({ type: 'ecdsa', curve: 'P-256' })).privateKeyPem;
  tmp = mkdtempSync(join(tmpdir(), 'fwcert-scm-'));
});

after(async () => {
  await agent?.close();
  await scm?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('SCM emulator: authentication', () => {
  it('answers 401 {"code":-16,"description":"Unknown user"} for a wrong password or customerUri', async () => {
    for (const headers of [
      { login: LOGIN, password: 'wrong', customerUri: CUSTOMER },
      { login: LOGIN, password: PASSWORD, customerUri: 'other' },
      { login: 'nobody', password: PASSWORD, customerUri: CUSTOMER },
    ]) {
      const r = await call('GET', '/types', { headers });
      assert.equal(r.status, 401);
      assert.deepEqual(r.json(), { code: -16, description: 'Unknown user' });
      // [OAS] UnauthorizedError: the 401 names the token server in WWW-Authenticate.
      assert.match(String(r.headers['www-authenticate']), /^Bearer .*authorization_uri="https:\/\/[^"]+"/);
    }
  });

  it('serves the same API under /api/ssl/v2', async () => {
    const r = await call('GET', '/types', { base: `${scm.url}/api/ssl/v2` });
    assert.equal(r.status, 200);
    assert.equal(r.json()[0].id, 224);
    assert.deepEqual(r.json()[0].terms, [365, 730]);
  });
});

describe('SCM emulator: enroll and collect', () => {
  it('answers 400 {code 0, "Being processed by Sectigo"} while an SSL order is pending, then delivers the certificate', async () => {
    scm.setKnobs({ pendingPolls: 2 });
    const before = (scm.state() as any).counters.collect;
    const { sslId, renewId } = await enroll('pending.example.com');
    assert.ok(Number.isInteger(sslId));
    assert.match(renewId, /^[A-Za-z0-9]{20}$/);
    for (let i = 0; i < 2; i++) {
      const r = await call('GET', `/collect/${sslId}/x509CO`);
      assert.equal(r.status, 400);
      assert.deepEqual(r.json(), { code: 0, description: 'Being processed by Sectigo' });
    }
    assert.equal((await call('GET', `/${sslId}`)).json().status, 'Applied');
    const r = await call('GET', `/collect/${sslId}/x509CO`);
    assert.equal(r.status, 200);
    assert.equal(cnOf(r.text), 'pending.example.com');
    const d = (await call('GET', `/${sslId}`)).json();
    assert.equal(d.status, 'Issued');
    assert.equal((scm.state() as any).counters.collect - before, 3);
    scm.setKnobs({ pendingPolls: 0 });
  });

  it('uses the pendingCode knob for the pending answer', async () => {
    scm.setKnobs({ pendingPolls: 1, pendingCode: -1400 });
    const { sslId } = await enroll('slow.example.com');
    const r = await call('GET', `/collect/${sslId}?format=pemco`);
    assert.deepEqual(r.json(), { code: -1400, description: 'The request is being processed by Sectigo.' });
    scm.setKnobs({ pendingPolls: 0, pendingCode: 0 });
    assert.equal((await call('GET', `/collect/${sslId}?format=pemco`)).status, 200);
  });

  it('rejects subjAltNames sent as a JSON array with -1002', async () => {
    const r = await call('POST', '/enroll', {
      body: { orgId: ORG, csr: await csrFor('a.example.com'), certType: 224, term: 365, subjAltNames: ['a.example.com', 'b.example.com'] },
    });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json(), { code: -1002, description: 'Cannot parse message body' });
  });

  it('with DCV pre-validation off, enroll and renew need dcvMode (and dcvEmail for EMAIL)', async () => {
    scm.setKnobs({ domainPreValidation: false });
    try {
      const base = { orgId: ORG, csr: await csrFor('dcv.example.com'), certType: 224, term: 365 };
      const none = await call('POST', '/enroll', { body: base });
      assert.equal(none.status, 400);
      assert.deepEqual(none.json(), { code: -7, description: 'dcvMode is required but missing.' });
      const email = await call('POST', '/enroll', { body: { ...base, dcvMode: 'EMAIL' } });
      assert.deepEqual(email.json(), { code: -7, description: 'dcvEmail is required but missing.' });
      assert.equal((await call('POST', '/enroll', { body: { ...base, dcvMode: 'DNS' } })).json().code, -1002);
      const ok = await call('POST', '/enroll', { body: { ...base, dcvMode: 'CNAME' } });
      assert.equal(ok.status, 200, ok.text);
      const { sslId } = ok.json();
      assert.equal((await call('POST', `/renewById/${sslId}`, { raw: '""' })).json().code, -7);
      assert.equal((await call('POST', `/renewById/${sslId}`, { body: { dcvMode: 'EMAIL', dcvEmail: 'admin@example.com' } })).status, 200);
    } finally {
      scm.setKnobs({ domainPreValidation: true });
    }
  });

  it('rejects a term the profile does not offer with -36', async () => {
    const r = await call('POST', '/enroll', { body: { orgId: ORG, csr: await csrFor('a.example.com'), certType: 224, term: 90 } });
    assert.equal(r.status, 400);
    assert.equal(r.json().code, -36);
    assert.equal(r.json().description, 'The validity period (term) is invalid for this certificate profile.');
  });

  it('rejects a broken CSR, an unknown profile and an EC key for an RSA-only profile', async () => {
    const csr = await csrFor('a.example.com');
    const broken = csr.replace(/(-----\n)(....)/, '$1AAAA');
    const bad = await call('POST', '/enroll', { body: { orgId: ORG, csr: broken, certType: 224, term: 365 } });
    assert.equal(bad.status, 400);
    assert.ok([-10, -138].includes(bad.json().code), bad.text);
    const unknownType = await call('POST', '/enroll', { body: { orgId: ORG, csr, certType: 999, term: 365 } });
    assert.deepEqual(unknownType.json(), { code: -111, description: 'No certificate profile found by id 999' });
    const ec = await csrFor('ec.example.com', [], ecKey, { type: 'ecdsa', curve: 'P-256' });
    const ecReply = await call('POST', '/enroll', { body: { orgId: ORG, csr: ec, certType: 226, term: 365 } });
    assert.deepEqual(ecReply.json(), { code: -170, description: 'ECC CSRs are not allowed' });
  });

  it('issues for the CSR key with the CN and subjAltNames only, for the requested term', async () => {
    const csr = await csrFor('vpn.example.com', ['vpn.example.com', 'only-in-csr.example.com']);
    const e = await call('POST', '/enroll', {
      body: { orgId: ORG, csr, certType: 224, term: 730, subjAltNames: 'vpn2.example.com, 192.0.2.7', numberServers: 1, serverType: -1 },
    });
    assert.equal(e.status, 200, e.text);
    const leaf = (await call('GET', `/collect/${e.json().sslId}/x509CO`)).text;
    const info = parseCertificate(leaf);
    assert.deepEqual([...info.sans].sort(), ['192.0.2.7', 'vpn.example.com', 'vpn2.example.com']);
    assert.ok(publicKeyOfCsrMatchesCertificate(csr, leaf));
    const days = (info.notAfter.getTime() - info.notBefore.getTime()) / 86_400_000;
    assert.ok(Math.abs(days - 730) < 1, `validity ${days} days`);
    const d = (await call('GET', `/${e.json().sslId}`)).json();
    assert.deepEqual(d.subjectAlternativeNames, ['vpn2.example.com', '192.0.2.7']);
    assert.equal(d.keyType, 'RSA - 2048');
    assert.equal(d.term, 730);
    assert.match(d.requested, /^\d\d\/\d\d\/\d{4}$/);
    assert.match(d.expires, /^\d\d\/\d\d\/\d{4}$/);
    assert.match(d.serialNumber, /^[0-9A-F]{2}(:[0-9A-F]{2})+$/);
    assert.equal(d.serialNumber.replace(/:/g, ''), info.serial);
    assert.match(d.certificateDetails.subjectAltNames, /dNSName=vpn2\.example\.com/);
  });

  it('answers 404 with a code for an unknown sslId', async () => {
    const r = await call('GET', '/987654');
    assert.equal(r.status, 404);
    assert.equal(typeof r.json().code, 'number');
    assert.ok(r.json().code < 0);
  });
});

describe('SCM emulator: collect formats', () => {
  let sslId: number;
  before(async () => {
    sslId = (await enroll('formats.example.com')).sslId;
  });

  const cns = async (format: string) => splitPemCertificates((await call('GET', `/collect/${sslId}/${format}`)).text).map(cnOf);
  const ROOT = 'fwcert Lab Root CA';
  const INTER = 'fwcert Lab Issuing CA';
  const LEAF = 'formats.example.com';

  it('puts the root first in chain formats and the leaf first in pemia/x509R', async () => {
    assert.deepEqual(await cns('x509'), [ROOT, INTER, LEAF]);
    assert.deepEqual(await cns('pem'), [ROOT, INTER, LEAF]);
    assert.deepEqual(await cns('pemia'), [LEAF, INTER, ROOT]);
    assert.deepEqual(await cns('x509R'), [LEAF, INTER, ROOT]);
    assert.deepEqual(await cns('x509CO'), [LEAF]);
    assert.deepEqual(await cns('pemco'), [LEAF]);
    assert.deepEqual(await cns('x509IO'), [ROOT, INTER]);
    assert.deepEqual(await cns('x509IOR'), [INTER, ROOT]);
  });

  it('answers the query form like the path form, as an octet-stream attachment', async () => {
    const q = await call('GET', `/collect/${sslId}?format=pemia`);
    const p = await call('GET', `/collect/${sslId}/pemia`);
    assert.equal(q.text, p.text);
    assert.match(String(q.headers['content-type']), /^application\/octet-stream/);
    assert.match(String(q.headers['content-disposition']), /^attachment; filename="[^"]+"/);
    assert.equal(Number(q.headers['content-length']), q.buf.length);
  });

  it('returns PKCS#7 for base64 (PEM, the default) and bin (DER) that openssl reads', async () => {
    const b64 = await call('GET', `/collect/${sslId}`);
    assert.match(b64.text, /^-----BEGIN PKCS7-----/);
    const fromPem = openssl(['pkcs7', '-print_certs', '-noout'], b64.text);
    assert.equal(fromPem.status, 0, fromPem.stderr);
    const bin = await call('GET', `/collect/${sslId}/bin`);
    const fromDer = spawnSync('openssl', ['pkcs7', '-inform', 'DER', '-print_certs', '-noout'], { input: bin.buf, encoding: 'utf8' });
    assert.equal(fromDer.status, 0, fromDer.stderr);
    for (const out of [fromPem.stdout, fromDer.stdout]) {
      assert.equal(out.match(/^subject=/gm)?.length, 3);
      assert.match(out, /CN ?= ?formats\.example\.com/);
    }
  });

  it('answers -126 for an unknown format', async () => {
    const r = await call('GET', `/collect/${sslId}/pkcs99`);
    assert.equal(r.status, 400);
    assert.equal(r.json().code, -126);
  });

  it('delivers a chain that openssl verifies against the lab root', async () => {
    const [leaf, inter] = splitPemCertificates((await call('GET', `/collect/${sslId}/pemia`)).text);
    const rootFile = join(tmp, 'root.pem');
    const interFile = join(tmp, 'inter.pem');
    const leafFile = join(tmp, 'leaf.pem');
    writeFileSync(rootFile, ca.root.certPem);
    writeFileSync(interFile, inter!);
    writeFileSync(leafFile, leaf!);
    const r = openssl(['verify', '-purpose', 'sslserver', '-CAfile', rootFile, '-untrusted', interFile, leafFile]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /: OK/);
    const wrongRoot = join(tmp, 'other.pem');
    writeFileSync(wrongRoot, (await createLabCa({ key: { type: 'ecdsa', curve: 'P-256' } })).root.certPem);
    assert.notEqual(openssl(['verify', '-CAfile', wrongRoot, '-untrusted', interFile, leafFile]).status, 0);
  });
});

describe('SCM emulator: renew, revoke, replace', () => {
  it('renewById answers a new sslId; the old one becomes Replaced once the new one is issued', async () => {
    const old = await enroll('renew.example.com');
    const oldLeaf = (await call('GET', `/collect/${old.sslId}/x509CO`)).text;
    scm.setKnobs({ pendingPolls: 1 });
    const r = await call('POST', `/renewById/${old.sslId}`, { raw: '""' });
    assert.equal(r.status, 200, r.text);
    const { sslId } = r.json();
    assert.notEqual(sslId, old.sslId);
    assert.equal((await call('GET', `/${old.sslId}`)).json().status, 'Issued');
    assert.equal((await call('GET', `/collect/${sslId}/x509CO`)).status, 400);
    const newLeaf = (await call('GET', `/collect/${sslId}/x509CO`)).text;
    scm.setKnobs({ pendingPolls: 0 });
    assert.notEqual(parseCertificate(newLeaf).serial, parseCertificate(oldLeaf).serial);
    // Without a CSR the original request (and key) is re-used.
    assert.equal(parseCertificate(newLeaf).publicKeySha256, parseCertificate(oldLeaf).publicKeySha256);
    assert.equal((await call('GET', `/${old.sslId}`)).json().status, 'Replaced');
  });

  it('renewById with a new CSR certifies the new key; a profile without renew answers -180', async () => {
    const old = await enroll('rekey.example.com');
    const newKey = (await generateKeyPair({ type: 'ecdsa', curve: 'P-256' })).privateKeyPem;
    const csr = await csrFor('rekey.example.com', [], newKey, { type: 'ecdsa', curve: 'P-256' });
    const r = await call('POST', `/renewById/${old.sslId}`, { body: { csr } });
    const leaf = (await call('GET', `/collect/${r.json().sslId}/x509CO`)).text;
    assert.ok(publicKeyOfCsrMatchesCertificate(csr, leaf));
    const fixed = await call('POST', '/enroll', { body: { orgId: ORG, csr: await csrFor('fixed.example.com'), certType: 226, term: 365 } });
    const no = await call('POST', `/renewById/${fixed.json().sslId}`, { raw: '' });
    assert.deepEqual(no.json(), { code: -180, description: "This SSL Certificate Profile doesn't allow renew" });
  });

  it('renew by renewId answers 204 with no body', async () => {
    const old = await enroll('renewid.example.com');
    const r = await call('POST', `/renew/${old.renewId}`, { raw: '' });
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
  });

  it('revoke answers 204; then collect is -110, details say Revoked, a second revoke is -102 as on real tenants', async () => {
    const { sslId } = await enroll('revoke.example.com');
    const missingReason = await call('POST', `/revoke/${sslId}`, { body: { reasonCode: 4, reason: '' } });
    assert.equal(missingReason.status, 400);
    assert.equal(missingReason.json().code, -7);
    const r = await call('POST', `/revoke/${sslId}`, { body: { reasonCode: '4', reason: 'superseded by fwcert' } });
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    assert.deepEqual((await call('GET', `/collect/${sslId}/x509CO`)).json(), {
      code: -110,
      description: 'Certificate has been revoked and cannot be downloaded.',
    });
    const d = (await call('GET', `/${sslId}`)).json();
    assert.equal(d.status, 'Revoked');
    assert.equal(d.reasonCode, 4);
    const again = await call('POST', `/revoke/${sslId}`, { body: { reasonCode: 4, reason: 'again' } });
    assert.equal(again.status, 400);
    assert.deepEqual(again.json(), { code: -102, description: 'Only issued certificates could be revoked.' });
  });

  it('revokes by serial and refuses to revoke a certificate that is not issued (-102)', async () => {
    const { sslId } = await enroll('serial.example.com');
    const serial = (await call('GET', `/${sslId}`)).json().serialNumber;
    assert.equal((await call('POST', `/revoke/serial/${serial}`, { body: { reasonCode: 1, reason: 'key compromise' } })).status, 204);
    assert.equal((await call('GET', `/${sslId}`)).json().status, 'Revoked');
    scm.setKnobs({ pendingPolls: 1 });
    const pending = await enroll('notyet.example.com');
    scm.setKnobs({ pendingPolls: 0 });
    assert.deepEqual((await call('POST', `/revoke/${pending.sslId}`, { body: { reasonCode: 0, reason: 'x' } })).json(), {
      code: -102,
      description: 'Only issued certificates could be revoked.',
    });
  });

  it('replace keeps the sslId and issues a new certificate', async () => {
    const { sslId } = await enroll('replace.example.com');
    const before = parseCertificate((await call('GET', `/collect/${sslId}/x509CO`)).text);
    const csr = await csrFor('replace.example.com');
    const r = await call('POST', `/replace/${sslId}`, { body: { csr, reason: 'rekey', subjectAlternativeNames: ['replace.example.com', 'www.replace.example.com'] } });
    assert.equal(r.status, 204, r.text);
    const after = parseCertificate((await call('GET', `/collect/${sslId}/x509CO`)).text);
    assert.notEqual(after.serial, before.serial);
    assert.deepEqual([...after.sans].sort(), ['replace.example.com', 'www.replace.example.com']);
  });

  it('a certificate revoked at the CA behind the client\'s back shows as Revoked', async () => {
    const { sslId } = await enroll('stolen.example.com');
    const r = await request(`${scm.url}/__lab/revoke/${sslId}`, { method: 'POST', dispatcher: agent, body: '{"reasonCode":1}' });
    assert.equal(r.statusCode, 204);
    await r.body.dump();
    assert.equal((await call('GET', `/${sslId}`)).json().status, 'Revoked');
    assert.equal((await call('GET', `/collect/${sslId}/pemia`)).json().code, -110);
  });

  it('with requireApproval a request waits in Requested until approved', async () => {
    scm.setKnobs({ requireApproval: true });
    const { sslId } = await enroll('approve.example.com');
    scm.setKnobs({ requireApproval: false });
    assert.equal((await call('GET', `/${sslId}`)).json().status, 'Requested');
    assert.equal((await call('GET', `/collect/${sslId}/pemco`)).json().code, 0);
    assert.equal((await call('POST', `/approve/${sslId}`, { body: { message: 'ok' } })).status, 204);
    assert.equal((await call('GET', `/${sslId}`)).json().status, 'Issued');
    assert.equal((await call('POST', `/approve/${sslId}`, { body: { message: 'again' } })).json().code, -1112);
  });
});

describe('SCM emulator: list and faults', () => {
  it('pages with size/position and reports X-Total-Count; HEAD counts; size > 200 is refused', async () => {
    for (let i = 0; i < 5; i++) await enroll('page.example.com');
    const first = await call('GET', '?size=2&position=0&commonName=page.example.com');
    assert.equal(first.status, 200);
    assert.equal(first.headers['x-total-count'], '5');
    assert.equal(first.json().length, 2);
    assert.deepEqual(Object.keys(first.json()[0]).sort(), ['commonName', 'serialNumber', 'sslId', 'subjectAlternativeNames']);
    const last = await call('GET', '?size=2&position=4&commonName=page.example.com');
    assert.equal(last.json().length, 1);
    const all = [first, await call('GET', '?size=2&position=2&commonName=page.example.com'), last].flatMap((a) => a.json().map((c: { sslId: number }) => c.sslId));
    assert.equal(new Set(all).size, 5);
    const head = await call('HEAD', '?commonName=page.example.com&status=Issued');
    assert.equal(head.headers['x-total-count'], '5');
    assert.equal(head.text, '');
    assert.equal((await call('GET', '?size=201')).status, 400);
    // The documented list URL has no trailing slash; the slash form is not an SCM path.
    const slash = await call('GET', '/?size=2&commonName=page.example.com');
    assert.equal(slash.status, 404);
    assert.equal(typeof slash.json().code, 'number');
    assert.equal((await call('GET', '?size=5&status=Revoked&commonName=page.example.com')).headers['x-total-count'], '0');
  });

  it('failNext answers the injected error once, then works again', async () => {
    const before = (scm.state() as any).counters.enroll;
    const r = await request(`${scm.url}/__lab/knobs`, {
      method: 'POST',
      dispatcher: agent,
      body: JSON.stringify({ failNext: { enroll: { status: 500, code: -2, description: 'Internal error, contact Support', count: 1 } } }),
    });
    assert.equal(r.statusCode, 200);
    await r.body.dump();
    const csr = await csrFor('fault.example.com');
    const body = { orgId: ORG, csr, certType: 224, term: 365 };
    const failed = await call('POST', '/enroll', { body });
    assert.equal(failed.status, 500);
    assert.deepEqual(failed.json(), { code: -2, description: 'Internal error, contact Support' });
    assert.equal((await call('POST', '/enroll', { body })).status, 200);
    const state = (await (await request(`${scm.url}/__lab/state`, { dispatcher: agent })).body.json()) as any;
    assert.equal(state.counters.enroll - before, 2);
    const issued = state.certificates.filter((c: { commonName: string }) => c.commonName === 'fault.example.com');
    assert.equal(issued.length, 1);
    assert.equal(issued[0].status, 'Issued');
    assert.deepEqual(issued[0].sans, ['fault.example.com']);
  });
});

describe('SCM emulator: certificate profiles per organization', () => {
  let scm3: ScmEmulatorHandle;
  let agent3: Agent;
  before(async () => {
    scm3 = await startScmEmulator({
      ca,
      customerUri: CUSTOMER,
      users: [{ login: LOGIN, password: PASSWORD }],
      orgIds: [ORG, 777],
      certTypes: [
        { id: 224, name: 'InCommon SSL (SHA-2)', terms: [365], keyTypes: { RSA: ['2048'] }, allowRenew: false, validationType: 'Extended Validation (EV)' },
        { id: 500, name: 'Department only', description: 'for org 777', terms: [365], keyTypes: { RSA: ['2048'] }, orgIds: [777] },
      ],
    });
    agent3 = new Agent({ connect: { ca: scm3.certPem } });
  });
  after(async () => {
    await agent3?.close();
    await scm3?.close();
  });

  it('GET /types?organizationId= lists what that organization may order, in the documented fields only', async () => {
    const base = scm3.baseUrl;
    const call = (method: string, path: string, opts: Parameters<typeof callScm>[2] = {}) => callScm(method, path, { ...opts, agent: agent3 });
    const mine = await call('GET', `/types?organizationId=${ORG}`, { base });
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.json(), [
      { id: 224, name: 'InCommon SSL (SHA-2)', description: 'InCommon SSL (SHA-2)', terms: [365], keyTypes: { RSA: ['2048'] }, useSecondaryOrgName: false },
    ]);
    assert.deepEqual(
      (await call('GET', '/types?organizationId=777', { base })).json().map((t: { id: number }) => t.id),
      [224, 500],
    );
    assert.deepEqual((await call('GET', '/types', { base })).json().map((t: { id: number }) => t.id), [224, 500]);
    assert.deepEqual((await call('GET', '/types?organizationId=4242', { base })).json(), []);
    const refused = await call('POST', '/enroll', { base, body: { orgId: ORG, csr: await csrFor('dept.example.com'), certType: 500, term: 365 } });
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.json(), { code: -111, description: 'No certificate profile found by id 500' });
  });
});

describe('SCM emulator: tenant settings and certificate login', () => {
  let scm2: ScmEmulatorHandle;
  let client: { certPem: string; keyPem: string };
  let fingerprint: string;

  before(async () => {
    const { createSelfSigned, certFingerprintSha256 } = await import('../../src/pki/index.js');
    client = await createSelfSigned({ cn: 'fwcert api client', sans: [], days: 30 });
    fingerprint = certFingerprintSha256(client.certPem);
    scm2 = await startScmEmulator({
      ca,
      customerUri: 'tenant2',
      users: [{ login: 'certuser', clientCertFingerprint: fingerprint }],
      customFields: [{ id: 54, name: 'costCenter', mandatory: true }],
    });
  });
  after(async () => {
    await scm2?.close();
  });

  it('logs in on /private with the client certificate and without a password', async () => {
    const withCert = new Agent({ connect: { ca: scm2.certPem, cert: client.certPem, key: client.keyPem } });
    const noCert = new Agent({ connect: { ca: scm2.certPem } });
    try {
      const headers = { login: 'certuser', customerUri: 'tenant2' };
      const ok = await request(`${scm2.privateBaseUrl}/customFields`, { headers, dispatcher: withCert });
      assert.equal(ok.statusCode, 200);
      assert.deepEqual(await ok.body.json(), [{ id: 54, name: 'costCenter', mandatory: true }]);
      const refused = await request(`${scm2.privateBaseUrl}/customFields`, { headers, dispatcher: noCert });
      assert.equal(refused.statusCode, 401);
      assert.deepEqual(await refused.body.json(), { code: -16, description: 'Unknown user' });
      const publicPath = await request(`${scm2.baseUrl}/customFields`, { headers, dispatcher: withCert });
      assert.equal(publicPath.statusCode, 401);
      await publicPath.body.dump();

      const csr = await csrFor('cf.example.com');
      const post = (customFields: unknown) =>
        request(`${scm2.privateBaseUrl}/enroll`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ orgId: ORG, csr, certType: 224, term: 365, customFields }),
          dispatcher: withCert,
        });
      const missing = await post([]);
      assert.equal(missing.statusCode, 400);
      assert.deepEqual(await missing.body.json(), { code: -62, description: 'Missing mandatory custom field!' });
      const done = await post([{ name: 'costCenter', value: 'IT-42' }]);
      assert.equal(done.statusCode, 200);
      assert.ok(((await done.body.json()) as { sslId: number }).sslId > 0);
    } finally {
      await withCert.close();
      await noCert.close();
    }
  });
});
