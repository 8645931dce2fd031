// Shared by every command: load the config, build the logger, map errors to exit codes.
import { ConfigError, errorMessage, RunLockedError, UsageError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { redact } from '../core/redact.js';
import type { Config } from '../config/model.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, critical: 3, locked: 4 } as const;

export interface GlobalOptions {
  config?: string;
  quiet?: boolean;
  verbose?: boolean;
}

export async function loadContext(g: GlobalOptions): Promise<{ cfg: Config; log: Logger }> {
  // Loaded on demand: the config loader brings every CA and device driver with it, the logger pino (not needed for --help).
  const [{ loadConfig }, { createLogger }] = await Promise.all([import('../config/load.js'), import('../core/log.js')]);
  const cfg = await loadConfig({ configPath: g.config });
  const level = g.verbose ? 'debug' : cfg.log.level;
  const log = createLogger({ level, file: cfg.log.file, terminal: !g.quiet, terminalLevel: g.verbose ? 'debug' : level === 'debug' || level === 'trace' ? level : 'info' });
  for (const w of cfg.warnings) log.warn(w);
  return { cfg, log };
}

/** Runs a command body and turns what it throws into a message and an exit code. */
export async function guarded(body: () => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await body();
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`fwcert: usage: ${redact(e.message)}\n`);
      code = EXIT.usage;
    } else if (e instanceof ConfigError) {
      process.stderr.write(`fwcert: configuration error:\n${redact(e.message)}\n`);
      code = EXIT.usage;
    } else if (e instanceof RunLockedError) {
      process.stderr.write(`fwcert: ${e.message}\n`);
      code = EXIT.locked;
    } else {
      process.stderr.write(`fwcert: ${redact(errorMessage(e))}\n`);
      code = EXIT.failed;
    }
  }
  // Let pino flush synchronous file streams, then leave with the code.
  process.exitCode = code;
  return process.exit(code);
}
