// What Cisco's copy_sftunnel_certs.py does for one device that generate_certs.pl could not reach:
// read the FAILED_PUSH sources on the FMC, log in to the device (expert, root), keep a backup of
// each destination file (the seed's manual approach: cp X X.backup), write the new content,
// check it reads back identical, and restart sftunnel there (`pmtool restartbyid sftunnel`).
// File contents travel as base64 on one command line so no byte is changed by the terminal; the
// private key is registered as a secret so no log line, error or report can carry it.
import { registerSecret } from '../core/redact.js';
import { ExpertShell } from './expert-shell.js';
import type { FailedPushEntry } from './outputs.js';
import type { SshEndpoint } from './site.js';

export async function readSources(fmc: ExpertShell, entries: FailedPushEntry[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of entries) {
    if (out.has(e.source)) continue;
    const r = await fmc.run(`cat ${e.source}`, { secretOutput: /key/i.test(e.source) });
    if (r.rc !== 0) throw new Error(`${fmc.target.name}: cannot read ${e.source} (exit ${r.rc})`);
    if (/key/i.test(e.source)) registerSecret(r.output.trim());
    out.set(e.source, r.output.endsWith('\n') ? r.output : `${r.output}\n`);
  }
  return out;
}

export async function copyToDevice(
  device: string,
  endpoint: SshEndpoint,
  entries: FailedPushEntry[],
  contents: Map<string, string>,
  timeoutMs: number,
): Promise<string[]> {
  const steps: string[] = [];
  const sh = await ExpertShell.open({ name: device, ...endpoint }, timeoutMs);
  try {
    // The key's bytes are typed into this root shell: keep them out of its history file.
    await sh.run('unset HISTFILE');
    for (const e of entries) {
      const body = contents.get(e.source)!;
      const b64 = Buffer.from(body).toString('base64');
      if (/key/i.test(e.source)) registerSecret(b64); // an error quoting the command line must not carry the key
      await sh.run(`cp ${e.destination} ${e.destination}.backup`); // a first registration may have no file yet
      await sh.check(`echo ${b64} | base64 -d > ${e.destination}`, `writing ${e.destination}`);
      const back = await sh.run(`cat ${e.destination}`, { secretOutput: /key/i.test(e.destination) });
      if (back.rc !== 0 || back.output.trim() !== body.trim()) throw new Error(`${device}: ${e.destination} does not read back as written`);
      steps.push(`copied ${e.source} -> ${e.destination} (backup ${e.destination}.backup)`);
    }
    await sh.check('pmtool restartbyid sftunnel', 'pmtool restartbyid sftunnel');
    steps.push('pmtool restartbyid sftunnel');
    return steps;
  } finally {
    sh.close();
  }
}
