// `fwcert -q run` from cron: silent when all is well, only the failure when something failed, so
// that MAILTO mail means something. And the log lines themselves: each key once, times marked.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
    lab = await startLab({ dir, fdm: 2, panos: 1, knobs: { fdm: { deployDurationMs: 50 }, panos: { commitDurationMs: 50 } } });
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

  it('log file lines carry each key once; terminal lines mark UTC when piped and show an error once', async () => {
    lab.devices[0]!.handle.setKnobs({ failNextDeploy: true });
    const r = await cli('renew', '--force');
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split('\n');
    assert.ok(lines.length > 3);
    for (const l of lines) assert.match(l, /^\d\d:\d\d:\d\dZ (INFO|WARN|ERROR) /, l);
    const failure = lines.find((l) => /ERROR/.test(l) && /commit failed|deploy/i.test(l));
    assert.ok(failure, r.stderr);
    const m = /ERROR \s*\S+ (.*)$/.exec(failure)!;
    const reason = m[1]!.split(': ').pop()!;
    assert.equal(failure.split(reason).length - 1, 1, `the reason is printed once: ${failure}`);
    const log = readFileSync(join(dir, 'logs', 'fwcert.log'), 'utf8').trim().split('\n');
    assert.ok(log.length > 10);
    for (const line of log) {
      const dup = duplicateTopLevelKey(line);
      assert.equal(dup, undefined, `key "${dup}" twice in: ${line}`);
    }
  });
});

describe('fwcert status --device/--profile', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-status-filter-'));
    lab = await startLab({ dir, fdm: 2, panos: 1, knobs: { fdm: { deployDurationMs: 50 }, panos: { commitDurationMs: 50 } } });
    const r = await cli('-q', 'run');
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows only the rows of the devices and profiles asked for; an unknown name is a usage error', async () => {
    type Rows = { rows: { device: string; profile: string; kind?: string }[] };
    const all = await cli('status', '--json', '--no-probe');
    assert.equal(all.code, 0, all.stderr);
    const devicesOf = (r: Rows) => [...new Set(r.rows.map((x) => x.device))].sort();
    assert.deepEqual(devicesOf(JSON.parse(all.stdout) as Rows), ['ftd-1', 'ftd-2', 'pa-1']);
    const one = await cli('status', '--json', '--no-probe', '--device', 'ftd-2');
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(devicesOf(JSON.parse(one.stdout) as Rows), ['ftd-2']);
    const byProfile = await cli('status', '--json', '--no-probe', '--profile', 'gp-portal');
    assert.deepEqual((JSON.parse(byProfile.stdout) as Rows).rows.map((x) => `${x.device}/${x.profile}`), ['pa-1/gp-portal']);
    const bad = await cli('status', '--device', 'ftd-9');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^fwcert: usage: unknown device ftd-9 \(defined: ftd-1, ftd-2, pa-1\)/);
  });
});

/** The first top-level key that a JSON object text holds twice (JSON.parse would silently keep the last). */
function duplicateTopLevelKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const str = text.slice(i + 1, j);
      if (depth === 1 && text[j + 1] === ':') {
        if (seen.has(str)) return str;
        seen.add(str);
      }
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return undefined;
}
