// `hooks: post_commit:` (issue 8): after a device's successful commit each hook runs with the device,
// profiles and serials in its environment; its output is in the report; a failing or hanging hook is a
// warning, not a failed certificate. Through the real CLI against the lab.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { json, runCli } from '../support/cli.js';

describe('post_commit hooks', () => {
  let lab: Lab;
  let dir: string;
  let config: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-hooks-'));
    lab = await startLab({ dir, fdm: 1, panos: 0, knobs: { fdm: { deployDurationMs: 20 } } });
    mkdirSync(join(dir, 'hooks'));
    writeFileSync(join(dir, 'hooks', 'record.sh'), '#!/bin/sh\nenv | grep ^FWCERT_ | sort > "$1"\necho "reloaded $FWCERT_DEVICE"\n', { mode: 0o755 });
    writeFileSync(join(dir, 'hooks', 'fail.sh'), '#!/bin/sh\necho "cannot reload" >&2\nexit 3\n', { mode: 0o755 });
    writeFileSync(join(dir, 'hooks', 'hang.sh'), '#!/bin/sh\nexec sleep 60\n', { mode: 0o755 });
    const cfg = parse(readFileSync(lab.configPath, 'utf8')) as Record<string, unknown>;
    cfg.hooks = {
      post_commit: [
        { command: 'hooks/record.sh', args: [join(dir, 'env.txt')] },
        { command: 'hooks/fail.sh' },
        { command: 'hooks/hang.sh', timeout_s: 1 },
        { command: 'hooks/record.sh', args: [join(dir, 'other.txt')], devices: ['some-other-device'] },
      ],
    };
    cfg.devices = { ...(cfg.devices as object), 'some-other-device': { ...(cfg.devices as Record<string, object>)['ftd-1'] } };
    config = join(dir, 'fwcert-hooks.yaml');
    writeFileSync(config, stringify(cfg));
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('run calls each hook after the commit with device, profiles and serials; output and failures are in the report', async () => {
    const r = await runCli(['--config', config, 'run', '--json']);
    assert.equal(r.code, 0, `a failing hook does not fail the certificate: ${r.stdout}${r.stderr}`);
    const dev = json<RunReport>(r).devices[0]!;
    assert.equal(dev.committed, true);
    const item = dev.items[0]!;
    const env = readFileSync(join(dir, 'env.txt'), 'utf8');
    assert.match(env, /^FWCERT_DEVICE=ftd-1$/m);
    assert.match(env, /^FWCERT_PROFILES=vpn-portal$/m);
    assert.match(env, new RegExp(`^FWCERT_SERIALS=${item.serial}$`, 'm'));
    assert.match(env, new RegExp(`^FWCERT_OBJECTS=${item.objectName}$`, 'm'));
    const hooks = dev.hooks!;
    assert.equal(hooks.length, 3, 'the hook limited to another device did not run');
    assert.equal(hooks[0]!.output, 'reloaded ftd-1');
    assert.equal(hooks[0]!.exitCode, 0);
    assert.equal(hooks[1]!.error, 'exited with status 3');
    assert.equal(hooks[1]!.output, 'cannot reload');
    assert.match(hooks[2]!.error!, /did not finish within 1 s/);
    assert.ok(dev.warnings.some((w) => /post-commit hook .*fail\.sh exited with status 3/.test(w)));
    // Nothing changed, nothing committed: no hook.
    const again = await runCli(['--config', config, 'run', '--json']);
    assert.equal(json<RunReport>(again).devices[0]!.hooks, undefined);
  });
});
