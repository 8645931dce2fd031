// Pure parts of the Sectigo SCM driver: config schemas, request bodies, error mapping, renew and
// check decisions. No network.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpResponse } from '../../src/http/client.js';
import { checkProfile } from '../../src/ca/sectigo/check.js';
import { scmError, transportError } from '../../src/ca/sectigo/errors.js';
import { orderFingerprint, renewBlocker } from '../../src/ca/sectigo/renewal.js';
import {
  buildEnrollBody,
  buildRevokeBody,
  cleanCsr,
  mapCertificateStatus,
  parseSslId,
  subjAltNamesFor,
} from '../../src/ca/sectigo/requests.js';
import { credentialsSchema, optionsSchema, profileOptionsSchema } from '../../src/ca/sectigo/schemas.js';
import { clearSecrets, registerSecret } from '../../src/core/redact.js';

function response(status: number, body: string): HttpResponse {
  const buf = Buffer.from(body);
  return { status, headers: {}, body: buf, text: () => body, json: <T>() => JSON.parse(body) as T };
}

const messages = (r: { success: boolean; error?: { issues: { message: string }[] } }) => (r.error?.issues ?? []).map((i) => i.message).join(' | ');

describe('sectigo options schema', () => {
  it('fills defaults for url and collect timing', () => {
    const o = optionsSchema.parse({ customer_uri: 'example', org_id: 12345 });
    assert.equal(o.url, 'https://cert-manager.com/api/ssl/v1');
    assert.deepEqual(o.collect, { interval_s: 10, max_wait_s: 120 });
  });

  it('keeps a /private base and partial collect settings', () => {
    const o = optionsSchema.parse({ url: 'https://hard.cert-manager.com/private/api/ssl/v1', customer_uri: 'InCommon', org_id: 1, collect: { interval_s: 2 } });
    assert.equal(o.url, 'https://hard.cert-manager.com/private/api/ssl/v1');
    assert.deepEqual(o.collect, { interval_s: 2, max_wait_s: 120 });
  });

  it('rejects a url that is not the SSL API base, with the expected form in the message', () => {
    const r = optionsSchema.safeParse({ url: 'https://cert-manager.com/api', customer_uri: 'x', org_id: 1 });
    assert.equal(r.success, false);
    assert.match(messages(r), /\/api\/ssl\/v1/);
  });

  it('rejects plain http', () => {
    const r = optionsSchema.safeParse({ url: 'http://cert-manager.com/api/ssl/v1', customer_uri: 'x', org_id: 1 });
    assert.equal(r.success, false);
    assert.match(messages(r), /https/);
  });

  it('explains org_id and customer_uri, and refuses unknown keys', () => {
    const r = optionsSchema.safeParse({ customer_uri: 'a b', org_id: 0, orgid: 5 });
    assert.equal(r.success, false);
    const text = messages(r);
    assert.match(text, /customer_uri/);
    assert.match(text, /org_id/);
    assert.match(text, /orgid/);
  });
});

describe('sectigo credentials schema', () => {
  it('accepts login + password', () => {
    assert.deepEqual(credentialsSchema.parse({ login: 'api', password: 'pw-1234' }), { login: 'api', password: 'pw-1234' });
  });

  it('accepts login + client certificate', () => {
    const c = { login: 'api', client_cert_pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', client_key_pem: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----' };
    assert.deepEqual(credentialsSchema.parse(c), c);
  });

  it('names both accepted shapes when neither fits', () => {
    const r = credentialsSchema.safeParse({ login: 'api' });
    assert.equal(r.success, false);
    assert.match(messages(r), /password.*client_cert_pem/);
  });
});

