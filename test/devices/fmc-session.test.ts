// The FMC session against the FMC emulator over HTTPS: an expired token is refreshed at most 3 times,
// then fwcert logs in again; the rate limiter never lets more requests into a window than allowed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FmcSession } from '../../src/devices/fmc/session.js';
import { RateLimiter } from '../../src/devices/fmc/rate-limiter.js';
import { createLogger } from '../../src/core/log.js';
import { startFmcEmulator, type FmcHandle } from '../../src/lab/fmc/index.js';
import { certFingerprintSha256 } from '../../src/pki/index.js';

const USER = { username: 'api', password: 'Api-s3cret' };

describe('FMC session', () => {
  let h: FmcHandle;
  before(async () => {
    h = await startFmcEmulator({ name: 'fmc-s', users: [USER], ftds: ['ftd-a'] });
  });
  after(() => h.close());

  it('refreshes an expired token three times, then logs in again', async () => {
    const s = new FmcSession({
      name: 'fmc-s', url: h.url, ...USER, tls: { sha256: certFingerprintSha256(h.certPem) }, timeoutMs: 10_000,
      log: createLogger({ level: 'silent', terminal: false }), rateLimitPerMin: 1000, backoffMs: 10, maxRetries: 3,
    });
    try {
      await s.login();
      const counters = () => (h.state() as { counters: Record<string, number> }).counters;
      for (let i = 1; i <= 4; i++) {
        h.setKnobs({ expireTokensNow: true });
        const v = await s.call<{ items: { serverVersion: string }[] }>('GET', 'api/fmc_platform/v1/info/serverversion');
        assert.match(v!.items[0]!.serverVersion, /^7\.7/);
      }
      assert.deepEqual({ logins: s.stats.logins, refreshes: s.stats.refreshes }, { logins: 2, refreshes: 3 });
      assert.equal(counters().logins, 2);
      assert.equal(counters().refreshes, 3);
      assert.equal(counters().refresh_refused ?? 0, 0, 'no fourth refresh is even tried');
    } finally {
      await s.close();
    }
  });

  it('the rate limiter admits at most N requests per window', async () => {
    const rl = new RateLimiter(3, 150);
    let peak = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      await rl.acquire();
      peak = Math.max(peak, rl.inWindow);
    }));
    assert.equal(peak, 3);
  });
});
