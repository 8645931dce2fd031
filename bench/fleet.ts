// `npm run bench`: a lab fleet enrolled in one run, measured against a floor computed from first
// principles (not from fwcert's own call counts). The lab runs in its own process, so its CPU is not
// counted as ours; it shares the machine, so its CPU time is printed too.
//   --scenario latency (default): 50 devices x 10 certificates, 50 ms per API answer, CA issuance
//       10 s (one "pending" answer at SCM's default 10 s collect interval), commit/deploy 20 s;
//       PAN-OS keys made on the device, FTD keys ECDSA P-256 (CPU does not dominate).
//   --scenario cpu: the same with local RSA-2048 keys everywhere.
//   --renew: then the same fleet again with renew --force; the renewal's figures are reported.
//   --certs-total N: N certificates over 100 devices (the memory check).
//   --log FILE: fwcert's debug log (JSON lines with times) to FILE, to see where a run's time goes;
//       --log-level info: the product's default level instead (to measure what the file log costs).
//   --lab-cpu-prof DIR: run the lab under `node --cpu-prof` writing to DIR (profile fwcert itself with
//       `node --cpu-prof dist/bench/fleet.js`; NODE_OPTIONS does not allow --cpu-prof).
// fwcert runs with its product defaults for job polling and CA collect intervals; only the CA's
// max_in_flight is raised to the fleet size (the default 10 would make the CA the bottleneck, which
// the floor would then include as ceil(N / max_in_flight) issuances).
// floorS = max(device path, CA throughput, CPU path). CPU path = all local keys' CPU time / cores
// (cpuFloorS) + what must follow the last key: its CA issuance, install and one commit. The bare
// cpuFloorS and wallS / cpuFloorS (ratioToCpuFloor) are printed as well.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { pbkdf2 } from 'node:crypto';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { splitCalls, type Counts } from './api-calls.js';
import { Agent, request } from 'undici';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { createLogger, silentLogger, type LogLevel } from '../src/core/log.js';
import { runEngine } from '../src/engine/run.js';
import { runFailed, type RunReport } from '../src/engine/report.js';
import { generateKeyPair } from '../src/pki/index.js';
import type { KeySpec } from '../src/pki/types.js';

const { values: a } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'latency' },
    devices: { type: 'string' },
    certs: { type: 'string' },
    'certs-total': { type: 'string' },
    'latency-ms': { type: 'string', default: '50' },
    'commit-s': { type: 'string', default: '20' },
    'issue-s': { type: 'string', default: '10' },
    'max-in-flight': { type: 'string' },
    concurrency: { type: 'string' },
    renew: { type: 'boolean', default: false },
    log: { type: 'string' },
    'log-level': { type: 'string', default: 'debug' },
    'lab-cpu-prof': { type: 'string' },
  },
});
const scenario = a.scenario === 'cpu' ? 'cpu' : a.scenario === 'latency' ? 'latency' : undefined;
if (!scenario) throw new Error(`unknown scenario ${a.scenario} (latency, cpu)`);
const total = a['certs-total'] ? Number(a['certs-total']) : undefined;
const devices = total ? 100 : Number(a.devices ?? 50);
const certs = total ? Math.ceil(total / devices) : Number(a.certs ?? 10);
const latencyMs = Number(a['latency-ms']);
const commitMs = Number(a['commit-s']) * 1000;
const issueMs = Number(a['issue-s']) * 1000;
const maxInFlight = Number(a['max-in-flight'] ?? devices * certs);
const concurrency = Number(a.concurrency ?? devices);
const fdm = Math.ceil(devices / 2);
const panos = devices - fdm;
const cores = availableParallelism();
/** SCM's default collect interval (cas.<name>.collect.interval_s): issuance is modelled as pending answers at it. */
const COLLECT_INTERVAL_MS = 10_000;
const scmPending = Math.ceil(issueMs / COLLECT_INTERVAL_MS);

