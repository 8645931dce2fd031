// `fwcert --help`, `--version` and a command's --help load commander and the CLI modules only: no CA or
// device driver, none of the lab, no engine pipeline, ledger, PKI or logger. Each command loads what it
// needs when it runs, which the last tests show with the same tracer (so an empty trace cannot pass):
// the drivers of the CA and device types its configuration names, and no others.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startLab } from '../../src/lab/fleet.js';
import { cliEntry } from '../support/cli.js';
import { ROOT } from '../support/root.js';

/** The modules a `fwcert ARGS` process loads: repo paths (src/...ts; a module of the build in dist/ is named
 *  as its source) and package names. The CLI is the one the other tests start (the fresh build, else tsx). */
async function loadedBy(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string; src: string[]; packages: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'fwcert-imports-'));
  const file = join(dir, 'imports.txt');
  try {
    // Asynchronous, so that a lab in this process answers the CLI.
    const entry = cliEntry();
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [...entry.slice(0, -1), '--import', './test/support/trace-imports.mjs', ...entry.slice(-1), ...args], {
        cwd: ROOT, env: { ...process.env, FWCERT_CONFIG: '', FWCERT_TRACE_IMPORTS: file }, encoding: 'utf8', timeout: 120_000,
      }, (_e, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }));
    });
    const urls = [...new Set(readFileSync(file, 'utf8').split('\n').filter((u) => u.startsWith('file:')))];
    const src = urls.filter((u) => !u.includes('/node_modules/') && u.includes('/src/')).map((u) => u.slice(u.lastIndexOf('/src/') + 1).replace(/\.js$/, '.ts'));
    const packages = [...new Set(urls.filter((u) => u.includes('/node_modules/')).map((u) => {
      const parts = u.slice(u.lastIndexOf('/node_modules/') + 14).split('/');
      return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    }))];
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, src, packages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What must not load before a command runs: drivers, lab, engine pipeline, config loader, ledger, PKI, alerts, secrets. */
const HEAVY = /^src\/(ca\/(?!issuer\.ts$)|devices\/|lab\/|ledger\/|pki\/|http\/|sftunnel\/|alerts\/|report\/|secrets\/|config\/load\.ts$|engine\/(?!policy\.ts$))/;

for (const args of [['--help'], ['--version'], ['run', '--help'], ['status', '--help'], ['check', '--help'], ['revoke', '--help']]) {
  test(`fwcert ${args.join(' ')} loads commander and the CLI only`, async () => {
    const r = await loadedBy(args);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, args[0] === '--version' ? /^\d+\.\d+\.\d+/ : /Usage: fwcert/);
    assert.ok(r.src.includes('src/cli/main.ts'), r.src.join('\n'));
    assert.deepEqual(r.src.filter((m) => HEAVY.test(m)), []);
    // tsx's own modules are the loader, not fwcert's.
    assert.deepEqual(r.packages.filter((p) => !['commander', 'tsx', 'esbuild', 'get-tsconfig', 'resolve-pkg-maps'].includes(p)), []);
  });
}

/** A CA or device driver's own modules (not the interfaces and registries beside them). */
const DRIVER = /^src\/(ca|devices)\/[^/]+\//;

test('a command loads the config loader and the driver registries when it runs (the tracer sees them), no driver before the configuration names one', async () => {
  const r = await loadedBy(['--config', join(tmpdir(), 'fwcert-no-such-config.yaml'), 'run']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /file not found/);
  assert.ok(r.src.includes('src/config/load.ts'), r.src.join('\n'));
  assert.ok(r.src.includes('src/devices/registry.ts') && r.src.includes('src/ca/registry.ts'), r.src.join('\n'));
  assert.deepEqual(r.src.filter((m) => DRIVER.test(m)), []);
  assert.ok(r.packages.includes('zod'), r.packages.join('\n'));
});

test('status and run load no ACME client, mail or OpenPGP library when the config uses no ACME CA, email alert or encrypted file', async () => {
  // Each is loaded when it is used (the ACME, alert and secrets tests cover those paths).
  const dir = mkdtempSync(join(tmpdir(), 'fwcert-imports-lab-'));
  const lab = await startLab({ dir, fdm: 1, panos: 0, knobs: { fdm: { deployDurationMs: 20 } } });
  try {
    // status: 3, the lab's FTD holds no certificate yet.
    for (const [args, code] of [[['check'], 0], [['run', '--dry-run'], 0], [['status'], 3]] as const) {
      const r = await loadedBy(['--config', lab.configPath, ...args]);
      assert.equal(r.status, code, r.stdout + r.stderr);
      assert.ok(r.packages.includes('undici'), `${args.join(' ')}: ${r.packages.join(' ')}`);
      // The lab's CA is Sectigo SCM and its one device an FDM: those drivers load, no other.
      assert.deepEqual([...new Set(r.src.filter((m) => DRIVER.test(m)).map((m) => m.split('/').slice(0, 3).join('/')))].sort(), ['src/ca/sectigo', 'src/devices/fdm'], args.join(' '));
      assert.deepEqual(r.packages.filter((p) => ['acme-client', 'axios', 'node-forge', 'nodemailer', 'openpgp'].includes(p)), [], args.join(' '));
    }
  } finally {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
