// `fwcert revoke --profile N --reason R`: revoke at the CA what the ledger says is in service.
import type { Command } from 'commander';
import { REVOCATION_REASONS, type RevocationReason } from '../ca/issuer.js';
import { ConfigError, errorMessage } from '../core/errors.js';
import { EXIT, guarded, loadContext, type GlobalOptions } from './context.js';
import { table } from './output.js';

export function registerRevoke(program: Command): void {
  program
    .command('revoke')
    .description('revoke the certificates of a profile at the CA (the next run replaces them)')
    .requiredOption('--profile <name>', 'certificate profile')
    .requiredOption('--reason <reason>', `one of ${REVOCATION_REASONS.join(', ')}`)
    .option('--device <name>', 'only the certificate on this device')
    .action((o: { profile: string; reason: string; device?: string }) =>
      guarded(async () => {
        const { buildIssuer } = await import('../engine/build.js');
        const { selectProfiles } = await import('../engine/run.js');
        const { RunLock } = await import('../engine/lock.js');
        const { Ledger } = await import('../ledger/ledger.js');
        if (!REVOCATION_REASONS.includes(o.reason as RevocationReason)) {
          throw new ConfigError(`--reason ${o.reason} is not allowed (allowed: ${REVOCATION_REASONS.join(', ')})`);
        }
        const { cfg, log } = await loadContext(program.opts<GlobalOptions>());
        const [profile] = selectProfiles(cfg, [o.profile], o.device ? [o.device] : undefined);
        if (!profile) throw new ConfigError(`profile ${o.profile} has no target ${o.device ?? ''}`);
        const lock = RunLock.acquire(`${cfg.ledgerPath}.lock`);
        const ledger = new Ledger(cfg.ledgerPath, cfg.passphrase);
        let failed = 0;
        const rows: string[][] = [];
        try {
          const records = ledger.inService().filter((r) => r.profile === profile.name && (!o.device || r.device === o.device) && r.state !== 'revoked');
          if (!records.length) throw new ConfigError(`the ledger has no certificate of profile ${profile.name} to revoke`);
          const issuers = new Map<string, ReturnType<typeof buildIssuer>>();
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
          lock.release();
        }
        process.stdout.write(`${table(['DEVICE', 'OBJECT', 'SERIAL', 'RESULT', 'NOTE'], rows)}\n`);
        return failed ? EXIT.failed : EXIT.ok;
      }),
    );
}
