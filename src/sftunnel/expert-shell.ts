// An SSH session to an FMC or FTD in expert mode as root, the way an operator (and Cisco's
// copy_sftunnel_certs.py) does it: log in (the restricted CLI "> "), `expert`, `sudo su` with the
// same password, then commands at the root prompt. Each command is followed by
// `echo "fwcert-rc=$?"` so its output and exit status are read back exactly; interactive scripts
// (generate_certs.pl asks "[yes/no]:") are answered by a callback. Uses the ssh2 library.
import ssh2 from 'ssh2';
import { registerSecret } from '../core/redact.js';
import { hostVerifier, type HostKeyPin } from './host-key.js';

export interface SshTarget {
  /** For messages: the host's name in the config (FMC or device). */
  name: string;
  address: string;
  username: string;
  password?: string;
  privateKey?: string;
  passphrase?: string;
  pin: HostKeyPin;
}

export interface CommandResult {
  output: string;
  rc: number;
}

const RC = /fwcert-rc=(\d+)\n/;
const ROOT_PROMPT = /# $/;

export function splitAddress(address: string, defaultPort = 22): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$|^([^:]+)(?::(\d+))?$/.exec(address);
  if (!m) throw new Error(`"${address}" is not host[:port]`);
  return { host: (m[1] ?? m[3])!, port: Number(m[2] ?? m[4] ?? defaultPort) };
}

export class ExpertShell {
  private buf = '';
  private waiter?: () => void;
  private closed = false;

  private constructor(
    readonly target: SshTarget,
    private readonly conn: ssh2.Client,
    private readonly stream: ssh2.ClientChannel,
    private readonly timeoutMs: number,
  ) {
    stream.on('data', (d: Buffer) => {
      this.buf += d.toString('utf8').replace(/\r/g, '');
      this.waiter?.();
    });
    stream.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
  }

  /** Connects (host key checked before any credential is sent) and reaches the root prompt. */
  static async open(t: SshTarget, timeoutMs = 60_000): Promise<ExpertShell> {
    const { host, port } = splitAddress(t.address);
    const v = hostVerifier(t.pin, host, port);
    if (t.password) registerSecret(t.password);
    const conn = new ssh2.Client();
    const stream = await new Promise<ssh2.ClientChannel>((resolve, reject) => {
      conn.once('error', (e) => reject(new Error(v.refusal() ?? `SSH to ${t.name} (${t.address}): ${e.message}`)));
      conn.once('close', () => reject(new Error(v.refusal() ?? `SSH to ${t.name} (${t.address}): the connection closed before login`)));
      conn.once('ready', () => {
        conn.shell({ term: 'vt100', cols: 4000, rows: 50 }, (err, s) => (err ? reject(err) : resolve(s)));
      });
      conn.connect({
        host, port, username: t.username, password: t.password, privateKey: t.privateKey, passphrase: t.passphrase,
        hostVerifier: (key: Buffer) => v.verify(key), readyTimeout: timeoutMs, tryKeyboard: false,
      });
    });
    conn.on('error', () => undefined);
    const sh = new ExpertShell(t, conn, stream, timeoutMs);
    try {
      await sh.becomeRoot();
    } catch (e) {
      sh.close();
      throw e;
    }
    return sh;
  }

  private async becomeRoot(): Promise<void> {
    let sentPassword = false;
    for (let step = 0; step < 6; step++) {
      const { match } = await this.expect(/(> |\$ |# |Password: ?)$/);
      if (match.startsWith('#')) return;
      if (match.startsWith('>')) this.send('expert');
      else if (match.startsWith('$')) this.send('sudo su');
      else {
        if (sentPassword || !this.target.password) throw new Error(`${this.target.name}: sudo su refused the password (root is needed to reach /var/sf)`);
        sentPassword = true;
        this.send(this.target.password);
      }
    }
    throw new Error(`${this.target.name}: could not reach the root prompt (expert, sudo su)`);
  }

  private send(line: string): void {
    this.stream.write(`${line}\n`);
  }

  /** Waits until the unread output matches `re`; returns what came before the match and consumes both. */
  private expect(re: RegExp, timeoutMs = this.timeoutMs): Promise<{ before: string; match: string; groups: string[] }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`${this.target.name}: no answer within ${Math.round(timeoutMs / 1000)} s (last output: ${JSON.stringify(this.buf.slice(-200))})`));
      }, timeoutMs);
      const check = () => {
        const m = re.exec(this.buf);
        if (m) {
          clearTimeout(timer);
          this.waiter = undefined;
          const before = this.buf.slice(0, m.index);
          this.buf = this.buf.slice(m.index + m[0].length);
          resolve({ before, match: m[0], groups: m.slice(1) as string[] });
        } else if (this.closed) {
          clearTimeout(timer);
          this.waiter = undefined;
          reject(new Error(`${this.target.name}: the SSH session closed (last output: ${JSON.stringify(this.buf.slice(-200))})`));
        }
      };
      this.waiter = check;
      check();
    });
  }

  /** Runs one command line at the root prompt; `answer` is asked for each "[yes/no]:" prompt. */
  async run(command: string, opts: { answer?: (transcript: string) => string; timeoutMs?: number; secretOutput?: boolean } = {}): Promise<CommandResult> {
    this.buf = '';
    this.send(`${command}; echo "fwcert-rc=$?"`);
    let transcript = '';
    for (;;) {
      const r = await this.expect(opts.answer ? /\[yes\/no\]:\s*$|fwcert-rc=(\d+)\n/ : RC, opts.timeoutMs);
      transcript += r.before;
      if (r.match.startsWith('fwcert-rc=')) {
        await this.expect(ROOT_PROMPT, opts.timeoutMs);
        // The PTY echoes the command line first: drop it.
        const lines = transcript.split('\n');
        const echoAt = lines.findIndex((l) => l.includes('fwcert-rc=$?'));
        const output = (echoAt >= 0 ? lines.slice(echoAt + 1) : lines).join('\n');
        if (opts.secretOutput) registerSecret(output.trim());
        return { output, rc: Number(r.groups[0]) };
      }
      transcript += r.match;
      const a = opts.answer!(transcript);
      this.send(a); // the PTY echoes the answer into the transcript
    }
  }

  /** Runs a command and fails with its output when it exits non-zero. */
  async check(command: string, what: string): Promise<string> {
    const r = await this.run(command);
    if (r.rc !== 0) throw new Error(`${this.target.name}: ${what} failed (exit ${r.rc}): ${r.output.trim().split('\n').slice(-3).join(' / ')}`);
    return r.output;
  }

  close(): void {
    try {
      this.stream.end('exit\nexit\nexit\n');
    } catch {
      /* already closed */
    }
    this.conn.end();
  }
}
