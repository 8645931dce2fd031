// `fwcert run|enroll|renew`: the main job.
import type { Command } from 'commander';
import type { RunReport } from '../engine/report.js';
import type { Mode } from '../engine/device-run.js';
import { EXIT, guarded, loadContext, type GlobalOptions } from './context.js';
import { printJson, shortDate, table } from './output.js';
import { wholeNumber } from './parse.js';

const collect = (v: string, prev: string[]) => [...prev, v];

/** The run's table and summary; `quiet` (cron): nothing unless something failed, and then only the failures. */
export function printRunReport(r: RunReport, opts: { quiet?: boolean } = {}): void {
  if (opts.quiet) return printFailures(r);
  const rows: (string | undefined)[][] = [];
  for (const d of r.devices) {
    for (const i of d.items) {
      rows.push([i.device, i.profile, i.action, i.outcome, i.objectName, i.serial, shortDate(i.notAfter), i.error ?? i.reason]);
    }
  }
  process.stdout.write(`${table(['DEVICE', 'PROFILE', 'ACTION', 'RESULT', 'OBJECT', 'SERIAL', 'NOT AFTER', 'NOTE'], rows)}\n`);
  for (const d of r.devices) {
    if (d.reachable && d.error) process.stdout.write(`\n${d.device}: ${d.error}\n${(d.detail ?? []).map((l) => `  ${l}`).join('\n')}\n`);
    for (const w of d.warnings) process.stdout.write(`${d.device}: warning: ${w}\n`);
    if (d.removed.length) process.stdout.write(`${d.device}: removed replaced object(s) ${d.removed.join(', ')}\n`);
    if (d.wouldRemove?.length) process.stdout.write(`${d.device}: would remove no longer managed object(s) ${d.wouldRemove.join(', ')}\n`);
    for (const h of d.hooks ?? []) {
      process.stdout.write(`${d.device}: post-commit hook ${h.command}: ${h.error ?? 'ok'}${h.output ? `\n${h.output.split('\n').map((l) => `  | ${l}`).join('\n')}` : ''}\n`);
    }
  }
  const items = r.devices.flatMap((d) => d.items);
  const count = (o: string) => items.filter((i) => i.outcome === o).length;
  const commits = r.devices.filter((d) => d.committed).length;
  process.stdout.write(
    `\n${r.dryRun ? 'dry run: ' : ''}${items.length} certificate(s): ${count('done')} changed, ${count('ok')} fine, ` +
      `${count('planned') ? `${count('planned')} planned, ` : ''}${count('pending')} pending, ${count('failed')} failed; ` +
      `${commits} device(s) committed; ${r.devices.filter((d) => !d.reachable).length} device(s) unreachable\n`,
  );
}

function printFailures(r: RunReport): void {
  const rows = r.devices.flatMap((d) => d.items.filter((i) => i.outcome === 'failed'))
    .map((i) => [i.device, i.profile, i.action, i.error ?? i.reason]);
  const deviceErrors = r.devices.filter((d) => d.error && !d.items.some((i) => i.outcome === 'failed' && i.error === d.error));
  if (!rows.length && !deviceErrors.length) return;
  if (rows.length) process.stdout.write(`${table(['DEVICE', 'PROFILE', 'ACTION', 'ERROR'], rows)}\n`);
  for (const d of deviceErrors) process.stdout.write(`${d.device}: ${d.error}\n${(d.detail ?? []).map((l) => `  ${l}\n`).join('')}`);
}

export function registerRun(program: Command, name: Mode, description: string): void {
  const cmd = program
    .command(name)
    .description(description)
    .option('--profile <name>', 'only this certificate profile (repeatable)', collect, [])
    .option('--device <name>', 'only this device (repeatable)', collect, [])
    .option('--dry-run', 'print the plan, change nothing')
    .option('--json', 'print the report as JSON')
    .option('--concurrency <n>', 'devices worked on in parallel', wholeNumber(1, 1024))
    .option('--prometheus <file>', 'write a node_exporter textfile (default: alerts.prometheus.textfile)');
  if (name === 'run') cmd.option('--remove-retired', 'also delete certificates of profiles/targets no longer in the config (status: no-longer-managed)');
  if (name !== 'enroll') cmd.option('--force', name === 'renew' ? 'renew every certificate now, due or not' : 'renew every existing certificate now');
  cmd.action((o: { profile: string[]; device: string[]; dryRun?: boolean; json?: boolean; concurrency?: number; force?: boolean; prometheus?: string; removeRetired?: boolean }) =>
    guarded(async () => {
      // Loaded when the command runs, not for every start (--help loads no driver).
      const [{ publish, recordLastRun }, { lastRunOf, rowsAfterRun }, { runEngine }, { runFailed }] = await Promise.all([
        import('../alerts/dispatch.js'), import('../alerts/after-run.js'), import('../engine/run.js'), import('../engine/report.js'),
      ]);
      const { cfg, log } = await loadContext(program.opts<GlobalOptions>());
      const report = await runEngine(cfg, {
        command: name, profiles: o.profile, devices: o.device, dryRun: o.dryRun, force: o.force, concurrency: o.concurrency, log, removeRetired: o.removeRetired,
      });
      if (o.json) printJson(report);
      else printRunReport(report, { quiet: program.opts<GlobalOptions>().quiet });
      const m = cfg.monitoring.alerts;
      if (!o.dryRun) {
        recordLastRun(cfg, lastRunOf(report));
        if (o.prometheus || m.prometheusFile || m.webhooks.length || m.email) {
          const sent = await publish(cfg, await rowsAfterRun(cfg, report, log), { log, prometheusFile: o.prometheus });
          if (sent.errors.length) return EXIT.failed;
        }
      }
      return runFailed(report) ? EXIT.failed : EXIT.ok;
    }),
  );
}
