import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDue, renewalStart } from '../../src/engine/policy.js';

const d = (s: string) => new Date(`${s}T00:00:00Z`);
const policy = { beforeDays: 30, beforeFraction: 1 / 3 };

describe('renewal policy: 30 days or one third of the lifetime, whichever comes first', () => {
  it('a one-year certificate renews with a third left (~122 days)', () => {
    const start = renewalStart(d('2026-01-01'), d('2027-01-01'), policy);
    assert.equal(start.toISOString().slice(0, 10), '2026-09-01');
  });
  it('a 60-day certificate renews with 30 days left (more than a third)', () => {
    assert.equal(renewalStart(d('2026-01-01'), d('2026-03-02'), policy).toISOString().slice(0, 10), '2026-01-31');
  });
  it('is not due before the window, due inside it', () => {
    assert.equal(isDue(d('2026-01-01'), d('2027-01-01'), policy, d('2026-08-31')), false);
    assert.equal(isDue(d('2026-01-01'), d('2027-01-01'), policy, d('2026-09-02')), true);
  });
});
