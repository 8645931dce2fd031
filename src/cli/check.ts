// `fwcert check`: validate the config, reach every device and CA, and prove that each (profile, device)
// could be served without changing anything: the CA offers what the profile asks, the device supports
// the key and has every binding the profile names, hook commands exist. Exit 2 for a configuration
// mistake found this way, 1 for a device or CA that cannot be reached, 0 when all is well.
import type { Command } from 'commander';
import { CaError, ConfigError, errorMessage } from '../core/errors.js';
import { EXIT, guarded, loadContext, type GlobalOptions } from './context.js';
import { printJson, table } from './output.js';

export interface CheckRow {
  /** device, ca, pair (profile on device) or hook. */
  kind: 'device' | 'ca' | 'pair' | 'hook';
  name: string;
  type?: string;
  result: 'ok' | 'failed' | 'problem';
  detail: string;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('validate the configuration, reach every device and CA, and check each profile against them, changing nothing')
    .option('--json', 'print the results as JSON')
    .action((o: { json?: boolean }) =>
      guarded(async () => {
        // Loaded when the command runs, not for every start (--help loads no driver).
        const [{ commandProblem }, { buildIssuer, Targets }, { checkProfileOf, devicePairProblems }, { Ledger }, { assertManagesSomething }] = await Promise.all([
          import('../core/command.js'), import('../engine/build.js'), import('../engine/preflight.js'), import('../ledger/ledger.js'),
          import('../engine/manages-nothing.js'),
        ]);
        const { cfg, log } = await loadContext(program.opts<GlobalOptions>());
        assertManagesSomething(cfg); // like run: exit 2, before any contact
        const rows: CheckRow[] = [];
        const targets = new Targets(cfg, log);
        try {
          await targets.forEach([...cfg.devices.keys()], cfg.concurrency, async (t, name) => {
            const d = cfg.devices.get(name)!;
            try {
              const info = await t.open();
              const inv = await t.inventory();
              rows.push({ kind: 'device', name, type: d.type.type, result: 'ok', detail: [info.model, info.version, info.haRole, `${inv.length} certificate object(s)`].filter(Boolean).join(', ') });
              for (const p of cfg.profiles.filter((x) => x.targets.some((tg) => tg.device === name))) {
                const problems = await devicePairProblems(t, p);
                rows.push({ kind: 'pair', name: `${p.name} on ${name}`, result: problems.length ? 'problem' : 'ok', detail: problems.join('; ') || 'key type supported, bindings present' });
              }
            } catch (e) {
              // A name the configuration gives that a manager does not know (an FTD, a domain) is a configuration mistake.
              rows.push({ kind: 'device', name, type: d.type.type, result: e instanceof ConfigError ? 'problem' : 'failed', detail: errorMessage(e) });
            } finally {
              await t.close().catch(() => undefined);
            }
          });
        } finally {
          await targets.close();
        }
        const ledger = new Ledger(cfg.ledgerPath, cfg.passphrase);
        try {
          for (const ca of cfg.cas.values()) {
            const issuer = buildIssuer(ca, log, ledger);
            const profiles = cfg.profiles.filter((p) => p.ca === ca.name);
            try {
              const notes = issuer.check ? await issuer.check(profiles.map(checkProfileOf)) : ['configuration valid (this CA type has no live check)'];
              rows.push({ kind: 'ca', name: ca.name, type: ca.type.type, result: 'ok', detail: notes.join('; ') });
            } catch (e) {
              // "This cannot work" (a cert_type the org lacks, a wrong directory, a missing hook) is a configuration mistake;
              // a CA that is briefly unreachable is not.
              const result = e instanceof CaError && !e.retryable ? 'problem' : 'failed';
              rows.push({ kind: 'ca', name: ca.name, type: ca.type.type, result, detail: errorMessage(e) });
            } finally {
              await issuer.close?.().catch(() => undefined);
            }
          }
        } finally {
          ledger.close();
        }
        for (const h of cfg.monitoring.hooks.postCommit) {
          const why = commandProblem(h.command);
          rows.push({ kind: 'hook', name: `post_commit ${h.command}`, result: why ? 'problem' : 'ok', detail: why ?? 'executable' });
        }
        const code = rows.some((r) => r.result === 'problem') ? EXIT.usage : rows.some((r) => r.result === 'failed') ? EXIT.failed : EXIT.ok;
        if (o.json) printJson({ file: cfg.file, profiles: cfg.profiles.length, exitCode: code, rows });
        else {
          const mark = { ok: 'ok', failed: 'FAILED', problem: 'PROBLEM' } as const;
          process.stdout.write(`${table(['KIND', 'NAME', 'TYPE', 'RESULT', 'DETAIL'], rows.map((r) => [r.kind, r.name, r.type, mark[r.result], r.detail]))}\n`);
          process.stdout.write(`${cfg.profiles.length} profile(s) valid in ${cfg.file}\n`);
        }
        return code;
      }),
    );
}
