// `fwcert revoke --profile N --reason R`: revoke at the CA what the ledger says is in service.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { REVOCATION_REASONS, type Issuer, type RevocationReason } from '../ca/issuer.js';
import { errorMessage, UsageError } from '../core/errors.js';
import { EXIT, guarded, loadContext, type GlobalOptions } from './context.js';
import { printJson, table } from './output.js';

export function registerRevoke(program: Command): void {
  program
    .command('revoke')
    .description('revoke the certificates of a profile at the CA (the next run replaces them)')
    .requiredOption('--profile <name>', 'certificate profile')
    .requiredOption('--reason <reason>', `one of ${REVOCATION_REASONS.join(', ')}`)
    .option('--device <name>', 'only the certificate on this device')
    .option('--dry-run', 'list what would be revoked, revoke nothing')
    .option('-y, --yes', 'do not ask for confirmation (on a terminal fwcert asks; elsewhere it does not)')
    .option('--json', 'print the result as JSON')
    .action((o: { profile: string; reason: string; device?: string; dryRun?: boolean; yes?: boolean; json?: boolean }) =>
      guarded(async () => {
        if (!REVOCATION_REASONS.includes(o.reason as RevocationReason)) {
          throw new UsageError(`--reason ${o.reason} is not allowed (allowed: ${REVOCATION_REASONS.join(', ')})`);
        }
        // Loaded when the command runs, not for every start (--help loads no driver).
        const [{ buildIssuer }, { selectProfiles }, { RunLock }, { Ledger }] = await Promise.all([
          import('../engine/build.js'), import('../engine/run.js'), import('../engine/lock.js'), import('../ledger/ledger.js'),
        ]);
        const { cfg, log } = await loadContext(program.opts<GlobalOptions>());
        const [profile] = selectProfiles(cfg, [o.profile], o.device ? [o.device] : undefined);
        if (!profile) throw new UsageError(`profile ${o.profile} has no target ${o.device ?? ''}`);
        const lock = o.dryRun ? undefined : RunLock.acquire(`${cfg.ledgerPath}.lock`);
        const ledger = new Ledger(cfg.ledgerPath, cfg.passphrase);
        let failed = 0;
        const rows: string[][] = [];
        try {
          const records = ledger.inService().filter((r) => r.profile === profile.name && (!o.device || r.device === o.device) && r.state !== 'revoked');
          if (!records.length) throw new UsageError(`the ledger has no certificate of profile ${profile.name} to revoke`);
          if (o.dryRun) {
            for (const r of records) rows.push([r.device, r.objectName, r.serial, 'would revoke', r.caRef ? `${r.ca} ${r.caRef.id}` : 'not issued by fwcert (adopted): skipped']);
            return report(rows, o.json, EXIT.ok);
          }
          if (!o.yes && process.stdin.isTTY && process.stdout.isTTY && !(await confirm(records.length, profile.name, o.reason))) {
            process.stderr.write('fwcert: nothing revoked\n');
            return EXIT.ok;
          }
          const issuers = new Map<string, Issuer>();
          for (const r of records) {
            if (!r.caRef) {
              rows.push([r.device, r.objectName, r.serial, 'skipped', 'not issued by fwcert (adopted); revoke it at its CA']);
              continue;
            }
            const entry = cfg.cas.get(r.ca);
            if (!entry) {
              rows.push([r.device, r.objectName, r.serial, 'failed', `CA ${r.ca} is no longer configured`]);
              failed++;
              continue;
            }
            const issuer = issuers.get(r.ca) ?? buildIssuer(entry, log, ledger);
            issuers.set(r.ca, issuer);
            try {
              await issuer.revoke(r.caRef, o.reason as RevocationReason);
              ledger.markRevoked(r.id);
              ledger.event('revoked', `${r.caRef.id} (${o.reason})`, r.profile, r.device);
              rows.push([r.device, r.objectName, r.serial, 'revoked', `${r.ca} ${r.caRef.id}`]);
            } catch (e) {
              failed++;
              rows.push([r.device, r.objectName, r.serial, 'failed', errorMessage(e)]);
            }
          }
          for (const i of issuers.values()) await i.close?.();
        } finally {
          ledger.close();
          lock?.release();
        }
        return report(rows, o.json, failed ? EXIT.failed : EXIT.ok);
      }),
    );
}

function report(rows: string[][], json: boolean | undefined, code: number): number {
  if (json) printJson(rows.map(([device, objectName, serial, result, note]) => ({ device, objectName, serial, result, note })));
  else process.stdout.write(`${table(['DEVICE', 'OBJECT', 'SERIAL', 'RESULT', 'NOTE'], rows)}\n`);
  return code;
}

/** Revocation cannot be undone: on a terminal, the admin types "yes". */
async function confirm(count: number, profile: string, reason: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`Revoke ${count} certificate(s) of profile ${profile} at the CA (reason ${reason})? This cannot be undone. Type yes: `);
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}
