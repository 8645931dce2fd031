// `fwcert schema [config|profile]`: the JSON Schema of fwcert.yaml or of a certificate profile, for editors
// (`# yaml-language-server: $schema=...`) and CI linting of configuration repositories.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { configJsonSchema, profileJsonSchema } from '../config/json-schema.js';
import { EXIT, guarded } from './context.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of fwcert.yaml (default) or of a certificate profile')
    .argument('[kind]', 'config | profile', 'config')
    .option('-o, --out <file>', 'write it to this file instead of stdout')
    .action((kind: string, o: { out?: string }) =>
      guarded(async () => {
        if (kind !== 'config' && kind !== 'profile') {
          process.stderr.write(`fwcert: usage: fwcert schema [config|profile] (got "${kind}")\n`);
          return EXIT.usage;
        }
        const text = `${JSON.stringify(kind === 'config' ? configJsonSchema() : profileJsonSchema(), null, 2)}\n`;
        if (o.out) writeFileSync(o.out, text);
        else process.stdout.write(text);
        return EXIT.ok;
      }),
    );
}