const dir = mkdtempSync(join(tmpdir(), 'fwcert-bench-'));
const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const labNodeArgs = a['lab-cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', a['lab-cpu-prof']] : [];
const lab = spawn(process.execPath, [...labNodeArgs, cli, 'lab', 'up', '--dir', dir, '--fdm', String(fdm), '--panos', String(panos),
  '--deploy-ms', String(commitMs), '--latency-ms', String(latencyMs), '--scm-pending', String(scmPending), '--certs-per-device', String(certs)], { stdio: ['ignore', 'ignore', 'inherit'] });

/** CPU seconds a process has used so far (Linux /proc; 0 elsewhere). */
function cpuSecondsOf(pid: number | undefined, thread?: string): number {
  try {
    const fields = readFileSync(thread ? `/proc/${pid}/task/${thread}/stat` : `/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** libuv's pool threads (see findLibuvPool). */
let libuvPool = new Set<string>();

/** The threads of libuv's pool: one PBKDF2 job per pool thread at once (each runs on its own pool
 *  thread), and the threads that took their CPU. Empty when it cannot tell (not Linux). */
async function findLibuvPool(): Promise<Set<string>> {
  const size = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const cpuOf = () => new Map(listThreads().map((t) => [t, cpuSecondsOf(process.pid, t)]));
  const before = cpuOf();
  await Promise.all(Array.from({ length: size }, () => new Promise((r, j) => pbkdf2('x', 'y', 300_000, 32, 'sha256', (e) => (e ? j(e) : r(undefined))))));
  const gained = [...cpuOf()].filter(([t]) => t !== String(process.pid)).map(([t, c]) => [t, c - (before.get(t) ?? 0)] as const);
  const top = gained.sort((x, y) => y[1] - x[1]).slice(0, size);
  return top.length === size && top.every(([, d]) => d >= 0.02) ? new Set(top.map(([t]) => t)) : new Set();
}

function listThreads(): string[] {
  try {
    return readdirSync('/proc/self/task');
  } catch {
    return []; // not Linux
  }
}

/** CPU seconds of this process's event loop thread and of its other threads together (libuv's pool:
 *  keys, CSR signatures, fs; V8: GC, compiler), and of libuv's pool alone, Linux only. */
function threadCpuSeconds(): { eventLoop: number; otherThreads: number; libuvPool: number } {
  const out = { eventLoop: 0, otherThreads: 0, libuvPool: 0 };
  for (const t of listThreads()) {
    const s = cpuSecondsOf(process.pid, t);
    out[t === String(process.pid) ? 'eventLoop' : 'otherThreads'] += s;
    if (libuvPool.has(t)) out.libuvPool += s;
  }
  return out;
}

/** The product's defaults for polling, CA collect and keys per scenario: undo the lab's fast test settings. */
function useProductDefaults(): void {
  const path = join(dir, 'fwcert.yaml');
  const cfg = parse(readFileSync(path, 'utf8')) as { cas: Record<string, Record<string, unknown>>; devices: Record<string, Record<string, unknown>> };
  for (const ca of Object.values(cfg.cas)) {
    delete ca.collect;
    ca.max_in_flight = maxInFlight;
  }
  for (const d of Object.values(cfg.devices)) delete d.poll_interval_s;
  writeFileSync(path, stringify(cfg));
  for (const f of readdirSync(join(dir, 'profiles'))) {
    const p = join(dir, 'profiles', f);
    const prof = parse(readFileSync(p, 'utf8')) as { name: string; key: Record<string, unknown> };
    if (scenario === 'cpu') prof.key = { type: 'rsa', size: 2048, generate: 'local' };
    else if (prof.name.startsWith('vpn-portal')) prof.key = { type: 'ecdsa', curve: 'P-256' };
    writeFileSync(p, stringify(prof));
  }
}

/**
 * Peak RSS of this process during one phase. Linux: the kernel's own high-water mark (VmHWM), reset
 * at the start (clear_refs 5), so nothing is missed and no sampling costs CPU counted as fwcert's.
 * Elsewhere: sampled every 250 ms.
 */
function peakRssTracker(): { stop(): number } {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    const hwm = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) * 1024;
    if (hwm() > 0) return { stop: hwm };
  } catch {
    // not Linux, or no permission: sample
  }
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 250);
  return {
    stop() {
      clearInterval(sampler);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

type Counters = Counts;
const localKey: KeySpec = scenario === 'cpu' ? { type: 'rsa', size: 2048 } : { type: 'ecdsa', curve: 'P-256' };
const localKeys = scenario === 'cpu' ? devices * certs : fdm * certs;

try {
  const labJson = join(dir, 'lab.json');
  for (let i = 0; i < 1500 && !existsSync(labJson); i++) await new Promise((r) => setTimeout(r, 200));
  if (!existsSync(labJson)) throw new Error('the lab did not start');
  const info = JSON.parse(readFileSync(labJson, 'utf8')) as { scm: { url: string }; devices: { name: string; type: string; url: string }[] };
  useProductDefaults();
  const cfg = await loadConfig({ configPath: join(dir, 'fwcert.yaml') });
  const caPem = readFileSync(join(dir, 'trust', 'scm.pem'), 'utf8');
  const agent = new Agent({ connect: { rejectUnauthorized: false, ca: caPem } });
  const labState = async (url: string): Promise<{ counters: Counters; requestsByPath?: Counters }> => {
    const res = await request(`${url}/__lab/state`, { dispatcher: agent });
    return (await res.body.json()) as { counters: Counters; requestsByPath?: Counters };
  };
  const scmBase = info.scm.url.replace(/\/api\/ssl\/v1$/, '');
  const snapshot = async () => {
    const devices = await Promise.all(info.devices.map((d) => labState(d.url)));
    return { scm: (await labState(scmBase)).counters, devices: devices.map((d) => d.counters), paths: devices.map((d) => d.requestsByPath ?? {}) };
  };

  // Key generation cost on this machine, for the CPU floor: CPU time (all threads of this process),
  // not wall time, so that other load on the machine does not inflate it. RSA key times vary with
  // the primes found: an average over several keys.
  const samples = scenario === 'cpu' ? 12 : 24;
  const k0 = process.cpuUsage();
  for (let i = 0; i < samples; i++) await generateKeyPair(localKey);
  const k1 = process.cpuUsage(k0);
  // libuv's pool's CPU in the run is the keys' real cost there (two at once, under the run's load) plus
  // CSR signatures and async fs: the calibration above, one key at a time and a dozen RSA keys whose
  // prime search varies widely, is a noisy estimate of it.
  libuvPool = await findLibuvPool();
  const keygenMs = (k1.user + k1.system) / 1000 / samples;

  const measure = async (phase: 'enroll' | 'renew') => {
    const before = await snapshot();
    const labCpu0 = cpuSecondsOf(lab.pid);
    const cpu0 = process.cpuUsage();
    const threads0 = threadCpuSeconds();
    const peak = peakRssTracker();
    const start = performance.now();
    const report: RunReport = await runEngine(cfg, {
      command: phase === 'enroll' ? 'run' : 'renew', force: phase === 'renew', log: a.log ? createLogger({ level: a['log-level'] as LogLevel, file: a.log, terminal: false }) : silentLogger(), concurrency,
    });
    const wallMs = performance.now() - start;
    const peakRss = peak.stop();
    const cpu = process.cpuUsage(cpu0);
    const threads1 = threadCpuSeconds();
    const byThread = {
      eventLoop: +(threads1.eventLoop - threads0.eventLoop).toFixed(2), otherThreads: +(threads1.otherThreads - threads0.otherThreads).toFixed(2),
      libuvPool: libuvPool.size ? +(threads1.libuvPool - threads0.libuvPool).toFixed(2) : undefined,
    };
    const labCpuS = cpuSecondsOf(lab.pid) - labCpu0;
    const after = await snapshot();
    const delta = (x: Counters, y: Counters) => Object.fromEntries(Object.keys(y).map((k) => [k, (y[k] ?? 0) - (x[k] ?? 0)]));
    const perDevice = info.devices.map((d, i) => {
      const c = delta(before.devices[i]!, after.devices[i]!);
      // FDM counts every call in `calls`; PAN-OS per request type (dotted keys are sub-counts). Job polls apart.
      const calls = d.type === 'cisco-fdm' ? (c.calls ?? 0) : Object.entries(c).filter(([k]) => !k.includes('.')).reduce((x, [, v]) => x + v, 0);
      const polls = (c.deploy_get ?? 0) + (c['op.show.jobs.id'] ?? 0);
      return { type: d.type, calls: calls - polls, polls, commits: (c.deploy ?? 0) + (c.commit ?? 0), split: splitCalls(d.type, delta(before.paths[i]!, after.paths[i]!)) };
    });
    const items = report.devices.flatMap((d) => d.items);
    const n = items.length;
    // Why items failed, most frequent first (a run that fails is not a measurement).
    const why = new Map<string, number>();
    for (const i of items.filter((x) => x.outcome !== 'done')) why.set(`${i.outcome}: ${i.error ?? i.reason}`, (why.get(`${i.outcome}: ${i.error ?? i.reason}`) ?? 0) + 1);
    for (const [w, c] of [...why].sort((x, y) => y[1] - x[1]).slice(0, 5)) process.stderr.write(`${phase}: ${c} x ${w}\n`);

    // The floor, from first principles. Per device: its sequential round trips (login + system/HA,
    // inventory: 3), each certificate's install + bind writes that cannot overlap on one device
    // (FDM: POST internal certificate + PUT SSL policy; PAN-OS: import; the one bound profile: 1),
    // on-device key generation (PAN-OS: generate + export, one after another), one CA order
    // (submit + issuance + the collect that gets it), one commit (request + duration + the poll that
    // sees its end). Orders overlap; a device's last order is sent after its last on-device key.
    // A renewal also deletes each replaced object (one call each, in the same commit).
    const rtt = latencyMs / 1000;
    const removals = phase === 'renew' ? certs * rtt : 0;
    const ca = 2 * rtt + issueMs / 1000;
    const commit = 2 * rtt + commitMs / 1000;
    const open = 3 * rtt;
    const onDeviceKeys = scenario === 'latency';
    const fdmPath = open + ca + (certs * 2 + 1) * rtt + removals + commit;
    const keyRtt = onDeviceKeys ? 2 * rtt : 0;
    const panPath = open + Math.max(keyRtt + ca + (certs + 1) * rtt, certs * keyRtt + ca + 2 * rtt) + removals + commit;
    const devicePathS = Math.max(fdm ? fdmPath : 0, panos ? panPath : 0);
    const caThroughputS = Math.ceil(n / maxInFlight) * (issueMs / 1000);
    // All local keys take their CPU time on `cores` cores; the last one made still has to be ordered,
    // issued, installed (+ bound) and committed after it, so that tail is part of the CPU path.
    const cpuFloorS = (localKeys * keygenMs) / 1000 / cores;
    const cpuPathS = localKeys ? cpuFloorS + ca + 2 * rtt + commit : 0;
    const floorS = Math.max(devicePathS, caThroughputS, cpuPathS);
    const fwcertCpuS = (cpu.user + cpu.system) / 1e6;
    const apiCalls = perDevice.reduce((x, d) => x + d.calls, 0);
    const commits = perDevice.map((d) => d.commits);
    const keysMade = localKeys;
    return {
      scenario, phase, devices, certsPerDevice: certs, certificates: n, done: items.filter((i) => i.outcome === 'done').length,
      failed: runFailed(report) ? items.filter((i) => i.outcome !== 'done').length || 1 : 0,
      wallS: +(wallMs / 1000).toFixed(2), floorS: +floorS.toFixed(2), ratio: +(wallMs / 1000 / floorS).toFixed(2),
      ratioToCpuFloor: scenario === 'cpu' ? +(wallMs / 1000 / cpuFloorS).toFixed(2) : undefined,
      floorParts: {
        devicePathS: +devicePathS.toFixed(2), fdmPathS: fdm ? +fdmPath.toFixed(2) : undefined, panosPathS: panos ? +panPath.toFixed(2) : undefined,
        caIssuanceS: issueMs / 1000, commitS: commitMs / 1000, rttS: rtt, caThroughputS, cpuFloorS: +cpuFloorS.toFixed(2), cpuPathS: +cpuPathS.toFixed(2), cores,
      },
      commitsPerDevice: { min: Math.min(...commits), max: Math.max(...commits) },
      apiCallsPerCert: +(apiCalls / n).toFixed(2),
      apiCallsPerCertByType: Object.fromEntries(['cisco-fdm', 'paloalto'].map((t) => {
        const ds = perDevice.filter((d) => d.type === t);
        return [t, ds.length ? +(ds.reduce((x, d) => x + d.calls, 0) / (ds.length * certs)).toFixed(2) : undefined];
      })),
      // The issue's measure: calls per certificate beyond the per-device login, inventory and commit
      // (classified by request path in ./api-calls.ts).
      apiCallsPerCertBeyondDevice: {
        overall: +(perDevice.reduce((x, d) => x + d.split.beyond, 0) / n).toFixed(2),
        ...Object.fromEntries(['cisco-fdm', 'paloalto'].map((t) => {
          const ds = perDevice.filter((d) => d.type === t);
          return [t, ds.length ? +(ds.reduce((x, d) => x + d.split.beyond, 0) / (ds.length * certs)).toFixed(2) : undefined];
        })),
      },
      apiCallsPerDevice: {
        ...Object.fromEntries(['cisco-fdm', 'paloalto'].map((t) => {
          const ds = perDevice.filter((d) => d.type === t);
          return [t, ds.length ? +(ds.reduce((x, d) => x + d.split.device, 0) / ds.length).toFixed(1) : undefined];
        })),
      },
      jobPollsPerDevice: { min: Math.min(...perDevice.map((d) => d.polls)), max: Math.max(...perDevice.map((d) => d.polls)) },
      caOrdersInFlightMax: after.scm.ordersInFlightMax ?? 0,
      scmCalls: Object.entries(delta(before.scm, after.scm)).filter(([k]) => k !== 'ordersInFlightMax').reduce((x, [, v]) => x + v, 0),
      keygenMsPerKey: +keygenMs.toFixed(1), localKeys: keysMade,
      fwcertCpuS: +fwcertCpuS.toFixed(2), fwcertCpuSystemS: +(cpu.system / 1e6).toFixed(2), fwcertCpuByThreadS: byThread,
      fwcertCpuMsPerCertWithoutKeys: +(((fwcertCpuS * 1000) - keysMade * keygenMs) / n).toFixed(1),
      // Without the calibration: everything but libuv's pool (which also signs CSRs and runs async fs),
      // and the pool's CPU per key made in the run.
      fwcertCpuMsPerCertOutsideLibuvPool: byThread.libuvPool === undefined ? undefined : +(((fwcertCpuS - byThread.libuvPool) * 1000) / n).toFixed(1),
      libuvPoolCpuMsPerKey: byThread.libuvPool === undefined || !keysMade ? undefined : +((byThread.libuvPool * 1000) / keysMade).toFixed(1),
      libuvPoolThreads: libuvPool.size || undefined,
      labCpuS: +labCpuS.toFixed(2),
      peakRssMiB: +(peakRss / 2 ** 20).toFixed(1), concurrency, maxInFlight,
    };
  };

  const results = [await measure('enroll')];
  if (a.renew) results.push(await measure('renew'));
  for (const r of results) {
    const rows = Object.entries(r).filter(([, v]) => v !== undefined).map(([k, v]) => `${k.padEnd(32)} ${typeof v === 'object' ? JSON.stringify(v) : v}`);
    process.stdout.write(`-- ${r.phase}\n${rows.join('\n')}\n\n`);
  }
  const last = results[results.length - 1]!;
  process.stdout.write(`${JSON.stringify(a.renew ? { ...last, enroll: results[0] } : last)}\n`);
  process.exitCode = results.some((r) => r.failed) ? 1 : 0;
  await agent.close();
} finally {
  lab.kill('SIGTERM');
  await new Promise((r) => lab.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
