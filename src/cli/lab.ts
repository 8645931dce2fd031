// `fwcert lab up --dir DIR`: start the emulators and keep them running until SIGTERM/SIGINT.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT, guarded } from './context.js';
import { wholeNumber } from './parse.js';

export function registerLab(program: Command): void {
  const lab = program.command('lab').description('the built-in lab: emulated Sectigo SCM, Cisco FDM and PAN-OS on 127.0.0.1');
  lab
    .command('up')
    .description('start the emulators, write DIR/fwcert.yaml and DIR/lab.json, run until SIGTERM')
    .requiredOption('--dir <dir>', 'where to write the lab configuration')
    .option('--fdm <n>', 'emulated Cisco FTDs (FDM API)', wholeNumber(0, 500), 1)
    .option('--panos <n>', 'emulated PAN-OS firewalls', wholeNumber(0, 500), 1)
    .option('--fmc <n>', 'emulated Secure Firewall Management Centers', wholeNumber(0, 20), 0)
    .option('--fmc-ftds <n>', 'FTDs managed by each FMC', wholeNumber(0, 200), 3)
    .option('--fmc-ha', 'give each FMC one more device: an HA pair of two FTDs')
    .option('--fmc-cluster', 'give each FMC one more device: a cluster of three FTDs (a control unit, two data units)')
    .option('--fmc-est', 'the last FTD of each FMC enrolls over EST at the lab EST server (key made on the FTD)')
    .option('--fmc-version <v>', 'FMC software version to emulate: 7.2, 7.4 or 7.7', '7.7')
    .option('--sftunnel-ca-days <n>', "days until each FMC's internal CA (sftunnel) expires", wholeNumber(1, 3650), 3000)
    .option('--fmc-secondary', 'give each FMC an HA secondary FMC (sftunnel renewal: primary first, then secondary)')
    .option('--sftunnel-knobs <json>', 'sftunnel lab knobs, e.g. \'{"unreachable":["fmc1-ftd-2"],"refuseSsh":[],"missingHotfix":["fmc-1"],"criticalOperation":{"fmc-1":"Backup/Restore task in progress"}}\'', (v: string) => JSON.parse(v) as object)
    .option('--panorama <n>', 'emulated Panoramas (template stack pushed to --panorama-fws firewalls each)', wholeNumber(0, 10), 0)
    .option('--panorama-fws <n>', 'emulated firewalls managed by each Panorama', wholeNumber(1, 100), 3)
    .option('--deploy-ms <ms>', 'FDM deploy / PAN-OS commit job duration', wholeNumber(0), 300)
    .option('--scm-pending <n>', 'collect polls that answer "pending" before SCM issues', wholeNumber(0), 1)
    .option('--latency-ms <ms>', 'delay before every emulated API answer', wholeNumber(0), 0)
    .option('--certs-per-device <n>', 'certificate profiles per device in the written config', wholeNumber(1, 100), 1)
    .action((o: { dir: string; fdm: number; panos: number; fmc: number; fmcFtds: number; fmcHa?: boolean; fmcCluster?: boolean; fmcEst?: boolean; fmcVersion: string; sftunnelCaDays: number; fmcSecondary?: boolean; sftunnelKnobs?: object; panorama: number; panoramaFws: number; deployMs: number; scmPending: number; latencyMs: number; certsPerDevice: number }) =>
      guarded(async () => {
        const { configJsonSchema, profileJsonSchema } = await import('../config/json-schema.js');
        const { startLab } = await import('../lab/fleet.js');
        // lab.json appears when the lab is ready (`fwcert lab wait`): never leave an old one behind.
        rmSync(join(resolve(o.dir), 'lab.json'), { force: true });
        const l = await startLab({
          dir: resolve(o.dir), fdm: o.fdm, panos: o.panos, fmc: o.fmc, fmcFtds: o.fmcFtds, fmcHa: o.fmcHa, fmcCluster: o.fmcCluster, fmcEst: o.fmcEst, sftunnelCaDays: o.sftunnelCaDays, fmcSecondary: o.fmcSecondary,
          panorama: o.panorama, panoramaFws: o.panoramaFws, certsPerDevice: o.certsPerDevice,
          knobs: {
            scm: { pendingPolls: o.scmPending, latencyMs: o.latencyMs },
            fdm: { deployDurationMs: o.deployMs, latencyMs: o.latencyMs },
            panos: { commitDurationMs: o.deployMs, latencyMs: o.latencyMs },
            fmc: { taskDurationMs: o.deployMs, latencyMs: o.latencyMs, version: o.fmcVersion },
            sftunnel: o.sftunnelKnobs,
            panorama: { commitDurationMs: o.deployMs, pushDurationMs: o.deployMs, latencyMs: o.latencyMs },
          },
        });
        writeFileSync(join(l.dir, 'fwcert.schema.json'), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
        writeFileSync(join(l.dir, 'profile.schema.json'), `${JSON.stringify(profileJsonSchema(), null, 2)}\n`);
        process.stdout.write(`lab up: ${l.devices.length} device(s), SCM at ${l.scm.baseUrl}\n  config: ${l.configPath}\n  lab:    ${l.labJsonPath}\n`);
        for (const m of l.managers) process.stdout.write(`  ${m.name.padEnd(8)} ${m.type.padEnd(10)} ${m.url}  ${Object.entries(m.services).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
        for (const d of l.devices) {
          process.stdout.write(`  ${d.name.padEnd(8)} ${d.type.padEnd(10)} ${d.url}  ${Object.entries(d.services).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
        }
        for (const p of l.panoramas) {
          process.stdout.write(`  ${p.name.padEnd(8)} panorama   ${p.handle.url}  template stack -> ${p.firewalls.map((f) => f.name).join(', ')}\n`);
          for (const f of p.firewalls) process.stdout.write(`    ${f.name.padEnd(6)} ${f.serial}  gp-portal=${f.services['gp-portal']}\n`);
        }
        process.stdout.write(`try: fwcert --config ${l.configPath} run\n(stop with Ctrl-C or SIGTERM)\n`);
        await new Promise<void>((res) => {
          process.once('SIGTERM', res);
          process.once('SIGINT', res);
        });
        await l.close();
        return EXIT.ok;
      }),
    );
  lab
    .command('wait')
    .description('wait until `fwcert lab up --dir DIR` (started in the background) is ready')
    .requiredOption('--dir <dir>', 'the lab directory given to lab up')
    .option('--timeout <s>', 'give up after this many seconds (exit 1)', wholeNumber(1, 3600), 60)
    .action((o: { dir: string; timeout: number }) =>
      guarded(async () => {
        const path = join(resolve(o.dir), 'lab.json');
        const until = Date.now() + o.timeout * 1000;
        while (Date.now() < until) {
          if (existsSync(path)) {
            try {
              JSON.parse(readFileSync(path, 'utf8'));
              return EXIT.ok;
            } catch {
              // still being written
            }
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        process.stderr.write(`fwcert: the lab in ${resolve(o.dir)} was not ready after ${o.timeout} s\n`);
        return EXIT.failed;
      }),
    );
}
