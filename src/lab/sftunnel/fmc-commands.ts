// The FMC's expert-mode commands of the sftunnel renewal, with the output shapes of Cisco's note
// "Renewal of FMC Sftunnel CA Certificate for FTD Connectivity" (generate_certs.pl dialogue,
// "Failed to push" lines, FAILED_PUSH file format, log path) and of the FTD command reference
// (`sftunnel-status`: SFTUNNEL Start Time, **RUN STATUS****<peer>****, ChannelA/B Connected,
// Registration, PEER INFO). Inferred (no public sample) and marked below: the lines for a peer
// that is not connected, the log file's content, and the refusal text for a critical operation.
import { certDates, createInternalCa, issueSftunnelCert, opensslDate } from './internal-ca.js';
import type { Command, ShellIo } from './shell.js';
import {
  CA_ROOT, FMC_CERT, FMC_KEY, GENERATION_LOG, isConnected, peerDir, pushedDir, type LabFmc, type LabHost, type SftunnelWorld,
} from './world.js';

const DAY_MS = 86_400_000;
const START = new Date();
const ctime = (d: Date) =>
  `${d.toLocaleString('en-US', { weekday: 'short', timeZone: 'UTC' })} ${d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' })} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} ${d.getUTCFullYear()}`;

async function ask(io: ShellIo): Promise<boolean> {
  io.write('Do you want to continue? [yes/no]:');
  const a = await io.readLine();
  return a?.trim() === 'yes';
}

export function sftunnelStatus(w: SftunnelWorld, fmc: LabFmc): string {
  const out = [
    `SFTUNNEL Start Time: ${ctime(START)}`,
    '        Both IPv4 and IPv6 connectivity is supported',
    `        Broadcast count = ${fmc.peers.length}`,
    '        Reserved SSL connections: 0',
    '        Management Interfaces: 1',
    `        eth0 (control events) ${fmc.ip},`,
    '***********************',
    '',
  ];
  for (const p of fmc.peers) {
    out.push(`**RUN STATUS****${p.ip}*************`);
    if (isConnected(w, fmc, p)) {
      out.push(
        '        Cipher used = AES256-GCM-SHA384 (strength:256 bits)',
        '        ChannelA        Connected: Yes, Interface eth0',
        '        Cipher used = AES256-GCM-SHA384 (strength:256 bits)',
        '        ChannelB        Connected: Yes, Interface eth0',
        '        Registration:   Completed.',
        `        IPv4 Connection to peer '${p.ip}' Start Time: ${ctime(START)}`,
        'PEER INFO:',
        '        sw_version 7.2.9',
        '        sw_build 20',
        '        Management Interfaces: 1',
        `        eth0 (control events) ${p.ip},`,
        `        Peer channel Channel-A is valid type (CONTROL), using 'eth0', connected to '${p.ip}' via '${fmc.ip}'`,
        `        Peer channel Channel-B is valid type (EVENT), using 'eth0', connected to '${p.ip}' via '${fmc.ip}'`,
      );
    } else {
      // Inferred: the note only says such devices are "not connected" (disabled in the UI).
      out.push('        ChannelA        Connected: No', '        ChannelB        Connected: No', '        Registration:   Completed.');
    }
    out.push('***********************', '');
  }
  return `${out.join('\n')}\n`;
}

export function fmcCommands(w: SftunnelWorld, fmc: LabFmc, onNewCa: () => void): Record<string, Command> {
  return {
    'sftunnel_status.pl': (_a, io) => {
      io.write(sftunnelStatus(w, fmc));
      return 0;
    },
    'generate_certs.pl': async (_a, io) => {
      if (w.knobs.missingHotfix.includes(fmc.name)) {
        io.write('bash: generate_certs.pl: command not found\n');
        return 127;
      }
      io.write(`setting log file to ${GENERATION_LOG}\n\n`);
      const critical = w.knobs.criticalOperation[fmc.name];
      if (critical) {
        // Inferred wording: the note says the script checks for critical operations and refuses to run.
        io.write(`Critical operation in progress: ${critical}\nCannot generate certificates while a critical operation is running. Exiting.\n`);
        return 1;
      }
      io.write(
        'You are about to generate new certificates for FMC and devices.\n' +
          'After successful cert generation, device specific certs will be pushed automatically\n' +
          'If the connection between FMC and a device is down, user needs to copy the certificates onto the device manually\n' +
          'For more details on disconnected devices, use sftunnel_status.pl\n',
      );
      if (!(await ask(io))) return 1;
      const { notAfter } = certDates(fmc.ca.certPem);
      const days = Math.floor((notAfter.getTime() - Date.now()) / DAY_MS);
      io.write(`\nCurrent ca_root expires in ${days} days - at ${opensslDate(notAfter)}\n`);
      if (!(await ask(io))) return 1;
      io.write('\n');
      await regenerate(w, fmc, io);
      onNewCa();
      return 0;
    },
  };
}

