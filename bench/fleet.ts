// `npm run bench`: a lab fleet (default 50 devices x 10 certificates, realistic latencies and commit
// times) enrolled in one run. The lab runs in its own process so its CPU is not counted as ours.
// Prints wall time, the floor, their ratio, API calls and commits per device, and peak RSS.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/core/log.js';
import { runEngine } from '../src/engine/run.js';
import { runFailed } from '../src/engine/report.js';
import { generateKeyPair } from '../src/pki/index.js';

const { values: a } = parseArgs({
  options: {
    devices: { type: 'string', default: '50' },
    certs: { type: 'string', default: '10' },
    'latency-ms': { type: 'string', default: '20' },
    'commit-ms': { type: 'string', default: '3000' },
    'scm-pending': { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '50' },
  },
});
const devices = Number(a.devices);
const certs = Number(a.certs);
const latency = Number(a['latency-ms']);
const commitMs = Number(a['commit-ms']);
const scmPending = Number(a['scm-pending']);
const fdm = Math.ceil(devices / 2);
const panos = devices - fdm;

const dir = mkdtempSync(join(tmpdir(), 'fwcert-bench-'));
const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const lab = spawn(process.execPath, [cli, 'lab', 'up', '--dir', dir, '--fdm', String(fdm), '--panos', String(panos),
  '--deploy-ms', String(commitMs), '--latency-ms', String(latency), '--scm-pending', String(scmPending), '--certs-per-device', String(certs)], { stdio: ['ignore', 'ignore', 'inherit'] });

try {
  const labJson = join(dir, 'lab.json');
  for (let i = 0; i < 600 && !existsSync(labJson); i++) await new Promise((r) => setTimeout(r, 200));
  if (!existsSync(labJson)) throw new Error('the lab did not start');
  const info = JSON.parse(readFileSync(labJson, 'utf8')) as { scm: { url: string }; devices: { name: string; type: string; url: string }[] };
  const cfg = await loadConfig({ configPath: join(dir, 'fwcert.yaml') });
  const caPem = readFileSync(join(dir, 'trust', 'scm.pem'), 'utf8');
  const counters = async (url: string, insecure = true): Promise<Record<string, number>> => {
    const { Agent } = await import('undici');
    const res = await request(`${url}/__lab/state`, { dispatcher: new Agent({ connect: { rejectUnauthorized: !insecure, ca: caPem } }) });
    return ((await res.body.json()) as { counters: Record<string, number> }).counters;
  };
  const sum = (c: Record<string, number>) => Object.values(c).reduce((x, y) => x + y, 0);

  // Key generation cost on this machine (RSA 2048 for FTD profiles; PAN-OS keys are made on the device).
  const t0 = performance.now();
  for (let i = 0; i < 4; i++) await generateKeyPair({ type: 'rsa', size: 2048 });
  const keygenMs = (performance.now() - t0) / 4;

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const start = performance.now();
  const report = await runEngine(cfg, { command: 'run', log: silentLogger(), concurrency: Number(a.concurrency) });
  const wallMs = performance.now() - start;
  clearInterval(sampler);

  const scmBase = info.scm.url.replace(/\/api\/ssl\/v1$/, '');
  // FDM counts every call in `calls`; PAN-OS counts per request type (dotted keys are sub-counts).
  const perDevice = await Promise.all(
    info.devices.map(async (d) => {
      const c = await counters(d.url);
      const calls = c.calls ?? Object.entries(c).filter(([k]) => !k.includes('.')).reduce((x, [, v]) => x + v, 0);
      const polls = (c.deploy_get ?? 0) + (c['op.show.jobs.id'] ?? 0);
      return { ...d, calls, polls, counters: c };
    }),
  );
  const scmCalls = sum(await counters(scmBase));
  const items = report.devices.flatMap((d) => d.items);
  const commits = perDevice.map((d) => (d.counters.deploy ?? 0) + (d.counters.commit ?? 0));
  // Floor: the slowest device's own sequential round trips (device API + its share of SCM calls) and
  // one commit, plus local key generation for the whole fleet spread over the cores.
  const scmPerCert = 2 + scmPending; // enroll + pending polls + the issuing collect
  // Job polls are left out: the commit time already covers that wait.
  const floorMs = Math.max(...perDevice.map((d) => (d.calls - d.polls + certs * scmPerCert) * latency + commitMs)) + (fdm * certs * keygenMs) / cpus().length;
  const result = {
    devices, certsPerDevice: certs, certificates: items.length, done: items.filter((i) => i.outcome === 'done').length,
    failed: runFailed(report), latencyMs: latency, commitMs, concurrency: Number(a.concurrency),
    wallS: +(wallMs / 1000).toFixed(2), floorS: +(floorMs / 1000).toFixed(2), ratio: +(wallMs / floorMs).toFixed(2),
    apiCallsPerDevice: { min: Math.min(...perDevice.map((d) => d.calls)), max: Math.max(...perDevice.map((d) => d.calls)) },
    jobPollsPerDevice: { min: Math.min(...perDevice.map((d) => d.polls)), max: Math.max(...perDevice.map((d) => d.polls)) },
    scmCalls, commitsPerDevice: { min: Math.min(...commits), max: Math.max(...commits) },
    keygenMsRsa2048: +keygenMs.toFixed(1), peakRssMiB: +(peakRss / 2 ** 20).toFixed(1),
  };
  const rows = Object.entries(result).map(([k, v]) => `${k.padEnd(20)} ${typeof v === 'object' ? JSON.stringify(v) : v}`);
  process.stdout.write(`${rows.join('\n')}\n\n${JSON.stringify(result)}\n`);
  process.exitCode = result.failed ? 1 : 0;
} finally {
  lab.kill('SIGTERM');
  await new Promise((r) => lab.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
