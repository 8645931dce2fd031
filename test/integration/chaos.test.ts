// A small seeded slice of the chaos campaign (`npm run chaos`): random faults and SIGKILLs against a
// one-FTD, one-PAN-OS lab; the fleet converges and every invariant holds (see bench/chaos/).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runChaos } from '../../bench/chaos/harness.js';
import { cliEntry } from '../support/cli.js';

it('chaos slice: faults and kills, then convergence with every invariant intact', { timeout: 900_000 }, async () => {
  const lines: string[] = [];
  // The CLI every other test starts: the fresh build in dist/, else the sources through tsx.
  const fig = await runChaos({ runs: 2, kills: 1, seed: 7, fdm: 1, panos: 1, cli: cliEntry(), log: (l) => lines.push(l) });
  assert.deepEqual(fig.violations, [], lines.join('\n'));
  assert.equal(fig.faultedRuns, 2);
  assert.ok(fig.killsSent >= 1 && fig.killsSent <= 2, `a kill is sent again when one comes after the run ended (${fig.killsSent} sent)`);
  assert.ok(fig.killsMidRun <= 1);
  assert.ok(fig.convergeRuns >= 2, 'the fleet was enrolled and re-checked by clean runs');
  assert.equal(fig.invariantChecks, fig.rounds + 1, 'checked after the first enrollment and after every round');
  const armed = Object.values(fig.faultsByKind).reduce((a, b) => a + b, 0);
  assert.ok(armed >= fig.faultedRuns && armed <= 3 * fig.faultedRuns, `1 to 3 faults per faulted run, ${armed} armed`);
  assert.ok(!Object.keys(fig.faultsByKind).some((k) => /ftd-|pa-/.test(k)), 'fault kinds carry no device names');
});