describe('sectigo profile options schema', () => {
  it('accepts the documented section and turns scalar custom field values into text', () => {
    const p = profileOptionsSchema.parse({ cert_type: 1234, term: 365, comments: 'VPN', custom_fields: [{ name: 'cost center', value: 4711 }] });
    assert.deepEqual(p.custom_fields, [{ name: 'cost center', value: '4711' }]);
  });

  it('rejects a fractional term and unknown keys', () => {
    const r = profileOptionsSchema.safeParse({ cert_type: 1, term: 365.5, validity: 1 });
    assert.equal(r.success, false);
    assert.match(messages(r), /term/);
    assert.match(messages(r), /validity/);
  });

  it('takes dcv_mode from the documented set and needs dcv_email exactly for EMAIL', () => {
    assert.equal(profileOptionsSchema.safeParse({ cert_type: 1, term: 365, dcv_mode: 'CNAME' }).success, true);
    assert.equal(profileOptionsSchema.safeParse({ cert_type: 1, term: 365, dcv_mode: 'EMAIL', dcv_email: 'admin@example.com' }).success, true);
    const noEmail = profileOptionsSchema.safeParse({ cert_type: 1, term: 365, dcv_mode: 'EMAIL' });
    assert.equal(noEmail.success, false);
    assert.match(messages(noEmail), /dcv_mode EMAIL needs dcv_email/);
    assert.equal(profileOptionsSchema.safeParse({ cert_type: 1, term: 365, dcv_mode: 'DNS' }).success, false);
    assert.equal(profileOptionsSchema.safeParse({ cert_type: 1, term: 365, dcv_mode: 'CNAME', dcv_email: 'a@example.com' }).success, false);
  });

  it('limits comments to what SCM accepts', () => {
    assert.equal(profileOptionsSchema.safeParse({ cert_type: 1, term: 365, comments: 'x'.repeat(1025) }).success, false);
  });
});

describe('enroll body', () => {
  const csr = '-----BEGIN CERTIFICATE REQUEST-----\r\nMIIC\r\n-----END CERTIFICATE REQUEST-----\r\n\n  ';

  it('sends SANs as one comma-separated string without the CN, and a trimmed CSR', () => {
    const body = buildEnrollBody({
      orgId: 103,
      csrPem: csr,
      cn: 'vpn.example.com',
      names: ['vpn.example.com', 'vpn2.example.com', '192.0.2.10'],
      profileName: 'vpn-portal',
      options: { cert_type: 1013, term: 365, external_requester: '', custom_fields: [{ name: 'cf', value: 'v' }] },
    });
    assert.deepEqual(body, {
      orgId: 103,
      csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIC\n-----END CERTIFICATE REQUEST-----',
      certType: 1013,
      term: 365,
      subjAltNames: 'vpn2.example.com,192.0.2.10',
      comments: 'fwcert profile vpn-portal',
      externalRequester: '',
      customFields: [{ name: 'cf', value: 'v' }],
    });
  });

  it('leaves subjAltNames out when the CN is the only name (single-domain profiles)', () => {
    const body = buildEnrollBody({ orgId: 1, csrPem: csr, cn: 'a.example.com', names: ['A.example.com'], profileName: 'p', options: { cert_type: 1, term: 365, comments: '' } });
    assert.equal('subjAltNames' in body, false);
    assert.equal(body.comments, '');
    assert.equal('customFields' in body, false);
  });

  it('lists every name when there is no CN', () => {
    assert.equal(subjAltNamesFor(undefined, ['a.example.com', 'b.example.com', 'a.example.com']), 'a.example.com,b.example.com');
  });

  it('cleanCsr strips trailing whitespace only', () => {
    assert.equal(cleanCsr('abc\n \n'), 'abc');
  });
});

describe('revoke body', () => {
  it('maps reasons to RFC 5280 codes and always carries a reason text', () => {
    const expected = { unspecified: 0, keyCompromise: 1, affiliationChanged: 3, superseded: 4, cessationOfOperation: 5 } as const;
    for (const [reason, code] of Object.entries(expected)) {
      const body = buildRevokeBody(reason as keyof typeof expected);
      assert.equal(body.reasonCode, code);
      assert.ok(body.reason.length > 0 && body.reason.length <= 512);
      assert.match(body.reason, new RegExp(reason));
    }
  });
});

describe('status mapping', () => {
  it('maps the terminal states and never throws on other strings', () => {
    assert.equal(mapCertificateStatus('Issued'), 'valid');
    assert.equal(mapCertificateStatus('Revoked'), 'revoked');
    assert.equal(mapCertificateStatus('Expired'), 'expired');
    for (const s of ['Requested', 'Applied', 'SA Approved', 'Enrolled - Pending Download', '', null, 42]) {
      assert.equal(mapCertificateStatus(s), 'unknown');
    }
  });

  it('accepts only int32 sslIds', () => {
    assert.equal(parseSslId('1001'), 1001);
    for (const s of ['0', '-5', '12a', 'https://acme/cert/1', '99999999999']) assert.equal(parseSslId(s), undefined);
  });
});