async function regenerate(w: SftunnelWorld, fmc: LabFmc, io: ShellIo): Promise<void> {
  // Which peers take the push over their tunnel is decided by the tunnels up before the CA changes.
  const up = new Set(fmc.peers.filter((p) => isConnected(w, fmc, p)).map((p) => p.name));
  fmc.ca = await createInternalCa(fmc.uuid, 3652);
  const own = await issueSftunnelCert(fmc.ca, fmc.uuid);
  fmc.files.set(CA_ROOT, fmc.ca.certPem);
  fmc.files.set(FMC_CERT, own.certPem);
  fmc.files.set(FMC_KEY, own.keyPem);
  let ts = Math.floor(Date.now() / 1000);
  while ([...fmc.files.keys()].some((k) => k.startsWith(`/var/tmp/certs/${ts}/`))) ts++;
  const failedLines: string[] = [];
  const log: string[] = [`${new Date().toISOString()} Generated new InternalCA (expires ${opensslDate(certDates(fmc.ca.certPem).notAfter)})`];
  const failed: string[] = [];
  for (const p of fmc.peers) {
    const pc = await issueSftunnelCert(fmc.ca, p.uuid);
    const src = pushedDir(p.uuid);
    fmc.files.set(`${src}sftunnel-cert.pem`, pc.certPem);
    fmc.files.set(`${src}sftunnel-key.pem`, pc.keyPem);
    const dst = peerDir(fmc.uuid);
    if (up.has(p.name) && !w.knobs.unreachable.includes(p.name)) {
      p.files.set(`${dst}/cacert.pem`, fmc.ca.certPem);
      p.files.set(`${dst}/sftunnel-key.pem`, pc.keyPem);
      p.files.set(`${dst}/sftunnel-cert.pem`, pc.certPem);
      p.running.set(fmc.uuid, { caPem: fmc.ca.certPem, certPem: pc.certPem });
      log.push(`${new Date().toISOString()} Pushed certificates to ${p.name}`);
      continue;
    }
    failed.push(p.name);
    const pairs: [string, string][] = [
      [CA_ROOT, `${dst}/cacert.pem`],
      [`${src}/sftunnel-key.pem`, `${dst}/sftunnel-key.pem`],
      [`${src}/sftunnel-cert.pem`, `${dst}/sftunnel-cert.pem`],
    ];
    for (const [from, to] of pairs) {
      io.write(`Failed to push to ${p.name} = ${to}\n`);
      failedLines.push(`${p.uuid} ${p.name} ${p.ip} ${from} ${to}`);
      log.push(`${new Date().toISOString()} Failed to push ${from} to ${p.name}`);
    }
  }
  fmc.generations.push({ at: new Date().toISOString(), failed });
  w.generationLog.push(fmc.name);
  fmc.files.set(GENERATION_LOG, `${fmc.files.get(GENERATION_LOG) ?? ''}${log.join('\n')}\n`);
  if (failedLines.length) {
    const path = `/var/tmp/certs/${ts}/FAILED_PUSH`;
    fmc.files.set(path, `${failedLines.join('\n')}\n`);
    io.write(`\nSome files were failed to be pushed to remote peers. For more details check ${path}\n\n`);
  }
  io.write('Scalars leaked: 1\n');
}

export function ftdCommands(host: LabHost, restart: () => void): Record<string, Command> {
  return {
    pmtool: (args, io) => {
      if (args[0] !== 'restartbyid' || !args[1]) {
        io.write('Usage: pmtool restartbyid <id>\n');
        return 1;
      }
      if (args[1] === 'sftunnel') restart();
      void host;
      return 0;
    },
  };
}
