// A node_exporter textfile (text exposition format 0.0.4): per-certificate expiry and level, the last
// run's success, time and failures per device. Written atomically (temp file + rename in the same
// folder) so the collector never reads half a file.
import { renameSync, writeFileSync } from 'node:fs';
import { rank, type StatusRow } from '../engine/status-row.js';
import type { LastRun } from './memory.js';

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labels(l: Record<string, string | undefined>): string {
  const parts = Object.entries(l)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => `${k}="${esc(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export function renderMetrics(rows: StatusRow[], lastRun: LastRun | undefined): string {
  const out: string[] = [];
  const family = (name: string, help: string, lines: string[]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...lines);
  };
  const certLabels = (r: StatusRow) => ({ kind: r.kind, device: r.device, profile: r.profile, object: r.objectName, serial: r.serial });
  // Series must be unique: the first row of a label set wins (the same chain certificate served twice).
  const seen = new Set<string>();
  const uniq = rows.filter((r) => {
    const k = labels(certLabels(r));
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  family(
    'fwcert_certificate_not_after_seconds',
    'Expiry of the certificate (notAfter) as Unix time.',
    uniq.filter((r) => r.notAfter).map((r) => `fwcert_certificate_not_after_seconds${labels(certLabels(r))} ${Math.floor(Date.parse(r.notAfter!) / 1000)}`),
  );
  family(
    'fwcert_certificate_state',
    'Level of the certificate: 0 ok, 1 warn, 2 error, 3 critical; the state label says why.',
    uniq.map((r) => `fwcert_certificate_state${labels({ ...certLabels(r), state: r.state })} ${rank(r.level)}`),
  );
  if (lastRun) {
    family('fwcert_last_run_success', 'Whether the last fwcert run finished without failures (1) or not (0).', [`fwcert_last_run_success ${lastRun.success ? 1 : 0}`]);
    family('fwcert_last_run_timestamp_seconds', 'When the last fwcert run finished, as Unix time.', [`fwcert_last_run_timestamp_seconds ${Math.floor(Date.parse(lastRun.at) / 1000)}`]);
    family(
      'fwcert_last_run_device_failures',
      'Certificates (or the device itself) that failed on the device in the last run.',
      Object.entries(lastRun.failures).map(([d, n]) => `fwcert_last_run_device_failures${labels({ device: d })} ${n}`),
    );
  }
  return `${out.join('\n')}\n`;
}

export function writeTextfile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
}
