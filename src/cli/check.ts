// `fwcert check`: validate the config and reach every device and CA without changing anything.
import type { Command } from 'commander';
import { ConfigError, errorMessage } from '../core/errors.js';
import { buildIssuer, Targets } from '../engine/build.js';
import { Ledger } from '../ledger/ledger.js';
import { EXIT, guarded, loadContext, type GlobalOptions } from './context.js';
import { table } from './output.js';

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('validate the configuration and reach every device and CA, changing nothing')
    .action(() =>
      guarded(async () => {
        const { cfg, log } = await loadContext(program.opts<GlobalOptions>());
        const rows: string[][] = [];
        let bad = 0;
        // Names the configuration gives that a manager does not know (an FTD, a domain): exit 2 like other config errors.
        let badConfig = 0;
        const targets = new Targets(cfg, log);
        const devices = await targets.forEach([...cfg.devices.keys()], cfg.concurrency, async (t, name) => {
          const d = cfg.devices.get(name)!;
          try {
            const info = await t.open();
            const inv = await t.inventory();
            return [d.name, d.type.type, 'ok', [info.model, info.version, info.haRole, `${inv.length} certificate object(s)`].filter(Boolean).join(', ')];
          } catch (e) {
            bad++;
            if (e instanceof ConfigError) badConfig++;
            return [d.name, d.type.type, 'FAILED', errorMessage(e)];
          } finally {
            await t.close().catch(() => undefined);
          }
        });
        await targets.close();
        rows.push(...devices);
        const ledger = new Ledger(cfg.ledgerPath, cfg.passphrase);
        try {
          for (const ca of cfg.cas.values()) {
            const issuer = buildIssuer(ca, log, ledger);
            try {
              const notes = issuer.check ? await issuer.check() : ['configuration valid (this CA type has no live check)'];
              rows.push([ca.name, ca.type.type, 'ok', notes.join('; ')]);
            } catch (e) {
              bad++;
              rows.push([ca.name, ca.type.type, 'FAILED', errorMessage(e)]);
            } finally {
              await issuer.close?.().catch(() => undefined);
            }
          }
        } finally {
          ledger.close();
        }
        process.stdout.write(`${table(['NAME', 'TYPE', 'RESULT', 'DETAIL'], rows)}\n`);
        process.stdout.write(`${cfg.profiles.length} profile(s) valid in ${cfg.file}\n`);
        return badConfig ? EXIT.usage : bad ? EXIT.failed : EXIT.ok;
      }),
    );
}
