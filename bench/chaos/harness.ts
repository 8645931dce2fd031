// The chaos harness: a lab fleet in this process, the real CLI in child processes. Each round arms
// random faults, runs fwcert (`run` or `renew --force`), SIGKILLs some runs at a random moment,
// then clears the faults, reruns until a run changes nothing, and checks the invariants.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { armFaults } from './faults.js';
import { checkInvariants } from './invariants.js';
import { Prng } from './prng.js';

/** The repository (the folder with package.json): two levels up from bench/chaos/, three from its build in dist/bench/chaos/. */
const ROOT = [new URL('../../', import.meta.url), new URL('../../../', import.meta.url)].map((u) => fileURLToPath(u)).find((d) => existsSync(join(d, 'package.json')))!;
/** How the harness starts fwcert by default: from the sources, through tsx (see cli-bundle.ts for the fast way). */
export const TSX_CLI = ['--import', 'tsx', 'src/cli/main.ts'];

export interface ChaosOptions {
  /** Faulted runs in total. */
  runs: number;
  /** How many of them are SIGKILLed at a random moment while still running (a kill that comes after the
   *  run has ended does not count: another run is killed instead, as long as runs are left). */
  kills: number;
  seed: number;
  fdm: number;
  panos: number;
  /** Clean runs allowed to converge after a round. */
  maxConvergeRuns?: number;
  /** Stop after the round during which this many minutes have passed (a time-boxed campaign). */
  maxMinutes?: number;
  /** Node arguments that start the CLI (default TSX_CLI; run from the repository root). */
  cli?: string[];
  log?: (line: string) => void;
}

export interface ChaosFigures {
  seed: number;
  devices: number;
  rounds: number;
  faultedRuns: number;
  killsSent: number;
  /** Kills that hit a run still in progress (the others had already exited). */
  killsMidRun: number;
  convergeRuns: number;
  maxRunsToConverge: number;
  faultedExitCodes: Record<string, number>;
  /** Faults armed, by kind (device names and counts left out). */
  faultsByKind: Record<string, number>;
  /** Rounds (and the first enrollment) by how many clean runs they needed until one changed nothing. */
  convergeHistogram: Record<string, number>;
  /** Times every invariant was checked (once after each converged round). */
  invariantChecks: number;
  scmCertificates: number;
  violations: string[];
  wallSeconds: number;
}

interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function runCli(cli: string[], configPath: string, args: string[], killAfterMs?: number): Promise<Child & { killedMidRun: boolean }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cli, '--config', configPath, ...args], {
      cwd: ROOT, env: { ...process.env, FWCERT_CONFIG: '', FWCERT_PASSPHRASE: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let exited = false;
    let killedMidRun = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => {
      if (!exited) {
        killedMidRun = true;
        child.kill('SIGKILL');
      }
    }, killAfterMs);
    child.on('error', reject);
    child.on('exit', () => (exited = true));
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, killedMidRun });
    });
  });
}

