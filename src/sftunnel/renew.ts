// `fwcert sftunnel renew`: the seed's "Recommended approach" for one FMC (and its HA secondary),
// as a resumable job. Per node, primary first:
//   1. look: cacert.pem dates, sftunnel_status.pl, generate_certs.pl present (the hotfix);
//   2. generate (once): answer generate_certs.pl's two "[yes/no]:" prompts, capture its output,
//      read the FAILED_PUSH file it names;
//   3. for each failed device: copy the three files as copy_sftunnel_certs.py does, restart
//      sftunnel there, and verify on the FMC that the device is connected again.
// The ledger holds the progress (progress.ts). The secondary starts only when the primary has
// no device left failing, because the primary pushes to the secondary too (seed, Appendix).
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { copyToDevice, readSources } from './copy-certs.js';
import { ExpertShell } from './expert-shell.js';
import { GENERATE_CERTS, hasGenerateCerts, readInternalCa, tunnelPeers, type InternalCaSeen } from './fmc-node.js';
import { parseFailedPush, parseGenerateCerts, type FailedPushEntry, type TunnelPeer } from './outputs.js';
import { ProgressStore, type NodeProgress } from './progress.js';
import type { FmcNode, SftunnelSite, SshEndpoint } from './site.js';

export interface RenewOptions {
  dryRun: boolean;
  /** Generate a new InternalCA even though fwcert already did for the current one. */
  force?: boolean;
  log: Logger;
  timeoutMs?: number;
  /** How long to wait for a device to show connected after its sftunnel restart. */
  verifyTimeoutMs?: number;
  verifyIntervalMs?: number;
}

export interface DeviceOutcome {
  name: string;
  ip: string;
  state: 'reconnected' | 'failed' | 'would-copy' | 'waiting';
  failedPush: FailedPushEntry[];
  steps: string[];
  error?: string;
}

export interface NodeReport {
  fmc: string;
  role: 'primary' | 'secondary';
  /** What happened to the InternalCA in this invocation. */
  generation: 'generated-now' | 'generated-earlier' | 'would-generate' | 'not-needed' | 'not-run';
  caBefore?: InternalCaSeen;
  caAfter?: InternalCaSeen;
  transcript?: string;
  logFile?: string;
  /** The last lines of the log file generate_certs.pl names. */
  logTail?: string;
  failedPushFile?: string;
  devices: DeviceOutcome[];
  peers?: TunnelPeer[];
  steps: string[];
  /** Why this node stopped (a prerequisite, a refusal); nothing was changed after it. */
  stopped?: string;
}

