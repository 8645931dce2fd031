// Job polling sees a commit/deploy end soon after it ends: the overshoot stays within ~10 % of the
// time waited (at least the configured interval, at most 5 s), with the product's default intervals.
// A fake clock (mock Date + an injected/mocked sleep) plays jobs of several lengths.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { silentLogger } from '../../src/core/log.js';
import { commitAndWait } from '../../src/devices/panos/commit.js';
import type { PanosSession } from '../../src/devices/panos/api.js';
import { parseReply } from '../../src/devices/panos/envelope.js';
import { FdmDeployer } from '../../src/devices/fdm/deploy.js';
import type { FdmSession } from '../../src/devices/fdm/session.js';
import { fdmOptionsSchema } from '../../src/devices/fdm/schemas.js';
import { panosTargetType } from '../../src/devices/panos/index.js';

const JOB = (done: boolean) =>
  parseReply(`<response status="success"><result><job><id>7</id><type>Commit</type><status>${done ? 'FIN' : 'ACT'}</status>
  <result>${done ? 'OK' : 'PEND'}</result><progress>${done ? 100 : 50}</progress><details/><warnings/></job></result></response>`);

const allowed = (jobMs: number, minMs: number) => Math.max(minMs, Math.min(0.1 * jobMs, 5_000)) + 1;

for (const jobS of [10, 20, 30, 120]) {
  test(`PAN-OS: a ${jobS} s commit is seen ended within ~10 % (default poll_interval_s)`, async () => {
    mock.timers.enable({ apis: ['Date'], now: 0 });
    try {
      const pollS = (panosTargetType.optionsSchema.parse({}) as { poll_interval_s: number }).poll_interval_s;
      const end = jobS * 1000;
      const session = {
        call: async () => parseReply(`<response status="success" code="19"><result><msg><line>Commit job enqueued with jobid 7</line></msg><job>7</job></result></response>`),
        op: async () => JOB(Date.now() >= end),
      } as unknown as PanosSession;
      const r = await commitAndWait(session, 'pa', {
        admin: 'fwcert', description: 'x', timeoutS: 1800, pollIntervalS: pollS, log: () => undefined,
        sleep: async (ms) => void mock.timers.tick(ms),
      });
      assert.equal(r.committed, true);
      const overshoot = Date.now() - end;
      assert.ok(overshoot >= 0 && overshoot <= allowed(end, pollS * 1000), `seen ${overshoot} ms after the end`);
    } finally {
      mock.timers.reset();
    }
  });
}

for (const jobS of [20, 60, 180]) {
  test(`FDM: a ${jobS} s deploy is seen ended within ~10 % (default poll_interval_s)`, async () => {
    mock.timers.enable({ apis: ['Date'], now: 0 });
    try {
      const pollMs = fdmOptionsSchema.parse({}).poll_interval_s * 1000;
      const end = jobS * 1000;
      const job = () => ({ id: 'd1', state: Date.now() >= end ? 'DEPLOYED' : 'DEPLOYING', endTime: Date.now() >= end ? end : -1 });
      const session = {
        device: 'ftd',
        call: async (method: string, rel: string) => {
          if (rel === 'operational/pendingchanges') return { items: [{}], paging: { count: 1 } };
          if (method === 'POST') return job();
          return job();
        },
      } as unknown as FdmSession;
      const deployer = new FdmDeployer(session, 'ftd', silentLogger(), {
        pollIntervalMs: pollMs, timeoutMs: 1_800_000, sleep: async (ms) => void mock.timers.tick(ms),
      });
      const r = await deployer.deploy('x');
      assert.equal(r.committed, true);
      const overshoot = Date.now() - end;
      assert.ok(overshoot >= 0 && overshoot <= allowed(end, pollMs), `seen ${overshoot} ms after the end`);
    } finally {
      mock.timers.reset();
    }
  });
}
