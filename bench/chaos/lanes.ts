// Several independent chaos campaigns at once, each with its own lab, ledger and seed, merged into
// one set of figures. A run spends part of its time waiting for jobs and polls, so two lanes get
// more faulted runs through per hour than one when the machine has a core to spare.
import { runChaos, type ChaosFigures, type ChaosOptions } from './harness.js';

export interface LaneFigures extends Omit<ChaosFigures, 'seed'> {
  seed: number;
  lanes: number;
  /** The seed of each lane: `--seed <it> --lanes 1` with the lane's runs and kills replays it. */
  laneSeeds: number[];
}

/** Lane i gets seed + i * 7919 and an even share of the runs and kills. */
export function laneSeed(seed: number, lane: number): number {
  return seed + lane * 7919;
}

const share = (total: number, lanes: number, i: number) => Math.floor(total / lanes) + (i < total % lanes ? 1 : 0);

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export async function runLanes(opts: ChaosOptions & { lanes: number }): Promise<LaneFigures> {
  const lanes = Math.max(1, opts.lanes);
  const started = Date.now();
  const figs = await Promise.all(
    Array.from({ length: lanes }, (_, i) =>
      runChaos({
        ...opts, seed: laneSeed(opts.seed, i), runs: share(opts.runs, lanes, i), kills: share(opts.kills, lanes, i),
        log: opts.log && (lanes > 1 ? (l) => opts.log!(`[lane ${i}] ${l}`) : opts.log),
      }),
    ),
  );
  const out: LaneFigures = {
    seed: opts.seed, lanes, laneSeeds: figs.map((f) => f.seed), devices: 0, rounds: 0, faultedRuns: 0, killsSent: 0, killsMidRun: 0,
    convergeRuns: 0, maxRunsToConverge: 0, faultedExitCodes: {}, faultsByKind: {}, convergeHistogram: {}, invariantChecks: 0,
    scmCertificates: 0, violations: [], wallSeconds: Math.round((Date.now() - started) / 1000),
  };
  figs.forEach((f, i) => {
    for (const k of ['devices', 'rounds', 'faultedRuns', 'killsSent', 'killsMidRun', 'convergeRuns', 'invariantChecks', 'scmCertificates'] as const) out[k] += f[k];
    out.maxRunsToConverge = Math.max(out.maxRunsToConverge, f.maxRunsToConverge);
    addCounts(out.faultedExitCodes, f.faultedExitCodes);
    addCounts(out.faultsByKind, f.faultsByKind);
    addCounts(out.convergeHistogram, f.convergeHistogram);
    out.violations.push(...f.violations.map((v) => (lanes > 1 ? `lane ${i} (seed ${f.seed}): ${v}` : v)));
  });
  return out;
}
