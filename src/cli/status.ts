// `fwcert status`: what every device really serves and holds, days left, marked by thresholds.
// Exit: 0 fine, 1 an error row or an unreachable device, 3 anything critical, 5 warnings (with --warn-exit).
import type { Command } from 'commander';
import type { StatusReport } from '../engine/status.js';
import { guarded, loadContext, type GlobalOptions } from './context.js';
import { printJson, shortDate, table } from './output.js';
import { wholeNumber } from './parse.js';

export interface StatusFlags {
  json?: boolean;
  warnDays?: number;
  criticalDays?: number;
  ledgerOnly?: boolean;
  all?: boolean;
  probe: boolean;
  warnExit?: boolean;
  prometheus?: string;
  alerts: boolean;
  html?: string;
  profile: string[];
  device: string[];
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** `--profile`/`--device`: show (and judge the exit code by) just those rows. Unknown names are usage
 *  errors (exit 2). Metrics and alerts still cover the whole fleet, so a filtered look never makes a
 *  certificate look resolved to monitoring. */
function only(r: StatusReport, profiles: string[], devices: string[]): StatusReport {
  if (!profiles.length && !devices.length) return r;
  return {
    ...r,
    rows: r.rows.filter((x) => (!devices.length || devices.includes(x.device)) && (!profiles.length || (x.profile !== undefined && profiles.includes(x.profile)))),
    unreachable: r.unreachable.filter((u) => !devices.length || devices.includes(u.device)),
  };
}

export function statusTable(r: StatusReport): string {
  const rows = r.rows.map((x) => [
    x.level.toUpperCase(), x.device, x.profile, x.state, x.kind, x.objectName, x.daysLeft, shortDate(x.notAfter), x.serial, x.issuer,
    x.bindings?.join(', '),
    [x.pendingOrder ? `order pending: ${x.pendingOrder}` : '', x.note ?? ''].filter(Boolean).join('; '),
  ]);
  const lines = [table(['LEVEL', 'DEVICE', 'PROFILE', 'STATE', 'KIND', 'OBJECT', 'DAYS', 'NOT AFTER', 'SERIAL', 'ISSUER', 'USED BY', 'NOTE'], rows)];
  for (const u of r.unreachable) lines.push(`${u.device}: unreachable: ${u.error}`);
  return lines.join('\n');
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('what every device holds and serves, days left; exit 3 when anything is critical')
    .option('--json', 'print as JSON')
    .option('--profile <name>', 'only this certificate profile (repeatable)', collect, [])
    .option('--device <name>', 'only this device (repeatable)', collect, [])
    .option('--warn-days <n>', 'WARN below this many days left (default: alerts.warn_days, 90)', wholeNumber(0))
    .option('--critical-days <n>', 'CRITICAL below this many days left (default: alerts.critical_days, 30)', wholeNumber(0))
    .option('--ledger-only', 'do not contact devices; report what the ledger (and the CA) knows')
    .option('--all', 'every certificate on every configured device: managed, unmanaged, CA and trust-store ones')
    .option('--probe', 'run the configured TLS probes (the default)')
    .option('--no-probe', 'skip the configured TLS probes')
    .option('--warn-exit', 'exit 5 when the worst level is WARN (default: 0)')
    .option('--prometheus <file>', 'write a node_exporter textfile (default: alerts.prometheus.textfile)')
    .option('--no-alerts', 'do not send webhook/email alerts for level changes')
    .option('--html <file>', 'also write a self-contained HTML report (table, expiry timeline, last run failures)')
    .action((o: StatusFlags) =>
      guarded(async () => {
        // Loaded when the command runs, not for every start (--help loads no driver).
        const [{ publish }, { writeStatusPage }, { fleetStatus, statusExitCode }, { selectProfiles }, { assertManagesSomething }] = await Promise.all([
          import('../alerts/dispatch.js'), import('../report/status-page.js'), import('../engine/status.js'), import('../engine/run.js'),
          import('../engine/manages-nothing.js'),
        ]);
        const { cfg, log } = await loadContext(program.opts<GlobalOptions>());
        assertManagesSomething(cfg); // like run: exit 2, before any contact
        if (o.profile.length || o.device.length) selectProfiles(cfg, o.profile, o.device); // a typo: exit 2 before any contact
        const a = cfg.monitoring.alerts;
        const r = await fleetStatus(cfg, {
          warnDays: o.warnDays ?? a.warnDays, criticalDays: o.criticalDays ?? a.criticalDays, log, ledgerOnly: o.ledgerOnly, all: o.all, probe: o.probe,
        });
        const shown = only(r, o.profile, o.device);
        if (o.json) printJson(shown);
        else process.stdout.write(`${statusTable(shown)}\n`);
        const code = statusExitCode(shown, !!o.warnExit);
        if (o.html) writeStatusPage(cfg, shown, o.html);
        const m = cfg.monitoring.alerts;
        if (o.prometheus || m.prometheusFile || (o.alerts && (m.webhooks.length || m.email))) {
          const cfgNoAlerts = o.alerts ? cfg : { ...cfg, monitoring: { ...cfg.monitoring, alerts: { ...m, webhooks: [], email: undefined } } };
          const sent = await publish(cfgNoAlerts, r.rows, { log, prometheusFile: o.prometheus });
          if (sent.errors.length && code === 0) return 1;
        }
        return code;
      }),
    );
}
