// SCM has no idempotency key: fwcert tags each enrollment's comments so a lost answer can be found.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildEnrollBody, requestMarker } from '../../src/ca/sectigo/requests.js';

const base = { orgId: 1, csrPem: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n', cn: 'a.example', names: ['a.example'], profileName: 'vpn' };

describe('enrollment request tag', () => {
  it('is appended to the default comment', () => {
    const b = buildEnrollBody({ ...base, options: { cert_type: 1, term: 365 }, requestId: 'r-1' });
    assert.equal(b.comments, `fwcert profile vpn ${requestMarker('r-1')}`);
  });
  it("keeps the profile's own comment and stays within SCM's 1024 characters", () => {
    const b = buildEnrollBody({ ...base, options: { cert_type: 1, term: 365, comments: 'x'.repeat(1100) }, requestId: 'r-2' });
    assert.ok(b.comments!.length <= 1024);
    assert.ok(b.comments!.endsWith(requestMarker('r-2')));
    assert.ok(b.comments!.startsWith('xxxx'));
  });
  it('is absent when no request id is given', () => {
    assert.equal(buildEnrollBody({ ...base, options: { cert_type: 1, term: 365, comments: 'VPN portal' } }).comments, 'VPN portal');
  });
});
