// `fwcert status`: every managed certificate across the fleet, days left, marked by thresholds.
import type { Command } from 'commander';
import { fleetStatus } from '../engine/status.js';
import { EXIT, guarded, loadContext, type GlobalOptions } from './context.js';
import { printJson, shortDate, table } from './output.js';
import { wholeNumber } from './parse.js';

const MARK = { ok: 'OK', warn: 'WARN', critical: 'CRITICAL', expired: 'EXPIRED', missing: 'MISSING' } as const;

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('what every device holds, days left; exit 3 when a certificate is past the critical threshold')
    .option('--json', 'print as JSON')
    .option('--warn-days <n>', 'mark certificates with fewer days left as WARN', wholeNumber(0), 90)
    .option('--critical-days <n>', 'mark certificates with fewer days left as CRITICAL (exit 3)', wholeNumber(0), 30)
    .option('--ledger-only', 'do not contact devices; report what the ledger knows')
    .action((o: { json?: boolean; warnDays: number; criticalDays: number; ledgerOnly?: boolean }) =>
      guarded(async () => {
        const { cfg, log } = await loadContext(program.opts<GlobalOptions>());
        const r = await fleetStatus(cfg, { warnDays: o.warnDays, criticalDays: o.criticalDays, log, ledgerOnly: o.ledgerOnly });
        if (o.json) printJson(r);
        else {
          const rows = r.rows.map((x) => [
            MARK[x.level], x.device, x.profile, x.objectName, x.daysLeft, shortDate(x.notAfter), x.serial, x.issuer,
            [x.pendingOrder ? `order pending: ${x.pendingOrder}` : '', x.note ?? ''].filter(Boolean).join('; '),
          ]);
          process.stdout.write(`${table(['STATE', 'DEVICE', 'PROFILE', 'OBJECT', 'DAYS', 'NOT AFTER', 'SERIAL', 'ISSUER', 'NOTE'], rows)}\n`);
          for (const u of r.unreachable) process.stdout.write(`${u.device}: unreachable: ${u.error}\n`);
        }
        // Certificates fwcert does not manage are shown, but only managed ones decide the exit code.
        if (r.rows.some((x) => !x.unmanaged && (x.level === 'critical' || x.level === 'expired'))) return EXIT.critical;
        return r.unreachable.length ? EXIT.failed : EXIT.ok;
      }),
    );
}
