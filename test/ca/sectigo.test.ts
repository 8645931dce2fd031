// The Sectigo SCM issuer end to end against the SCM emulator over HTTPS: enroll, pending
// collects, renewById, revoke, status, check, client-certificate login and failure messages.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sectigoIssuerType, optionsSchema } from '../../src/ca/sectigo/index.js';
import type { SectigoCredentials, SectigoScmIssuer } from '../../src/ca/sectigo/index.js';
import type { CaRef, IssueProfile, IssuerContext } from '../../src/ca/issuer.js';
import { CaError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import { HttpClient } from '../../src/http/client.js';
import { createLabCa } from '../../src/lab/ca.js';
import type { LabCa } from '../../src/lab/ca.js';
import { startScmEmulator } from '../../src/lab/scm/index.js';
import type { ScmEmulatorHandle } from '../../src/lab/scm/index.js';
import {
  certFingerprintSha256,
  createCsr,
  createSelfSigned,
  generateKeyPair,
  parseCertificate,
  publicKeyOfCsrMatchesCertificate,
} from '../../src/pki/index.js';
import type { CsrSpec } from '../../src/pki/types.js';

const CUSTOMER = 'lab-tenant';
const ORG = 12345;
const PASSWORD = 'Tr0ub4dor&3-scm';
const RENEWABLE = 224;
const NO_RENEW = 300;
const OTHER_ORG = 777;
const OTHER_ORGS_TYPE = 500;

let labCa: LabCa;
let emu: ScmEmulatorHandle;
let labHttp: HttpClient;
let clientCert: { certPem: string; keyPem: string };
const issuers: SectigoScmIssuer[] = [];

function context(): IssuerContext {
  const data = new Map<string, string>();
  return { name: 'sectigo', log: silentLogger(), store: { get: (k) => data.get(k), set: (k, v) => void data.set(k, v) } };
}

function makeIssuer(credentials: SectigoCredentials = { login: 'fwcert-api', password: PASSWORD }, url = emu.baseUrl): SectigoScmIssuer {
  const options = optionsSchema.parse({ url, customer_uri: CUSTOMER, org_id: ORG, collect: { interval_s: 1, max_wait_s: 30 } });
  const issuer = sectigoIssuerType.create(context(), { options, credentials, tls: { caPem: emu.certPem } }) as SectigoScmIssuer;
  issuers.push(issuer);
  return issuer;
}

function profile(names: string[], caOptions: object = { cert_type: RENEWABLE, term: 365 }): IssueProfile {
  return { name: 'vpn-portal', subject: { cn: names[0], o: 'Example Inc' }, sans: names, key: { type: 'ecdsa', curve: 'P-256' }, validation: 'OV', caOptions };
}

async function request(names: string[], caOptions?: object) {
  const csr: CsrSpec = { subject: { cn: names[0], o: 'Example Inc' }, sans: names, key: { type: 'ecdsa', curve: 'P-256' } };
  const keys = await generateKeyPair(csr.key);
  const csrPem = await createCsr(csr, keys.privateKeyPem);
  return { csrPem, csr, profile: profile(names, caOptions) };
}

function counters(): Record<string, number> {
  return (emu.state() as { counters: Record<string, number> }).counters;
}

function record(sslId: string): Record<string, unknown> | undefined {
  return (emu.state() as { certificates: Record<string, unknown>[] }).certificates.find((c) => String(c.sslId) === sslId);
}

/** Calls collect until issued; the emulator issues after `pendingPolls` calls, so a bound is enough. */
async function collectIssued(issuer: SectigoScmIssuer, ref: CaRef) {
  for (let i = 0; i < 10; i++) {
    const r = await issuer.collect(ref);
    if (r.state === 'issued') return r;
  }
  throw new Error(`sslId ${ref.id} still pending after 10 collects`);
}

async function rejection(p: Promise<unknown>): Promise<CaError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CaError, `expected a CaError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

before(async () => {
  labCa = await createLabCa({ key: { type: 'ecdsa', curve: 'P-256' } });
  clientCert = await createSelfSigned({ cn: 'fwcert-client', sans: ['fwcert-client.example.com'], days: 30, key: { type: 'ecdsa', curve: 'P-256' } });
  emu = await startScmEmulator({
    ca: labCa,
    customerUri: CUSTOMER,
    users: [
      { login: 'fwcert-api', password: PASSWORD },
      { login: 'fwcert-cert', clientCertFingerprint: certFingerprintSha256(clientCert.certPem) },
    ],
    orgIds: [ORG, OTHER_ORG],
    certTypes: [
      { id: OTHER_ORGS_TYPE, name: 'Department EV', terms: [365], keyTypes: { EC: ['P-256'] }, orgIds: [OTHER_ORG] },
      { id: RENEWABLE, name: 'InCommon SSL (SHA-2)', terms: [365, 730], keyTypes: { RSA: ['2048', '3072', '4096'], EC: ['P-256', 'P-384'] } },
      { id: NO_RENEW, name: 'OV SSL no renew', terms: [365], keyTypes: { EC: ['P-256'] }, allowRenew: false },
    ],
  });
  labHttp = new HttpClient({ baseUrl: emu.url, tls: { caPem: emu.certPem }, name: 'scm-lab' });
});

after(async () => {
  for (const i of issuers) await i.close();
  await labHttp.close();
  await emu.close();
});

describe('Sectigo SCM issuer against the SCM emulator', () => {
  it('enrolls, reports pending while SCM is not done, then collects the leaf and its chain', async () => {
    emu.setKnobs({ pendingPolls: 2, pendingCode: 0 });
    const issuer = makeIssuer();
    const req = await request(['vpn.example.com', 'vpn2.example.com', '192.0.2.10']);
    const before = { ...counters() };

    const ref = await issuer.submit(req);
    assert.equal(ref.ca, 'sectigo');
    assert.match(ref.id, /^\d+$/);
    assert.equal(ref.extra?.renewId?.length, 20);

    for (let i = 0; i < 2; i++) {
      const r = await issuer.collect(ref);
      assert.deepEqual(r, { state: 'pending', retryAfterMs: 1000, detail: 'Being processed by Sectigo' });
    }
    const issued = await issuer.collect(ref);
    assert.equal(issued.state, 'issued');
    if (issued.state !== 'issued') return;

    const leaf = parseCertificate(issued.leafPem);
    assert.equal(leaf.subject.cn, 'vpn.example.com');
    // SCM takes the names from the request, not from the CSR: every name must have been sent.
    assert.deepEqual([...leaf.sans].sort(), ['192.0.2.10', 'vpn.example.com', 'vpn2.example.com']);
    assert.ok(publicKeyOfCsrMatchesCertificate(req.csrPem, issued.leafPem));
    assert.equal(certFingerprintSha256(issued.chainPem[0]!), certFingerprintSha256(labCa.intermediate.certPem), "chain starts with the leaf's issuer");

    assert.equal(counters().enroll! - before.enroll!, 1);
    assert.equal(counters().collect! - before.collect!, 3);
    assert.equal(await issuer.status(ref), 'valid');
    emu.setKnobs({ pendingPolls: 0 });
  });

  it("treats every documented 'try later' answer as pending", async () => {
    const issuer = makeIssuer();
    for (const code of [0, -183, -1400, -109, -103]) {
      emu.setKnobs({ pendingPolls: 1, pendingCode: code });
      const ref = await issuer.submit(await request(['pending.example.com']));
      const r = await issuer.collect(ref);
      assert.equal(r.state, 'pending', `code ${code}`);
      assert.equal((await issuer.collect(ref)).state, 'issued', `code ${code}`);
    }
    emu.setKnobs({ pendingPolls: 0, pendingCode: 0 });
  });

  it('renews by id: SCM answers a new sslId and nothing is enrolled twice', async () => {
    const issuer = makeIssuer();
    const names = ['renew.example.com', 'www.renew.example.com'];
    const first = await issuer.submit(await request(names));
    const firstCert = await collectIssued(issuer, first);
    const before = { ...counters() };

    const second = await issuer.submit({ ...(await request(names)), previous: first });
    assert.notEqual(second.id, first.id);
    assert.equal(counters().renewById! - before.renewById!, 1);
    assert.equal(counters().enroll! - before.enroll!, 0);
    assert.equal(record(second.id)?.renewsSslId, Number(first.id));

    const secondCert = await collectIssued(issuer, second);
    assert.notEqual(parseCertificate(secondCert.leafPem).serial, parseCertificate(firstCert.leafPem).serial);
    assert.deepEqual([...parseCertificate(secondCert.leafPem).sans].sort(), names);
  });

  it("enrolls afresh when the profile doesn't allow renew (-180)", async () => {
    const issuer = makeIssuer();
    const options = { cert_type: NO_RENEW, term: 365 };
    const first = await issuer.submit(await request(['norenew.example.com'], options));
    await collectIssued(issuer, first);
    const before = { ...counters() };

    const second = await issuer.submit({ ...(await request(['norenew.example.com'], options)), previous: first });
    assert.notEqual(second.id, first.id);
    assert.equal(counters().renewById! - before.renewById!, 1, 'renewById was tried');
    assert.equal(counters().enroll! - before.enroll!, 1, 'then one plain enroll');
    assert.equal((await collectIssued(issuer, second)).state, 'issued');
  });

  it('enrolls instead of renewing when the names changed, so the new names are certified', async () => {
    const issuer = makeIssuer();
    const first = await issuer.submit(await request(['names.example.com']));
    await collectIssued(issuer, first);
    const before = { ...counters() };

    const names = ['names.example.com', 'added.example.com'];
    const second = await issuer.submit({ ...(await request(names)), previous: first });
    assert.equal(counters().renewById! - before.renewById!, 0);
    assert.equal(counters().enroll! - before.enroll!, 1);
    assert.deepEqual([...parseCertificate((await collectIssued(issuer, second)).leafPem).sans].sort(), ['added.example.com', 'names.example.com']);
  });

  it('revokes with a reason code, treats a second revoke as done, and then refuses to collect', async () => {
    const issuer = makeIssuer();
    const ref = await issuer.submit(await request(['revoke.example.com']));
    await collectIssued(issuer, ref);

    await issuer.revoke(ref, 'superseded');
    assert.equal(record(ref.id)?.status, 'Revoked');
    assert.equal(record(ref.id)?.reasonCode, 4);
    assert.equal(await issuer.status(ref), 'revoked');

    const before = counters().revoke!;
    await issuer.revoke(ref, 'superseded'); // SCM answers -102 "Only issued certificates could be revoked."
    assert.equal(counters().revoke! - before, 1);

    const e = await rejection(issuer.collect(ref));
    assert.match(e.message, /^Sectigo SCM: collect of \d+ failed: -110 Certificate has been revoked and cannot be downloaded\.$/);
    assert.equal(e.retryable, false);
  });

  it('a revoke of a certificate that is still pending fails (-102 without Revoked in the details)', async () => {
    const issuer = makeIssuer();
    emu.setKnobs({ pendingPolls: 5 });
    const ref = await issuer.submit(await request(['revoke-pending.example.com']));
    emu.setKnobs({ pendingPolls: 0 });
    const e = await rejection(issuer.revoke(ref, 'superseded'));
    assert.match(e.message, /revoke of \d+ failed: -102 Only issued certificates could be revoked\./);
  });

  it('finds an enrollment whose answer was lost through the documented list URL (no trailing slash)', async () => {
    const issuer = makeIssuer();
    const req = { ...(await request(['lost.example.com'])), requestId: 'req-lost-1' };
    const ref = await issuer.submit(req);
    const found = await issuer.find('req-lost-1', req.profile);
    assert.equal(found?.id, ref.id);
  });

  it('reports status revoked when the certificate was revoked in SCM behind our back', async () => {
    const issuer = makeIssuer();
    const ref = await issuer.submit(await request(['behind.example.com']));
    await collectIssued(issuer, ref);
    assert.equal(await issuer.status(ref), 'valid');

    const res = await labHttp.request({ method: 'POST', path: `__lab/revoke/${ref.id}`, json: { reasonCode: 1 } });
    assert.equal(res.status, 204);
    assert.equal(await issuer.status(ref), 'revoked');
  });

  it('a wrong password gives "-16 Unknown user" and never shows the password', async () => {
    const wrong = 'wrong-Pa55word-xyz';
    const issuer = makeIssuer({ login: 'fwcert-api', password: wrong });
    const e = await rejection(issuer.submit(await request(['auth.example.com'])));
    assert.match(e.message, /^Sectigo SCM: enroll failed: -16 Unknown user/);
    assert.match(e.message, /customer_uri/);
    assert.ok(!e.message.includes(wrong));
    assert.equal(e.retryable, false);
  });

  for (const status of [500, 503]) {
    it(`HTTP ${status} on enroll is a retryable CaError with SCM's description, sent once`, async () => {
      const issuer = makeIssuer();
      emu.setKnobs({ failNext: { enroll: { status, code: -2, count: 1 } } });
      const before = counters().enroll!;
      const e = await rejection(issuer.submit(await request(['fail.example.com'])));
      assert.equal(e.message, `Sectigo SCM: enroll failed: -2 Internal error, contact Support (HTTP ${status})`);
      assert.equal(e.retryable, true);
      assert.equal(counters().enroll! - before, 1, 'an enroll POST is never repeated blindly');
    });
  }

  it('a connection reset during enroll is retryable and not repeated', async () => {
    const issuer = makeIssuer();
    emu.setKnobs({ failNext: { enroll: { reset: true, count: 1 } } });
    const before = counters().enroll!;
    const e = await rejection(issuer.submit(await request(['reset.example.com'])));
    assert.match(e.message, /^Sectigo SCM: enroll failed: /);
    assert.equal(e.retryable, true);
    assert.equal(counters().enroll! - before, 1);
  });

  it('sends dcvMode from the profile, which a tenant without DCV pre-validation requires', async () => {
    emu.setKnobs({ domainPreValidation: false });
    try {
      const issuer = makeIssuer();
      const e = await rejection(issuer.submit(await request(['dcv.example.com'])));
      assert.match(e.message, /enroll failed: -7 dcvMode is required but missing\./);
      const ref = await issuer.submit(await request(['dcv.example.com'], { cert_type: RENEWABLE, term: 365, dcv_mode: 'CNAME' }));
      assert.equal((await collectIssued(issuer, ref)).state, 'issued');
      const renewed = await issuer.submit({ ...(await request(['dcv.example.com'], { cert_type: RENEWABLE, term: 365, dcv_mode: 'CNAME' })), previous: ref });
      assert.notEqual(renewed.id, ref.id);
      assert.equal(record(renewed.id)?.renewsSslId, Number(ref.id));
    } finally {
      emu.setKnobs({ domainPreValidation: true });
    }
  });

  it('quotes SCM when the term is not offered by the certificate profile', async () => {
    const issuer = makeIssuer();
    const e = await rejection(issuer.submit(await request(['term.example.com'], { cert_type: RENEWABLE, term: 400 })));
    assert.equal(e.message, 'Sectigo SCM: enroll failed: -36 The validity period (term) is invalid for this certificate profile.');
    assert.equal(e.code, -36);
  });

  it('logs in with a client certificate on the /private base and keeps the prefix on every call', async () => {
    const issuer = makeIssuer({ login: 'fwcert-cert', client_cert_pem: clientCert.certPem, client_key_pem: clientCert.keyPem }, emu.privateBaseUrl);
    const ref = await issuer.submit(await request(['private.example.com']));
    assert.equal((await collectIssued(issuer, ref)).state, 'issued');
    assert.equal(await issuer.status(ref), 'valid');
  });

  it('check names what works and what does not', async () => {
    const issuer = makeIssuer();
    const ok = await issuer.check([{ name: 'vpn-portal', caOptions: { cert_type: RENEWABLE, term: 730 }, key: { type: 'ecdsa', curve: 'P-384' } }]);
    assert.ok(ok.includes(`login works (customer ${CUSTOMER})`));
    assert.ok(ok.some((l) => l.includes('cert_type 224 "InCommon SSL (SHA-2)" exists')));

    const e = await rejection(issuer.check([{ name: 'vpn-portal', caOptions: { cert_type: NO_RENEW, term: 730 }, key: { type: 'rsa', size: 2048 } }]));
    assert.match(e.message, /term 730 is not offered by cert_type 300 \(allowed: 365 days\)/);
    assert.match(e.message, /key RSA-2048 is not offered by cert_type 300/);
  });

  it('check catches a cert_type the tenant has but the organization may not order', async () => {
    const issuer = makeIssuer();
    const e = await rejection(issuer.check([{ name: 'vpn-portal', caOptions: { cert_type: OTHER_ORGS_TYPE, term: 365 }, key: { type: 'ecdsa', curve: 'P-256' } }]));
    assert.match(e.message, /profile vpn-portal: cert_type 500 is not offered to this organization/);
  });
});
