// Logging: pino JSON lines to the configured file, short readable lines on the terminal.
// Every message and string field passes through redact() first.
import { mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import { redact, redactValue } from './redact.js';

export type Logger = pino.Logger;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface LogOptions {
  level: LogLevel;
  /** JSON log file; absent = no file. */
  file?: string;
  /** Readable lines on stderr (off for --json runs' stdout cleanliness is not affected: stderr is used). */
  terminal: boolean;
  terminalLevel?: LogLevel;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** A tiny pretty-printer for the terminal: "12:00:01 INFO  [ftd-edge-1] installed vpn-portal". */
function terminalStream(): pino.DestinationStream {
  return {
    write(line: string) {
      try {
        const o = JSON.parse(line) as Record<string, unknown>;
        const t = new Date(Number(o.time)).toISOString().slice(11, 19);
        const lvl = (LEVEL_NAMES[Number(o.level)] ?? 'INFO').padEnd(5);
        const scope = [o.device, o.ca, o.profile].filter(Boolean).join('/');
        const extra = o.err && typeof o.err === 'object' ? ` (${(o.err as { message?: string }).message ?? ''})` : '';
        process.stderr.write(`${t} ${lvl} ${scope ? `[${scope}] ` : ''}${String(o.msg ?? '')}${extra}\n`);
      } catch {
        process.stderr.write(line);
      }
    },
  };
}

export function createLogger(opts: LogOptions): Logger {
  const streams: pino.StreamEntry[] = [];
  if (opts.file) {
    mkdirSync(dirname(opts.file), { recursive: true, mode: 0o700 });
    const fd = openSync(opts.file, 'a', 0o640);
    streams.push({ level: opts.level as pino.Level, stream: pino.destination({ fd, sync: true }) });
  }
  if (opts.terminal) streams.push({ level: (opts.terminalLevel ?? opts.level) as pino.Level, stream: terminalStream() });
  const lowest = streams.length ? opts.level : 'silent';
  return pino(
    {
      level: lowest,
      base: undefined,
      hooks: {
        logMethod(args, method) {
          const clean = args.map((a) => (typeof a === 'string' ? redact(a) : redactValue(a))) as Parameters<typeof method>;
          method.apply(this, clean);
        },
      },
      serializers: {
        err: (e: unknown) => {
          const err = e as { message?: string; name?: string; detail?: string[] };
          return redactValue({ name: err?.name, message: err?.message ?? String(e), detail: err?.detail });
        },
      },
    },
    pino.multistream(streams.length ? streams : [{ level: 'silent' as pino.Level, stream: { write() {} } }]),
  );
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
