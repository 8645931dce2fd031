// `npm run chaos -- --runs N --kills M --seed S [--fdm F] [--panos P] [--lanes L] [--minutes T] [--tsx]`:
// fault injection and crash campaign against a lab fleet (see bench/chaos/harness.ts). Prints the
// figures as a table, then one JSON line with all of them (the last line); exits 1 when an invariant
// was broken (the seed reproduces it).
import { parseArgs } from 'node:util';
import { bundleCli } from './chaos/cli-bundle.js';
import { TSX_CLI } from './chaos/harness.js';
import { runLanes } from './chaos/lanes.js';

const { values: a } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    kills: { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
    fdm: { type: 'string', default: '2' },
    panos: { type: 'string', default: '2' },
    lanes: { type: 'string', default: '1' },
    minutes: { type: 'string' },
    // Run the CLI from the sources through tsx instead of a fresh bundle (slower; no build step).
    tsx: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});
const num = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number, got "${v}"`);
    process.exit(2);
  }
  return n;
};

const runs = num('runs', a.runs);
const kills = num('kills', a.kills);
if (kills > runs) {
  console.error(`--kills (${kills}) cannot exceed --runs (${runs}): each kill ends one faulted run`);
  process.exit(2);
}
const bundle = a.tsx ? undefined : await bundleCli();
const cli = bundle?.cli ?? TSX_CLI;
const fig = await runLanes({
  runs, kills, seed: num('seed', a.seed), fdm: num('fdm', a.fdm), panos: num('panos', a.panos), lanes: Math.max(1, num('lanes', a.lanes)), cli,
  maxMinutes: a.minutes === undefined ? undefined : num('minutes', a.minutes),
  log: a.quiet ? undefined : (l) => console.error(`${new Date().toISOString().slice(11, 19)} ${l}`),
});
bundle?.remove();
const rows: [string, string | number][] = [
  ['seed (lane seeds)', `${fig.seed} (${fig.laneSeeds.join(', ')})`], ['devices', fig.devices], ['rounds', fig.rounds], ['faulted runs', fig.faultedRuns],
  ['kills sent', fig.killsSent], ['kills mid-run', fig.killsMidRun], ['clean runs to converge', fig.convergeRuns],
  ['rounds by clean runs needed', JSON.stringify(fig.convergeHistogram)], ['most runs to converge a round', fig.maxRunsToConverge],
  ['invariant checks', fig.invariantChecks], ['SCM certificates', fig.scmCertificates],
  ['faulted run exits', JSON.stringify(fig.faultedExitCodes)], ['invariant violations', fig.violations.length], ['wall time (s)', fig.wallSeconds],
];
for (const [k, v] of rows) console.log(`${k.padEnd(30)} ${v}`);
console.log('faults armed, by kind:');
for (const [k, v] of Object.entries(fig.faultsByKind).sort((x, y) => y[1] - x[1])) console.log(`  ${String(v).padStart(5)}  ${k}`);
for (const v of fig.violations) console.log(`VIOLATION ${v}`);
console.log(JSON.stringify({ summary: 'fwcert chaos', ...fig }));
process.exit(fig.violations.length ? 1 : 0);
