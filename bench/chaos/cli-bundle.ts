// The CLI as one bundled file for long chaos campaigns. Each faulted run is a fresh process, and
// most of a short run's CPU time goes into resolving and loading several hundred modules: through
// tsx about 3.9 s of CPU per run on a loaded 2-core box, compiled by tsc 2.4 s, bundled 1.7 s.
// The bundle is built from the sources at the start of every campaign, so it is never stale.
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Builds dist/chaos-cli/main-<pid>.mjs (one per campaign, so that a second campaign or a rebuild never
 *  changes the CLI under a running one) and returns the node arguments that start it. */
export async function bundleCli(): Promise<{ cli: string[]; remove: () => void }> {
  const outDir = `${ROOT}dist/chaos-cli`;
  mkdirSync(outDir, { recursive: true });
  const outfile = `${outDir}/main-${process.pid}.mjs`;
  await build({
    entryPoints: [`${ROOT}src/cli/main.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Native addons stay in node_modules (found from dist/, inside the repository).
    external: ['better-sqlite3', 'ssh2', 'cpu-features'],
    // CommonJS dependencies inside an ES module bundle still call require().
    banner: { js: "import { createRequire as __fwcertRequire } from 'node:module'; const require = __fwcertRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return { cli: [outfile], remove: () => rmSync(outfile, { force: true }) };
}
