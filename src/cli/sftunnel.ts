// `fwcert sftunnel status|renew`: the FMC internal CA (sftunnel) per Cisco's renewal note.
import type { Command } from 'commander';
import { daysLeft } from '../engine/policy.js';
import type { NodeInspection } from '../sftunnel/inspect.js';
import type { RenewReport } from '../sftunnel/renew.js';
import { EXIT, guarded, loadContext, type GlobalOptions } from './context.js';
import { printJson, shortDate, table } from './output.js';
import { wholeNumber } from './parse.js';

/** What both sftunnel commands need, loaded only when one of them runs (not for every fwcert start). */
async function sftunnelModules() {
  const [status, lock, ledger, inspect, options, renew] = await Promise.all([
    import('../engine/status.js'), import('../engine/lock.js'), import('../ledger/ledger.js'),
    import('../sftunnel/inspect.js'), import('../sftunnel/options.js'), import('../sftunnel/renew.js'),
  ]);
  return {
    levelOf: status.levelOf, RunLock: lock.RunLock, Ledger: ledger.Ledger, inspectSite: inspect.inspectSite,
    fmcManagers: options.fmcManagers, resolveSite: options.resolveSite, renewSftunnel: renew.renewSftunnel,
  };
}

export function registerSftunnel(program: Command): void {
  const cmd = program.command('sftunnel').description("the FMC's internal CA (sftunnel, port 8305): expiry, and renewal over SSH with every FTD brought back");
  cmd
    .command('status')
    .description('per FMC: InternalCA from the sftunnel handshake; with ssh: configured also cacert.pem, connected peers, hotfix, renewal progress')
    .option('--json', 'print as JSON')
    .option('--fmc <name>', 'only this FMC (managers: entry)')
    .option('--warn-days <n>', 'WARN below this many days', wholeNumber(0), 90)
    .option('--critical-days <n>', 'CRITICAL below this many days (exit 3)', wholeNumber(0), 30)
    .action((o: { json?: boolean; fmc?: string; warnDays: number; criticalDays: number }) =>
      guarded(async () => {
        const { levelOf, RunLock, Ledger, inspectSite, fmcManagers, resolveSite, renewSftunnel } = await sftunnelModules();
        const { cfg } = await loadContext(program.opts<GlobalOptions>());
        const managers = selectManagers(fmcManagers(cfg), o.fmc);
        const ledger = new Ledger(cfg.ledgerPath, cfg.passphrase);
        let nodes: NodeInspection[] = [];
        try {
          for (const m of managers) nodes.push(...(await inspectSite(await resolveSite(m, cfg.dir, cfg.passphrase), ledger)));
        } finally {
          ledger.close();
        }
        const now = new Date();
        const caNotAfter = (n: NodeInspection) => n.ssh?.internalCa?.notAfter ?? n.sftunnel?.chain?.ca?.notAfter;
        const level = (n: NodeInspection) => {
          const na = caNotAfter(n);
          return na ? levelOf(daysLeft(new Date(na), now), o.warnDays, o.criticalDays) : 'missing';
        };
        if (o.json) printJson({ at: now.toISOString(), warnDays: o.warnDays, criticalDays: o.criticalDays, nodes: nodes.map((n) => ({ ...n, level: level(n) })) });
        else {
          const rows = nodes.map((n) => {
            const na = caNotAfter(n);
            const peers = n.ssh?.peers;
            const left = n.progress && n.progress.phase !== 'complete' ? n.progress.failed.map((f) => f.name).filter((x, i, a) => a.indexOf(x) === i && !n.progress!.done.includes(x)) : [];
            return [
              level(n).toUpperCase(), n.fmc, n.role, na ? daysLeft(new Date(na), now) : undefined, shortDate(na),
              peers ? `${peers.filter((p) => p.connected).length}/${peers.length}` : '', n.ssh ? (n.ssh.hotfix ? 'yes' : n.ssh.hotfix === false ? 'NO' : '') : '',
              [
                n.sftunnel?.error ? `sftunnel: ${n.sftunnel.error}` : '',
                n.ssh?.error ? `ssh: ${n.ssh.error}` : '',
                peers?.some((p) => !p.connected) ? `not connected: ${peers.filter((p) => !p.connected).map((p) => p.peer).join(', ')}` : '',
                left.length ? `renewal in progress, still failing: ${left.join(', ')}` : n.progress?.phase === 'complete' ? `renewed ${shortDate(n.progress.generatedAt)}` : '',
              ].filter(Boolean).join('; '),
            ];
          });
          process.stdout.write(`${table(['STATE', 'FMC', 'ROLE', 'DAYS', 'NOT AFTER', 'PEERS UP', 'HOTFIX', 'NOTE'], rows)}\n`);
        }
        if (nodes.some((n) => ['critical', 'expired'].includes(level(n)))) return EXIT.critical;
        // A peer that is not connected (a device dropped off, or still waiting for its files) is a failure to look at.
        return nodes.some((n) => n.sftunnel?.error || n.ssh?.error || level(n) === 'missing' || n.ssh?.peers?.some((p) => !p.connected)) ? EXIT.failed : EXIT.ok;
      }),
    );
  cmd
    .command('renew')
    .description("renew an FMC's InternalCA (generate_certs.pl), copy the certificates to every device it could not push to, restart sftunnel there; primary before secondary")
    .requiredOption('--fmc <name>', 'the FMC (managers: entry)')
    .option('--yes', 'really do it (the InternalCA is replaced and sftunnel restarts on the failed devices)')
    .option('--dry-run', 'look (SSH, read-only) and print every step; change nothing')
    .option('--force', 'generate a new InternalCA even though fwcert already renewed the current one')
    .option('--json', 'print the report as JSON')
    .action((o: { fmc: string; yes?: boolean; dryRun?: boolean; force?: boolean; json?: boolean }) =>
      guarded(async () => {
        const { levelOf, RunLock, Ledger, inspectSite, fmcManagers, resolveSite, renewSftunnel } = await sftunnelModules();
        if (!o.yes && !o.dryRun) {
          process.stderr.write('fwcert: sftunnel renew replaces the FMC InternalCA and restarts sftunnel on devices: add --yes (or --dry-run to see the steps)\n');
          return EXIT.usage;
        }
        const { cfg, log } = await loadContext(program.opts<GlobalOptions>());
        const [m] = selectManagers(fmcManagers(cfg), o.fmc);
        const site = await resolveSite(m!, cfg.dir, cfg.passphrase);
        const lock = o.dryRun ? undefined : RunLock.acquire(`${cfg.ledgerPath}.sftunnel-${m!.name}.lock`);
        const ledger = new Ledger(cfg.ledgerPath, cfg.passphrase);
        let r: RenewReport;
        try {
          r = await renewSftunnel(site, ledger, { dryRun: !!o.dryRun, force: o.force, log, timeoutMs: site.timeoutMs });
        } finally {
          ledger.close();
          lock?.release();
        }
        if (o.json) printJson(r);
        else process.stdout.write(renderRenew(r));
        return r.ok ? EXIT.ok : EXIT.failed;
      }),
    );
}

