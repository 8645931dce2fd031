// Headless Chromium (Debian's `chromium`) for report tests: a screenshot of a local file and the console
// messages the page logged (errors, CSP violations, uncaught exceptions).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

export async function screenshot(htmlFile: string, pngFile: string): Promise<{ code: number; console: string[] }> {
  const profile = mkdtempSync(join(tmpdir(), 'fwcert-chromium-'));
  try {
    const args = [
      '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions', '--enable-logging=stderr', '--v=0',
      `--user-data-dir=${profile}`, '--window-size=1280,1000', '--hide-scrollbars', `--screenshot=${pngFile}`, `file://${htmlFile}`,
    ];
    return await new Promise((resolve, reject) => {
      const child = spawn('chromium', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, console: err.split('\n').filter((l) => /:CONSOLE[:(]/.test(l)) }));
    });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Distinct byte values in the PNG's decompressed image data: a blank page has a handful, a rendered table hundreds. */
export function pngVariety(pngFile: string): number {
  const png = readFileSync(pngFile);
  const idat: Buffer[] = [];
  for (let off = 8; off < png.length; ) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    if (type === 'IDAT') idat.push(png.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  return new Set(inflateSync(Buffer.concat(idat))).size;
}
