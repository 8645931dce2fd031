// `npm run chaos -- --runs N --kills M --seed S [--fdm F] [--panos P] [--minutes T]`: fault injection and crash
// campaign against a lab fleet (see bench/chaos/harness.ts). Prints the figures as a table and JSON;
// exits 1 when an invariant was broken (the seed reproduces it).
import { parseArgs } from 'node:util';
import { runChaos } from './chaos/harness.js';

const { values: a } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    kills: { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
    fdm: { type: 'string', default: '2' },
    panos: { type: 'string', default: '2' },
    minutes: { type: 'string' },
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

const fig = await runChaos({
  runs: num('runs', a.runs), kills: num('kills', a.kills), seed: num('seed', a.seed), fdm: num('fdm', a.fdm), panos: num('panos', a.panos),
  maxMinutes: a.minutes === undefined ? undefined : num('minutes', a.minutes),
  log: a.quiet ? undefined : (l) => console.error(l),
});
const rows: [string, string | number][] = [
  ['seed', fig.seed], ['devices', fig.devices], ['rounds', fig.rounds], ['faulted runs', fig.faultedRuns],
  ['kills sent', fig.killsSent], ['kills mid-run', fig.killsMidRun], ['clean runs to converge', fig.convergeRuns],
  ['most runs to converge a round', fig.maxRunsToConverge], ['SCM certificates', fig.scmCertificates],
  ['faulted run exits', JSON.stringify(fig.faultedExitCodes)], ['invariant violations', fig.violations.length], ['wall time (s)', fig.wallSeconds],
];
for (const [k, v] of rows) console.log(`${k.padEnd(30)} ${v}`);
for (const v of fig.violations) console.log(`VIOLATION ${v}`);
console.log(JSON.stringify(fig));
process.exit(fig.violations.length ? 1 : 0);
