// `fwcert demo`: one command that shows the whole job on the built-in lab — emulated CA and
// firewalls, a real enrollment, and a real TLS handshake that shows the new certificate.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { LabDevice } from '../lab/fleet.js';
import type { Served } from '../lab/handshake.js';
import { EXIT, guarded } from './context.js';
import { table } from './output.js';
import { printRunReport } from './run.js';

const SERVICE: Record<LabDevice['type'], string> = { 'cisco-fdm': 'ravpn', paloalto: 'gp-portal', 'cisco-fmc-ftd': 'ravpn' };
const out = (s: string) => process.stdout.write(`${s}\n`);

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the main job on the built-in lab and show the new certificates over real TLS')
    .option('--dir <dir>', 'keep the lab files here (default: a new temporary folder)')
    .action((o: { dir?: string }) =>
      guarded(async () => {
        const { createLogger } = await import('../core/log.js');
        const { runFailed } = await import('../engine/report.js');
        const { loadConfig } = await import('../config/load.js');
        const { runEngine } = await import('../engine/run.js');
        const { fleetStatus } = await import('../engine/status.js');
        const { startLab } = await import('../lab/fleet.js');
        const { handshake } = await import('../lab/handshake.js');
        const dir = o.dir ? resolve(o.dir) : mkdtempSync(join(tmpdir(), 'fwcert-demo-'));
        out(`== fwcert demo: starting the lab in ${dir}`);
        const lab = await startLab({ dir, fdm: 1, panos: 1, knobs: { scm: { pendingPolls: 1 }, fdm: { deployDurationMs: 300 }, panos: { commitDurationMs: 300 } } });
        try {
          for (const d of lab.devices) out(`   ${d.name} (${d.type}) API ${d.url}, ${SERVICE[d.type]} TLS on ${d.services[SERVICE[d.type]]}`);
          out(`   Sectigo SCM emulator ${lab.scm.baseUrl}`);
          const cfg = await loadConfig({ configPath: lab.configPath });
          const cnOf = (d: LabDevice) => cfg.profiles.find((p) => p.targets.some((t) => t.device === d.name))!.names[0]!;
          const served = async (d: LabDevice): Promise<Served> => handshake(d.services[SERVICE[d.type]]!, { servername: cnOf(d), caPem: lab.ca.bundlePem });

          out('\n== before: what clients get on the data-plane ports');
          for (const d of lab.devices) {
            const s = await served(d);
            out(`   ${d.name}: subject CN=${s.subjectCn}, issuer CN=${s.issuerCn}, trusted by the lab CA: ${s.trusted ? 'yes' : `no (${s.verifyError})`}`);
          }

          out(`\n== fwcert --config ${lab.configPath} run`);
          const log = createLogger({ level: 'info', file: cfg.log.file, terminal: true });
          const report = await runEngine(cfg, { command: 'run', log });
          printRunReport(report);

          out(`\n== fwcert --config ${lab.configPath} status`);
          const st = await fleetStatus(cfg, { warnDays: 90, criticalDays: 30, log });
          out(table(['STATE', 'DEVICE', 'PROFILE', 'OBJECT', 'DAYS', 'SERIAL', 'ISSUER'], st.rows.map((r) => [r.level.toUpperCase(), r.device, r.profile, r.objectName, r.daysLeft, r.serial, r.issuer])));

          out('\n== after: a real TLS handshake with each device');
          let ok = !runFailed(report);
          for (const d of lab.devices) {
            const s = await served(d);
            const installed = report.devices.find((x) => x.device === d.name)?.items.find((i) => i.outcome === 'done' && i.serial);
            const strip = (x: string | undefined) => (x ?? '').toUpperCase().replace(/^0+/, '');
            const match = !!installed?.serial && strip(installed.serial) === strip(s.serial);
            ok &&= match && s.trusted;
            out(`   ${d.name} ${SERVICE[d.type]} ${d.services[SERVICE[d.type]]}: subject CN=${s.subjectCn}, issuer CN=${s.issuerCn}`);
            out(`      serial ${s.serial}, valid until ${s.notAfter.slice(0, 10)}, verified against the lab root for ${cnOf(d)}: ${s.trusted ? 'yes' : `no (${s.verifyError})`}`);
            out(`      the certificate fwcert installed (serial ${installed?.serial ?? 'none'}) is the one served: ${match ? 'yes' : 'NO'}`);
          }
          out(`\n${ok ? 'demo passed' : 'demo FAILED'}: lab files in ${dir} (log: ${cfg.log.file})`);
          return ok ? EXIT.ok : EXIT.failed;
        } finally {
          await lab.close();
        }
      }),
    );
}