/** True when the run did nothing: every item ok, no commit, nothing removed or cleaned. */
function changedNothing(r: Child): boolean {
  if (r.code !== 0) return false;
  try {
    const rep = JSON.parse(r.stdout) as RunReport;
    return rep.devices.every((d) => !d.committed && !d.removed.length && !d.cleaned?.length && d.items.every((i) => i.outcome === 'ok'));
  } catch {
    return false;
  }
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosFigures> {
  const log = opts.log ?? (() => undefined);
  const rng = new Prng(opts.seed);
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'fwcert-chaos-'));
  // Fast jobs, so that a campaign spends its time on faults rather than on waiting.
  const lab: Lab = await startLab({
    dir, fdm: opts.fdm, panos: opts.panos, logLevel: 'warn',
    knobs: { fdm: { deployDurationMs: 100, webRestartMs: 100 }, panos: { commitDurationMs: 100 } },
  });
  const ledger = join(dir, 'state', 'fwcert.db');
  const fig: ChaosFigures = {
    seed: opts.seed, devices: opts.fdm + opts.panos, rounds: 0, faultedRuns: 0, killsSent: 0, killsMidRun: 0,
    convergeRuns: 0, maxRunsToConverge: 0, faultedExitCodes: {}, faultsByKind: {}, convergeHistogram: {}, invariantChecks: 0,
    scmCertificates: 0, violations: [], wallSeconds: 0,
  };
  const cli = opts.cli ?? TSX_CLI;
  const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
  const maxConverge = opts.maxConvergeRuns ?? 6;
  let durations: number[] = [];
  const typicalMs = () => (durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : 8000);

  const converge = async (round: number): Promise<boolean> => {
    for (let i = 1; i <= maxConverge; i++) {
      const r = await runCli(cli, lab.configPath, ['run', '--json']);
      fig.convergeRuns++;
      durations = [...durations.slice(-19), r.ms];
      if (changedNothing(r)) {
        fig.maxRunsToConverge = Math.max(fig.maxRunsToConverge, i);
        bump(fig.convergeHistogram, String(i));
        return true;
      }
      if (r.code !== 0 && r.code !== 1) log(`round ${round}: clean run exited ${r.code}: ${r.stderr.slice(-400)}`);
    }
    return false;
  };

  try {
    if (!(await converge(0))) fig.violations.push('the first enrollment of the fleet did not converge');
    else {
      for (const b of await checkInvariants(lab, ledger)) fig.violations.push(`first enrollment: ${b}`);
      fig.invariantChecks++;
    }
    let killsLeft = opts.kills;
    let runsLeft = opts.runs;
    const deadline = opts.maxMinutes ? started + opts.maxMinutes * 60_000 : Infinity;
    while (runsLeft > 0 && fig.violations.length === 0 && Date.now() < deadline) {
      const round = ++fig.rounds;
      const inRound = Math.min(runsLeft, rng.int(1, 3));
      for (let i = 0; i < inRound; i++) {
        const faults = armFaults(rng, lab);
        for (const k of faults.kinds) bump(fig.faultsByKind, k);
        // Kills are spread over the remaining runs so that the requested number of mid-run kills is reached.
        const kill = killsLeft > 0 && rng.next() < killsLeft / runsLeft;
        const args = rng.chance(0.5) ? ['renew', '--force', '--json'] : ['run', '--json'];
        const killAt = kill ? Math.round(typicalMs() * (0.15 + 0.85 * rng.next())) : undefined;
        const r = await runCli(cli, lab.configPath, args, killAt);
        runsLeft--;
        fig.faultedRuns++;
        if (kill) {
          fig.killsSent++;
          if (r.killedMidRun) {
            fig.killsMidRun++;
            killsLeft--;
          }
        }
        const key = r.signal ?? String(r.code);
        bump(fig.faultedExitCodes, key);
        if (r.code !== null && r.code !== 0 && r.code !== 1) {
          fig.violations.push(`round ${round}: ${args[0]} with [${faults.labels.join('; ')}] exited ${r.code}: ${r.stderr.slice(-600)}`);
        }
        log(`round ${round}: ${args.join(' ')} [${faults.labels.join('; ')}]${kill ? ` kill@${killAt}ms${r.killedMidRun ? '' : ' (already done)'}` : ''} -> ${key} (${r.ms} ms)`);
        faults.clear();
      }
      if (!(await converge(round))) {
        fig.violations.push(`round ${round}: no run without changes after ${maxConverge} clean runs`);
        break;
      }
      const bad = await checkInvariants(lab, ledger);
      fig.invariantChecks++;
      for (const b of bad) fig.violations.push(`round ${round}: ${b}`);
      log(`round ${round}: converged; invariants ${bad.length ? `BROKEN: ${bad.join(' | ')}` : 'hold'} (faulted runs ${fig.faultedRuns}, kills ${fig.killsSent})`);
    }
    fig.scmCertificates = (lab.scm.state() as { certificates: unknown[] }).certificates.length;
  } finally {
    await lab.close();
    if (fig.violations.length === 0) rmSync(dir, { recursive: true, force: true });
    else log(`lab directory kept for inspection: ${dir}`);
  }
  fig.wallSeconds = Math.round((Date.now() - started) / 1000);
  return fig;
}
