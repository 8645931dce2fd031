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

const COLOURS: Record<string, string> = { TRACE: '\x1b[90m', DEBUG: '\x1b[90m', INFO: '\x1b[36m', WARN: '\x1b[33m', ERROR: '\x1b[31m', FATAL: '\x1b[41;97m' };

/** "12:00:01Z" when piped (UTC, marked), "13:00:01+01:00" on a terminal (local time with its offset). */
function clock(ms: number, local: boolean): string {
  const d = new Date(ms);
  if (!local) return `${d.toISOString().slice(11, 19)}Z`;
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const pad = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${sign}${pad(off / 60)}:${pad(off % 60)}`;
}

/** A tiny pretty-printer for the terminal: "12:00:01Z INFO  [ftd-edge-1] installed vpn-portal". On a TTY:
 *  local time and colour (unless NO_COLOR is set); piped: plain, UTC. */
function terminalStream(): pino.DestinationStream {
  const tty = !!process.stderr.isTTY;
  const colour = tty && !process.env.NO_COLOR;
  return {
    write(line: string) {
      try {
        const o = JSON.parse(line) as Record<string, unknown>;
        const name = LEVEL_NAMES[Number(o.level)] ?? 'INFO';
        const lvl = colour ? `${COLOURS[name] ?? ''}${name.padEnd(5)}\x1b[0m` : name.padEnd(5);
        const scope = [o.device ?? o.manager, o.ca, o.profile].filter(Boolean).join('/');
        const msg = String(o.msg ?? '');
        // The error's message is shown once: most messages already quote it.
        const errMsg = o.err && typeof o.err === 'object' ? ((o.err as { message?: string }).message ?? '') : '';
        const extra = errMsg && !msg.includes(errMsg) ? ` (${errMsg})` : '';
        process.stderr.write(`${clock(Number(o.time), tty)} ${lvl} ${scope ? `[${scope}] ` : ''}${msg}${extra}\n`);
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
          // A field the logger is already bound to (device, ca, profile ...) is not written twice in one line.
          const first = clean[0] as unknown;
          if (first && typeof first === 'object' && !(first instanceof Error)) {
            const bound = this.bindings();
            const fields = { ...(first as Record<string, unknown>) };
            for (const k of Object.keys(fields)) if (k in bound) delete fields[k];
            (clean as unknown[])[0] = fields;
          }
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
