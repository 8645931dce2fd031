// An interactive SSH shell as an FMC / FTD admin gets it: the restricted CLI ("> "), `expert`
// for the Linux shell, `sudo su` (password asked, not echoed) for root, then commands. A PTY
// echoes what is typed and ends lines with CRLF, so the emulator does too. The prompts follow
// the seed ("root@firepower:/Volume/home/admin#", "admin@BSNS-1120-1:~$", "> expert").
// Commands: a small subset of bash that the sftunnel job (and the seed's manual approach) uses:
// `a; b` sequences, `echo` with `$?`, `echo DATA | base64 -d > FILE`, and the host's commands.
// Inferred / abridged: the login banner, the expert-mode warning, the CLI's syntax error text.
import type { LabHost } from './world.js';

export interface ShellIo {
  write(text: string): void;
  /** The next line the user types (without its line end); echoed unless `secret`. */
  readLine(opts?: { secret?: boolean }): Promise<string | undefined>;
}

/** A host command: prints through io and returns the exit status. */
export type Command = (args: string[], io: ShellIo) => Promise<number> | number;

export interface ShellStream {
  write(data: string): void;
  on(event: 'data', cb: (d: Buffer) => void): void;
  on(event: 'close' | 'end', cb: () => void): void;
  end(): void;
}

export function lineReader(stream: ShellStream): ShellIo {
  let buf = '';
  let waiting: ((l: string | undefined) => void) | undefined;
  let echo = true;
  let closed = false;
  let lastWasCr = false;
  const lines: string[] = [];
  stream.on('data', (d) => {
    for (const ch of d.toString('utf8')) {
      if (ch === '\r' || ch === '\n') {
        if (ch === '\n' && buf === '' && lastWasCr) {
          lastWasCr = false; // CRLF is one line end
          continue;
        }
        lastWasCr = ch === '\r';
        if (echo) stream.write('\r\n');
        lines.push(buf);
        buf = '';
      } else {
        lastWasCr = false;
        buf += ch;
        if (echo) stream.write(ch);
      }
    }
    flush();
  });
  const done = () => {
    closed = true;
    flush();
  };
  stream.on('close', done);
  stream.on('end', done);
  function flush() {
    if (!waiting) return;
    if (lines.length) {
      const w = waiting;
      waiting = undefined;
      w(lines.shift());
    } else if (closed) {
      const w = waiting;
      waiting = undefined;
      w(undefined);
    }
  }
  return {
    write: (t) => stream.write(t.replace(/\r?\n/g, '\r\n')),
    readLine: (opts) =>
      new Promise((res) => {
        echo = !opts?.secret;
        waiting = (l) => {
          echo = true;
          res(l);
        };
        flush();
      }),
  };
}

/** Splits a command line into words, honouring '...' and "..." quotes (no globbing, no escapes inside single quotes). */
export function words(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let any = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      any = true;
    } else if (/\s/.test(ch)) {
      if (cur || any) out.push(cur);
      cur = '';
      any = false;
    } else cur += ch;
  }
  if (cur || any) out.push(cur);
  return out;
}

