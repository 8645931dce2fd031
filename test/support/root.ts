// The repository's root folder (with a trailing slash), found the same way whether a test runs from
// its source in test/ (through tsx) or from its build in dist/test/ (what `npm test` runs).
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir + sep;
}

export const ROOT = repositoryRoot();
