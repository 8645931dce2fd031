// `fwcert encrypt FILE` / `fwcert decrypt FILE`: credentials at rest, OpenPGP (gpg-compatible).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, UsageError } from '../core/errors.js';
import { EXIT, guarded, type GlobalOptions } from './context.js';

/** $FWCERT_PASSPHRASE, else the config's secrets.passphrase_file (read without loading the rest). */
async function passphrase(g: GlobalOptions): Promise<string> {
  const [{ resolveConfigPath }, { parse }, { resolvePassphrase }] = await Promise.all([
    import('../config/load.js'), import('yaml'), import('../secrets/passphrase.js'),
  ]);
  const cfgPath = resolveConfigPath({ configPath: g.config });
  let file: string | undefined;
  if (existsSync(cfgPath)) {
    const doc = parse(readFileSync(cfgPath, 'utf8')) as { secrets?: { passphrase_file?: string } } | null;
    if (doc?.secrets?.passphrase_file) file = resolve(dirname(cfgPath), doc.secrets.passphrase_file);
  }
  const r = resolvePassphrase({ file });
  if (!r) throw new ConfigError('no passphrase: set $FWCERT_PASSPHRASE or secrets.passphrase_file in the config');
  if (r.warning) process.stderr.write(`fwcert: warning: ${r.warning}\n`);
  return r.passphrase;
}

function writeOut(out: string, text: string, force?: boolean): void {
  if (existsSync(out) && !force) throw new UsageError(`${out} exists; use --force to overwrite it`);
  writeFileSync(out, text, { mode: 0o600 });
}

export function registerSecrets(program: Command): void {
  program
    .command('encrypt <file>')
    .description('encrypt a credentials file to FILE.asc (OpenPGP, readable by gpg --decrypt)')
    .option('-o, --output <file>', 'where to write (default FILE.asc)')
    .option('--force', 'overwrite the output file')
    .option('--json', 'report what was written as JSON')
    .action((file: string, o: { output?: string; force?: boolean; json?: boolean }) =>
      guarded(async () => {
        const { encryptArmored, looksEncrypted } = await import('../secrets/pgp.js');
        const text = readFileSync(file);
        if (looksEncrypted(text)) throw new UsageError(`${file} is already encrypted`);
        const out = o.output ?? `${file}.asc`;
        writeOut(out, await encryptArmored(text.toString('utf8'), await passphrase(program.opts<GlobalOptions>())), o.force);
        if (o.json) process.stdout.write(`${JSON.stringify({ input: file, output: out, encrypted: true })}\n`);
        else process.stderr.write(`wrote ${out}; point the config at it and delete ${file} (shred -u ${file})\n`);
        return EXIT.ok;
      }),
    );
  program
    .command('decrypt <file>')
    .description('decrypt an OpenPGP-encrypted credentials file to stdout (or -o FILE)')
    .option('-o, --output <file>', 'write to this file (mode 600) instead of stdout')
    .option('--force', 'overwrite the output file')
    .option('--json', 'with -o: report what was written as JSON (the secrets stay in the file)')
    .action((file: string, o: { output?: string; force?: boolean; json?: boolean }) =>
      guarded(async () => {
        const { decryptArmored, looksEncrypted } = await import('../secrets/pgp.js');
        if (o.json && !o.output) throw new UsageError('decrypt --json needs -o FILE: the JSON report never carries the decrypted secrets');
        const raw = readFileSync(file);
        if (!looksEncrypted(raw)) throw new UsageError(`${file} is not an OpenPGP-encrypted file`);
        let plain: string;
        try {
          plain = await decryptArmored(raw, await passphrase(program.opts<GlobalOptions>()));
        } catch {
          throw new UsageError(`cannot decrypt ${file}: wrong passphrase or corrupt file`);
        }
        if (o.output) writeOut(o.output, plain, o.force);
        else process.stdout.write(plain);
        if (o.json) process.stdout.write(`${JSON.stringify({ input: file, output: o.output, decrypted: true })}\n`);
        return EXIT.ok;
      }),
    );
}