export async function runShell(host: LabHost, stream: ShellStream, commands: Record<string, Command>, homePrompt: string): Promise<void> {
  const io = lineReader(stream);
  const user = host.user.username;
  let level: 'cli' | 'expert' | 'root' = 'cli';
  let status = 0;
  const prompt = () => (level === 'cli' ? '> ' : level === 'expert' ? `${user}@${host.name}:~$ ` : `root@${host.name}:${homePrompt}# `);
  io.write(`\nCopyright 2004-2024, Cisco and/or its affiliates. All rights reserved.\nCisco is a registered trademark of Cisco Systems, Inc.\n\n`);
  for (;;) {
    io.write(prompt());
    const line = await io.readLine();
    if (line === undefined) break;
    const text = line.trim();
    if (!text) continue;
    if (text === 'exit') {
      if (level === 'cli') break;
      level = level === 'root' ? 'expert' : 'cli';
      continue;
    }
    if (level === 'cli') {
      if (text === 'expert') {
        io.write('*************** Attention! ***************\nExpert mode provides full access to the system.\n');
        level = 'expert';
      } else io.write(`Syntax error: Illegal parameter\n`);
      continue;
    }
    if (level === 'expert') {
      if (text === 'sudo su') {
        io.write('\nWe trust you have received the usual lecture from the local System\nAdministrator. It usually boils down to these three things:\n\n');
        for (let tries = 0; tries < 3; tries++) {
          io.write('Password: ');
          const pw = await io.readLine({ secret: true });
          io.write('\n');
          if (pw === host.user.password) {
            level = 'root';
            break;
          }
          io.write('Sorry, try again.\n');
        }
      } else io.write(`-bash: ${words(text)[0]}: Permission denied (run it as root: sudo su)\n`);
      continue;
    }
    for (const part of text.split(/\s*;\s*/)) {
      if (!part) continue;
      status = await runOne(part, status);
    }
  }
  stream.end();

  async function runOne(part: string, last: number): Promise<number> {
    const pipe = /^echo\s+([A-Za-z0-9+/=]+)\s*\|\s*base64\s+-d\s*>\s*(\S+)$/.exec(part);
    if (pipe) {
      host.commands.push(`base64 -d > ${pipe[2]}`);
      host.files.set(pipe[2]!, Buffer.from(pipe[1]!, 'base64').toString('utf8'));
      return 0;
    }
    const argv = words(part.replace(/\$\?/g, String(last)));
    const [name, ...args] = argv;
    if (!name) return last;
    if (name === 'echo') {
      io.write(`${args.join(' ')}\n`);
      return 0;
    }
    host.commands.push(name === 'cat' || name === 'cp' || name === 'which' || name === 'ls' ? argv.join(' ') : name + (args.length ? ` ${args.join(' ')}` : ''));
    const cmd = commands[name] ?? commands[name.replace(/^.*\//, '')];
    if (!cmd) {
      io.write(`bash: ${name}: command not found\n`);
      return 127;
    }
    return cmd(args, io);
  }
}

/** Commands every lab host has: cat, cp, ls -1t, tail -n, which, unset, openssl x509 -dates. */
export function fileCommands(host: LabHost, bins: () => string[], dates: (pem: string) => { notBefore: string; notAfter: string }): Record<string, Command> {
  return {
    cat: (args, io) => {
      let rc = 0;
      for (const p of args) {
        const f = host.files.get(p.replace(/\/\/+/g, '/'));
        if (f === undefined) {
          io.write(`cat: ${p}: No such file or directory\n`);
          rc = 1;
        } else io.write(f);
      }
      return rc;
    },
    cp: (args, io) => {
      const [from, to] = args.filter((a) => !a.startsWith('-'));
      const f = from ? host.files.get(from) : undefined;
      if (f === undefined || !to) {
        io.write(`cp: cannot stat '${from ?? ''}': No such file or directory\n`);
        return 1;
      }
      host.files.set(to, f);
      return 0;
    },
    ls: (args, io) => {
      const dir = args.filter((a) => !a.startsWith('-'))[0] ?? '.';
      const prefix = dir.endsWith('/') ? dir : `${dir}/`;
      const entries = new Set<string>();
      for (const p of host.files.keys()) if (p.startsWith(prefix)) entries.add(p.slice(prefix.length).split('/')[0]!);
      if (!entries.size && !host.files.has(dir)) {
        io.write(`ls: cannot access '${dir}': No such file or directory\n`);
        return 2;
      }
      // -t: newest first; the lab's only timed folders are /var/tmp/certs/<unix time>.
      const list = [...entries].sort((a, b) => (args.includes('-1t') || args.includes('-t') ? b.localeCompare(a, 'en', { numeric: true }) : a.localeCompare(b)));
      io.write(host.files.has(dir) ? `${dir}\n` : `${list.join('\n')}\n`);
      return 0;
    },
    unset: () => 0,
    tail: (args, io) => {
      const n = args[0] === '-n' ? Number(args[1]) : 10;
      const path = args[args.length - 1]!;
      const f = host.files.get(path);
      if (f === undefined) {
        io.write(`tail: cannot open '${path}' for reading: No such file or directory\n`);
        return 1;
      }
      const lines = f.replace(/\n$/, '').split('\n');
      io.write(`${lines.slice(-n).join('\n')}\n`);
      return 0;
    },
    which: (args, io) => {
      let rc = 0;
      for (const a of args) {
        const hit = bins().find((b) => b.endsWith(`/${a}`));
        if (hit) io.write(`${hit}\n`);
        else rc = 1;
      }
      return rc;
    },
    openssl: (args, io) => {
      const inIdx = args.indexOf('-in');
      const path = inIdx >= 0 ? args[inIdx + 1] : undefined;
      if (args[0] !== 'x509' || !path) {
        io.write('openssl: the lab only knows `openssl x509 -dates|-enddate [-noout] -in FILE`\n');
        return 1;
      }
      const pem = host.files.get(path);
      if (pem === undefined) {
        io.write(`Could not open file or uri for loading certificate from ${path}\n`);
        return 1;
      }
      const d = dates(pem);
      if (args.includes('-dates') || args.includes('-startdate')) io.write(`notBefore=${d.notBefore}\n`);
      if (args.includes('-dates') || args.includes('-enddate')) io.write(`notAfter=${d.notAfter}\n`);
      if (!args.includes('-noout')) io.write(pem);
      return 0;
    },
  };
}
