#!/usr/bin/env node
// fwcert command line: parses flags and hands each command to its module.
import { Command, CommanderError } from 'commander';
import { registerCheck } from './check.js';
import { EXIT } from './context.js';
import { registerDemo } from './demo.js';
import { registerLab } from './lab.js';
import { registerRevoke } from './revoke.js';
import { registerRun } from './run.js';
import { registerSecrets } from './secrets.js';
import { registerSftunnel } from './sftunnel.js';
import { registerStatus } from './status.js';

const program = new Command('fwcert')
  .description('keeps firewall TLS certificates valid: CSR, CA, install, bind, commit — unattended')
  .option('-c, --config <file>', 'configuration file (default: $FWCERT_CONFIG, else ./fwcert.yaml)')
  .option('-q, --quiet', 'no log lines on the terminal (the log file still gets them)')
  .option('-v, --verbose', 'debug log lines on the terminal')
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

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  process.stderr.write(`fwcert: ${(e as Error).message}\n`);
  process.exit(EXIT.usage);
}