export interface RenewReport {
  manager: string;
  dryRun: boolean;
  nodes: NodeReport[];
  ok: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function renewSftunnel(site: SftunnelSite, ledger: Ledger, opts: RenewOptions): Promise<RenewReport> {
  const store = new ProgressStore(ledger, site.manager);
  const nodes: NodeReport[] = [];
  const primary = await renewNode(site, site.primary, store, opts);
  nodes.push(primary);
  if (site.secondary) {
    const primaryDone = !primary.stopped && primary.devices.every((d) => d.state === 'reconnected') && primary.generation !== 'would-generate';
    if (primaryDone || (opts.dryRun && !primary.stopped)) {
      nodes.push(opts.dryRun && !primaryDone
        ? { fmc: site.secondary.name, role: 'secondary', generation: 'not-run', devices: [], steps: [`after ${site.primary.name} has every device reconnected: the same steps on ${site.secondary.name}`] }
        : await renewNode(site, site.secondary, store, opts));
    } else {
      nodes.push({
        fmc: site.secondary.name, role: 'secondary', generation: 'not-run', devices: [], steps: [],
        stopped: `waits for the primary ${site.primary.name}: the secondary is renewed only after the primary has every device reconnected`,
      });
    }
  }
  const ok = nodes.every((n) => !n.stopped && n.devices.every((d) => d.state === 'reconnected' || d.state === 'would-copy'));
  return { manager: site.manager, dryRun: opts.dryRun, nodes, ok };
}

async function renewNode(site: SftunnelSite, node: FmcNode, store: ProgressStore, opts: RenewOptions): Promise<NodeReport> {
  const rep: NodeReport = { fmc: node.name, role: node.role, generation: 'not-run', devices: [], steps: [] };
  const log = opts.log.child({ fmc: node.name });
  if (!node.ssh) {
    rep.stopped = `no ssh: configured for ${node.name}; renewal needs SSH to the FMC`;
    return rep;
  }
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let sh: ExpertShell;
  try {
    sh = await ExpertShell.open({ name: node.name, ...node.ssh }, timeoutMs);
  } catch (e) {
    rep.stopped = errorMessage(e);
    return rep;
  }
  try {
    const ca = await readInternalCa(sh);
    rep.caBefore = ca;
    rep.peers = await tunnelPeers(sh);
    let progress = store.get(node.name);

    // A generation whose answer was lost (session cut after "yes"): the CA tells whether it happened.
    if (progress?.phase === 'generating') {
      if (opts.dryRun) {
        rep.steps.push(`an earlier generate_certs.pl run's outcome is unknown: a real run compares the InternalCA (${progress.caBefore === ca.sha256 ? 'unchanged: it would start over' : 'changed: it would read that FAILED_PUSH back'})`);
        return rep;
      }
      if (progress.caBefore === ca.sha256) {
        log.warn('an earlier generate_certs.pl did not change the InternalCA; starting over');
        store.clear(node.name, 'earlier generation did not happen; cleared');
        progress = undefined;
      } else {
        progress = await adoptLostGeneration(sh, progress, ca, store, node.name);
        rep.steps.push(`an earlier generate_certs.pl changed the InternalCA; its FAILED_PUSH was read back`);
      }
    }
    if (progress && progress.caAfter && progress.caAfter !== ca.sha256) {
      if (!opts.force) {
        rep.stopped = `the InternalCA on ${node.name} changed since fwcert generated it on ${progress.generatedAt ?? '?'}; check what happened, then run with --force to start a new renewal`;
        return rep;
      }
      progress = undefined;
    }
    if (progress?.phase === 'complete' && !opts.force) {
      rep.generation = 'not-needed';
      rep.steps.push(`the InternalCA was renewed by fwcert on ${progress.generatedAt} (valid until ${ca.notAfter}); every device was reconnected. Use --force to generate another.`);
      return rep;
    }

    if (!progress || opts.force) {
      // Prerequisites (seed: install the hotfix first; the script refuses during critical operations).
      if (!(await hasGenerateCerts(sh))) {
        rep.stopped = `${GENERATE_CERTS} is not on ${node.name}: install the InternalCA renewal hotfix for its version first (Cisco's note lists FK 7.0.6.99-9, FZ 7.2.9.99-4, AE 7.3.1.99-4, AO 7.4.2.99-5, B 7.6.0.99-5); nothing was changed`;
        return rep;
      }
      const down = rep.peers.filter((p) => !p.connected).map((p) => p.peer);
      if (opts.dryRun) {
        rep.generation = 'would-generate';
        rep.steps.push(
          'the note recommends an FMC backup before this (fwcert does not take it)',
          `would run ${GENERATE_CERTS} on ${node.name} and answer "yes" to its two prompts (InternalCA valid until ${ca.notAfter})`,
          down.length ? `peers not connected now, expected in FAILED_PUSH: ${down.join(', ')}` : 'every peer is connected now: the script pushes to all of them itself',
          'would read FAILED_PUSH, copy cacert.pem, sftunnel-key.pem, sftunnel-cert.pem to each failed device, run pmtool restartbyid sftunnel there, and check sftunnel_status.pl',
        );
        return rep;
      }
      const generated = await generate(sh, node, ca, store, log, rep);
      if (!generated) return rep;
      progress = generated;
      rep.generation = 'generated-now';
    } else rep.generation = 'generated-earlier';

    await copyFailed(site, node, sh, progress, store, opts, rep, log);
    rep.peers = await tunnelPeers(sh);
    return rep;
  } finally {
    sh.close();
  }
}

async function adoptLostGeneration(sh: ExpertShell, p: NodeProgress, ca: InternalCaSeen, store: ProgressStore, node: string): Promise<NodeProgress> {
  const dirs = await sh.run('ls -1t /var/tmp/certs');
  // generate_certs.pl names its folder by unix time; an older folder belongs to an older generation
  // (10 minutes of slack for the FMC's clock).
  const since = Math.floor(Date.parse(p.startedAt ?? '1970-01-01') / 1000) - 600;
  const newest = dirs.rc === 0 ? dirs.output.split('\n').map((s) => s.trim()).find((d) => /^\d+$/.test(d) && Number(d) >= since) : undefined;
  let failed: FailedPushEntry[] = [];
  let failedPushFile: string | undefined;
  if (newest) {
    const f = await sh.run(`cat /var/tmp/certs/${newest}/FAILED_PUSH`);
    if (f.rc === 0) {
      failed = parseFailedPush(f.output);
      failedPushFile = `/var/tmp/certs/${newest}/FAILED_PUSH`;
    }
  }
  const next: NodeProgress = { ...p, phase: failed.length ? 'generated' : 'complete', caAfter: ca.sha256, caNotAfter: ca.notAfter, generatedAt: new Date().toISOString(), failed, failedPushFile, done: [] };
  store.set(node, next, `generation recovered: ${failed.length} FAILED_PUSH entries`);
  return next;
}

async function generate(sh: ExpertShell, node: FmcNode, ca: InternalCaSeen, store: ProgressStore, log: Logger, rep: NodeReport): Promise<NodeProgress | undefined> {
  store.set(node.name, { phase: 'generating', caBefore: ca.sha256, startedAt: new Date().toISOString(), failed: [], done: [] }, `generate_certs.pl started (InternalCA valid until ${ca.notAfter})`);
  log.info('running generate_certs.pl');
  let prompts = 0;
  const r = await sh.run(GENERATE_CERTS, {
    timeoutMs: 30 * 60_000,
    // The script asks twice (continue? / "Current ca_root expires in N days" continue?). Anything else is unexpected: say no.
    answer: (t) => (++prompts <= 2 && /Do you want to continue\? \[yes\/no\]:\s*$/.test(t) ? 'yes' : 'no'),
  });
  rep.transcript = r.output.trim();
  const outcome = parseGenerateCerts(r.output);
  rep.logFile = outcome.logFile;
  if (outcome.logFile) {
    const t = await sh.run(`tail -n 200 ${outcome.logFile}`);
    if (t.rc === 0) rep.logTail = t.output.trim();
  }
  store.event(node.name, 'generate_certs.pl output', JSON.stringify({ transcript: rep.transcript, logFile: rep.logFile, logTail: rep.logTail }));
  const after = await readInternalCa(sh);
  if (after.sha256 === ca.sha256) {
    store.clear(node.name, `generate_certs.pl did not generate (exit ${r.rc})`);
    const why = r.output.trim().split('\n').filter((l) => l && !/setting log file/.test(l)).slice(0, 3).join(' / ');
    rep.stopped = outcome.started
      ? `${GENERATE_CERTS} on ${node.name} did not generate a new InternalCA (exit ${r.rc}): ${why}`
      : `${GENERATE_CERTS} on ${node.name} refused to start (exit ${r.rc}): ${why}; nothing was changed (the script refuses while a critical operation runs: backup/restore, SRU/VDB update, HA operation, upgrade, smart licensing registration)`;
    return undefined;
  }
  rep.caAfter = after;
  let failed: FailedPushEntry[] = [];
  if (outcome.failedPushFile) {
    failed = parseFailedPush(await sh.check(`cat ${outcome.failedPushFile}`, `reading ${outcome.failedPushFile}`));
    rep.failedPushFile = outcome.failedPushFile;
  }
  const p: NodeProgress = {
    phase: failed.length ? 'generated' : 'complete', caBefore: ca.sha256, caAfter: after.sha256, caNotAfter: after.notAfter,
    generatedAt: new Date().toISOString(), failedPushFile: outcome.failedPushFile, failed, done: [],
  };
  store.set(node.name, p, `new InternalCA (valid until ${after.notAfter}); ${new Set(failed.map((f) => f.name)).size} device(s) in FAILED_PUSH`);
  rep.steps.push(`generate_certs.pl: new InternalCA valid until ${after.notAfter}`);
  return p;
}

function endpointFor(site: SftunnelSite, name: string): SshEndpoint | undefined {
  if (site.secondary && site.secondary.name === name) return site.secondary.ssh;
  return site.devices.get(name);
}

async function copyFailed(
  site: SftunnelSite, node: FmcNode, sh: ExpertShell, progress: NodeProgress, store: ProgressStore, opts: RenewOptions, rep: NodeReport, log: Logger,
): Promise<void> {
  const byDevice = new Map<string, FailedPushEntry[]>();
  for (const e of progress.failed) byDevice.set(e.name, [...(byDevice.get(e.name) ?? []), e]);
  for (const [name, entries] of byDevice) {
    const out: DeviceOutcome = { name, ip: entries[0]!.ip, state: 'failed', failedPush: entries, steps: [] };
    rep.devices.push(out);
    if (progress.done.includes(name)) {
      out.state = 'reconnected';
      out.steps.push('done in an earlier run');
      continue;
    }
    const ep = endpointFor(site, name);
    if (!ep) {
      out.error = `no SSH address configured for ${name} (FMC lists it at ${out.ip}); add it under ssh.devices of ${site.manager}`;
      continue;
    }
    if (opts.dryRun) {
      out.state = 'would-copy';
      out.steps.push(...entries.map((e) => `would copy ${e.source} -> ${name}:${e.destination}`), `would run pmtool restartbyid sftunnel on ${name}`, 'would check sftunnel_status.pl on the FMC');
      continue;
    }
    try {
      const contents = await readSources(sh, entries);
      out.steps.push(...(await copyToDevice(name, ep, entries, contents, opts.timeoutMs ?? 60_000)));
      if (!(await waitConnected(sh, entries[0]!, opts))) throw new Error(`${name} (${out.ip}) is not connected on ${node.name} after the sftunnel restart`);
      out.steps.push(`sftunnel_status.pl on ${node.name}: ${out.ip} connected`);
      out.state = 'reconnected';
      progress.done.push(name);
      if (progress.done.length === byDevice.size) progress.phase = 'complete';
      store.set(node.name, progress, `${name}: certificates copied, sftunnel restarted, connected`);
      log.info({ device: name }, 'certificates copied; sftunnel reconnected');
    } catch (e) {
      out.error = errorMessage(e);
      log.error({ device: name, err: out.error }, 'copying sftunnel certificates failed');
    }
  }
}

/** sftunnel_status.pl names a peer by its address in the samples we have; a name or UUID there is accepted too. */
async function waitConnected(sh: ExpertShell, device: FailedPushEntry, opts: RenewOptions): Promise<boolean> {
  const until = Date.now() + (opts.verifyTimeoutMs ?? 120_000);
  for (;;) {
    const peer = (await tunnelPeers(sh)).find((p) => [device.ip, device.name, device.uuid].includes(p.peer));
    if (peer?.connected) return true;
    if (Date.now() >= until) return false;
    await sleep(opts.verifyIntervalMs ?? 5_000);
  }
}
