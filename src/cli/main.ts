#!/usr/bin/env node
// fwcert command line: parses flags and hands each command to its module.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCheck } from './check.js';
import { registerCompletion } from './completion.js';
import { EXIT } from './context.js';
import { registerDemo } from './demo.js';
import { registerLab } from './lab.js';
import { registerRevoke } from './revoke.js';
import { registerRun } from './run.js';
import { registerSchema } from './schema.js';
import { registerSecrets } from './secrets.js';
import { registerSftunnel } from './sftunnel.js';
import { registerStatus } from './status.js';

/** The version of the installed package (package.json sits three levels above dist/src/cli and two above src/cli). */
function packageVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'fwcert' && pkg.version) return pkg.version;
    } catch {
      // not at this level: try the next
    }
  }
  return 'unknown';
}

const program = new Command('fwcert')
  .description('keeps firewall TLS certificates valid: CSR, CA, install, bind, commit — unattended')
  .option('-c, --config <file>', 'configuration file (default: $FWCERT_CONFIG, else ./fwcert.yaml)')
  .version(packageVersion(), '-V, --version', 'print the version')
  .option('-q, --quiet', 'for cron: print nothing unless something failed (the log file still gets everything)')
  .option('-v, --verbose', 'debug log lines on the terminal')
  .addHelpText(
    'after',
    `
Exit codes:
  0  all good (also: nothing to do)
  1  a certificate or device failed (the report says which and why; the next run retries it)
  2  bad configuration or usage (file:line says what is wrong); nothing was contacted
  3  status: a certificate is past the critical threshold, expired, revoked or missing
  4  another fwcert run holds the lock for this configuration; nothing was done
  5  status --warn-exit: the worst level is a warning (warn threshold, pending commit, ...)`,
  )
  .showHelpAfterError()
  .exitOverride();

registerRun(program, 'run', 'enroll, renew, replace and rebind whatever needs it; one commit per device');
registerRun(program, 'enroll', 'only certificates that are missing, expired or revoked');
registerRun(program, 'renew', 'only certificates inside their renewal window (or all with --force)');
registerStatus(program);
registerSftunnel(program);
registerCheck(program);
registerSecrets(program);
registerRevoke(program);
registerLab(program);
registerDemo(program);
registerSchema(program);
registerCompletion(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  process.stderr.write(`fwcert: ${(e as Error).message}\n`);
  process.exit(EXIT.usage);
}
