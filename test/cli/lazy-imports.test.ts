// `fwcert --help` (and a command's --help) loads no CA or device driver and none of the lab: each
// command loads what it needs when it runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function loadedBy(args: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'fwcert-imports-'));
  const file = join(dir, 'imports.txt');
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', './test/support/trace-imports.mjs', 'src/cli/main.ts', ...args], {
      cwd: ROOT, env: { ...process.env, FWCERT_TRACE_IMPORTS: file }, encoding: 'utf8', timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Usage: fwcert/);
    return readFileSync(file, 'utf8').split('\n').filter((u) => u.startsWith('file:') && !u.includes('/node_modules/')).map((u) => u.slice(u.indexOf('/src/') + 1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const args of [['--help'], ['run', '--help']]) {
  test(`fwcert ${args.join(' ')} loads no driver and no lab`, () => {
    const loaded = loadedBy(args);
    assert.ok(loaded.includes('src/cli/main.ts'), loaded.join('\n'));
    const heavy = loaded.filter((m) => /^src\/(ca|devices|lab|engine\/run|config\/load|ledger|secrets\/pgp|sftunnel)\b/.test(m) && !/\/(issuer|target)\.ts$/.test(m));
    assert.deepEqual(heavy, []);
  });
}