function selectManagers<T extends { name: string }>(all: T[], only: string | undefined): T[] {
  if (!only) return all;
  const m = all.find((x) => x.name === only);
  if (!m) throw new Error(`no FMC named "${only}" under managers: (FMCs: ${all.map((x) => x.name).join(', ') || 'none'})`);
  return [m];
}

function renderRenew(r: RenewReport): string {
  const out: string[] = [`sftunnel renew ${r.manager}${r.dryRun ? ' (dry run: nothing changed)' : ''}`];
  for (const n of r.nodes) {
    out.push('', `${n.fmc} (${n.role}): ${n.generation}${n.caAfter ? `, new InternalCA valid until ${n.caAfter.notAfter}` : n.caBefore ? `, InternalCA valid until ${n.caBefore.notAfter}` : ''}`);
    if (n.stopped) out.push(`  STOPPED: ${n.stopped}`);
    for (const s of n.steps) out.push(`  ${s}`);
    if (n.failedPushFile) out.push(`  FAILED_PUSH: ${n.failedPushFile}`);
    if (n.devices.length) {
      out.push(
        table(['  DEVICE', 'IP', 'STATE', 'NOTE'], n.devices.map((d) => [`  ${d.name}`, d.ip, d.state.toUpperCase(), d.error ?? d.steps.slice(-1)[0] ?? ''])),
      );
      for (const d of n.devices.filter((x) => x.state === 'failed' || x.state === 'would-copy')) {
        for (const e of d.failedPush) out.push(`    ${d.state === 'failed' ? 'FAILED_PUSH' : 'would copy'} ${d.name}: ${e.source} -> ${e.destination}`);
      }
    }
    if (n.peers) out.push(`  sftunnel_status.pl: ${n.peers.filter((p) => p.connected).length}/${n.peers.length} peers connected${n.peers.some((p) => !p.connected) ? ` (not: ${n.peers.filter((p) => !p.connected).map((p) => p.peer).join(', ')})` : ''}`);
  }
  out.push('', r.dryRun ? (r.ok ? 'DRY RUN: nothing was changed' : 'DRY RUN: nothing was changed; a renewal would stop as shown') : r.ok ? 'OK' : 'NOT DONE: run `fwcert sftunnel renew` again once the failed devices are reachable');
  return `${out.join('\n')}\n`;
}
