// `fwcert -q run` from cron: silent when all is well, only the failure when something failed, so
// that MAILTO mail means something.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { runCli } from '../support/cli.js';

describe('fwcert -q run', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-quiet-'));
    lab = await startLab({ dir, fdm: 2, panos: 0, knobs: { fdm: { deployDurationMs: 50 } } });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints nothing when the run succeeds, and nothing when there is nothing to do', async () => {
    const first = await cli('-q', 'run');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout + first.stderr, '');
    const second = await cli('-q', 'run');
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout + second.stderr, '');
  });

  it('prints only the failure when one device fails', async () => {
    lab.devices[1]!.handle.setKnobs({ failNextDeploy: true });
    const r = await cli('-q', 'renew', '--force');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /ftd-2/);
    assert.doesNotMatch(r.stdout, /ftd-1/, 'the healthy device is not mentioned');
    assert.doesNotMatch(r.stdout + r.stderr, /certificate\(s\):|INFO/, 'no summary and no log lines');
  });
});