describe('error mapping', () => {
  it("quotes SCM's code and description", () => {
    const e = scmError('enroll', response(400, '{"code":-36,"description":"The validity period (term) is invalid for this certificate profile."}'));
    assert.equal(e.message, 'Sectigo SCM: enroll failed: -36 The validity period (term) is invalid for this certificate profile.');
    assert.equal(e.code, -36);
    assert.equal(e.retryable, false);
  });

  it('explains a 401 without repeating the password', () => {
    clearSecrets();
    registerSecret('hunter2-secret');
    try {
      const e = scmError('enroll', response(401, '{"code":-16,"description":"Unknown user hunter2-secret"}'));
      assert.match(e.message, /^Sectigo SCM: enroll failed: -16 Unknown user/);
      assert.match(e.message, /customer_uri/);
      assert.doesNotMatch(e.message, /hunter2-secret/);
    } finally {
      clearSecrets();
    }
  });

  it('marks 5xx and -195 as retryable, with the HTTP status when SCM sent no code', () => {
    const e500 = scmError('enroll', response(500, '{"code":-2,"description":"Internal error, contact Support"}'));
    assert.equal(e500.retryable, true);
    assert.match(e500.message, /-2 Internal error, contact Support \(HTTP 500\)/);
    assert.equal(scmError('enroll', response(400, '{"code":-195,"description":"CA is not available now. Please try again later."}')).retryable, true);
    const bare = scmError('collect of 5', response(503, '<html><body><h1>Service Unavailable</h1></body></html>'));
    assert.equal(bare.message, 'Sectigo SCM: collect of 5 failed: Service Unavailable (HTTP 503)');
    assert.equal(bare.retryable, true);
    assert.equal(scmError('enroll', response(401, '')).message.startsWith('Sectigo SCM: enroll failed: (HTTP 401)'), true);
  });

  it('makes transport failures retryable but not TLS trust failures', () => {
    assert.equal(transportError('enroll', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })).retryable, true);
    assert.equal(transportError('enroll', new Error('self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT) — the server certificate is not trusted')).retryable, false);
  });
});

describe('renew by id decision', () => {
  const body = { orgId: 7, csr: 'x', certType: 1013, term: 365 };
  const current = orderFingerprint(body, 'a.example.com', ['a.example.com', 'B.example.com']);

  it('renews a ref from the same account with the same order settings', () => {
    assert.equal(renewBlocker({ ca: 'sectigo', id: '1001', extra: { ...current } }, 'sectigo', current), undefined);
    assert.equal(renewBlocker({ ca: 'sectigo', id: '1001' }, 'sectigo', current), undefined);
  });

  it('enrolls afresh when names, cert_type or the account changed', () => {
    const old = orderFingerprint(body, 'a.example.com', ['a.example.com']);
    assert.match(renewBlocker({ ca: 'sectigo', id: '1001', extra: old }, 'sectigo', current) ?? '', /names changed/);
    const otherType = orderFingerprint({ ...body, certType: 99 }, 'a.example.com', ['a.example.com', 'b.example.com']);
    assert.match(renewBlocker({ ca: 'sectigo', id: '1001', extra: otherType }, 'sectigo', current) ?? '', /cert_type changed from 99 to 1013/);
    assert.match(renewBlocker({ ca: 'other', id: '1001' }, 'sectigo', current) ?? '', /CA account other/);
    assert.match(renewBlocker({ ca: 'sectigo', id: 'https://x/cert/1' }, 'sectigo', current) ?? '', /not an SCM sslId/);
  });
});

describe('check of a certificate profile', () => {
  const types = [{ id: 1013, name: 'OV SSL', terms: [365, 730], keyTypes: { RSA: ['2048', '4096'], EC: ['P-256'] } }];

  it('reports an unknown cert_type', () => {
    const r = checkProfile('vpn', { cert_type: 5, term: 365 }, undefined, types, []);
    assert.match(r.problems.join(), /cert_type 5 is not offered/);
  });

  it('reports a term and key the profile does not offer, and missing mandatory fields', () => {
    const r = checkProfile('vpn', { cert_type: 1013, term: 400 }, { type: 'rsa', size: 3072 }, types, ['cost center']);
    const text = r.problems.join('\n');
    assert.match(text, /term 400 is not offered by cert_type 1013 \(allowed: 365, 730 days\)/);
    assert.match(text, /key RSA-3072 is not offered/);
    assert.match(text, /mandatory custom field\(s\) missing in custom_fields: cost center/);
  });

  it('passes a matching profile', () => {
    const r = checkProfile('vpn', { cert_type: 1013, term: 730, custom_fields: [{ name: 'cost center', value: '1' }] }, { type: 'ecdsa', curve: 'P-256' }, types, ['cost center']);
    assert.deepEqual(r.problems, []);
    assert.equal(r.ok.length, 3);
  });
});
