// `status --html FILE`: one self-contained page (inline CSS and SVG, no script, no fetch) with the
// status table coloured by level, a timeline of expiries per device, and what failed in the last run.
import { rank, type Level, type StatusRow } from '../engine/status-row.js';
import type { StatusReport } from '../engine/status.js';

export interface FailureNote {
  at: string;
  device?: string;
  profile?: string;
  detail: string;
}

export interface HtmlInput {
  report: StatusReport;
  lastRun?: { at: string; success: boolean; failures: Record<string, number> };
  failures: FailureNote[];
  title?: string;
}

const COLOR: Record<Level, string> = { ok: '#2e7d32', warn: '#f9a825', error: '#e65100', critical: '#c62828' };
const DAY = 86_400_000;

export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function table(rows: StatusRow[]): string {
  const head = ['Level', 'State', 'Kind', 'Device', 'Profile', 'Object', 'Days', 'Not after', 'Serial', 'Issuer', 'Used by', 'Note'];
  const body = rows
    .map((r) => {
      const cells = [r.kind, r.device, r.profile, r.objectName, r.daysLeft, r.notAfter?.slice(0, 10), r.serial, r.issuer, r.bindings?.join(', '), [r.pendingOrder ? `order pending: ${r.pendingOrder}` : '', r.note ?? ''].filter(Boolean).join('; ')];
      return `<tr class="${r.level}"><td><span class="badge" style="background:${COLOR[r.level]}">${esc(r.level.toUpperCase())}</span></td><td>${esc(r.state)}</td>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** One lane per device; a dot per certificate at its expiry, coloured by level; the thresholds as lines. */
function timeline(r: StatusReport): string {
  const now = Date.parse(r.at);
  const dated = r.rows.filter((x) => x.notAfter);
  if (!dated.length) return '<p>No certificate with a known expiry.</p>';
  const horizonDays = Math.min(3650, Math.max(r.warnDays + 30, ...dated.map((x) => Math.max(0, x.daysLeft ?? 0) + 30)));
  const lanes = [...new Set(dated.map((x) => x.device))].sort();
  const left = 170;
  const width = 900;
  const lane = 26;
  const height = lanes.length * lane + 40;
  const x = (days: number) => left + (Math.max(-30, Math.min(horizonDays, days)) + 30) / (horizonDays + 30) * (width - left - 10);
  const parts: string[] = [];
  const mark = (days: number, label: string, color: string) =>
    parts.push(`<line x1="${x(days)}" y1="10" x2="${x(days)}" y2="${height - 20}" stroke="${color}" stroke-dasharray="4 3"/><text x="${x(days) + 3}" y="${height - 6}" font-size="11" fill="${color}">${esc(label)}</text>`);
  mark(0, 'today', '#555');
  mark(r.criticalDays, `${r.criticalDays} d`, COLOR.critical);
  mark(r.warnDays, `${r.warnDays} d`, COLOR.warn);
  lanes.forEach((d, i) => {
    const y = 20 + i * lane;
    parts.push(`<text x="4" y="${y + 4}" font-size="12">${esc(d.length > 24 ? `${d.slice(0, 23)}…` : d)}</text><line x1="${left}" y1="${y}" x2="${width - 10}" y2="${y}" stroke="#ddd"/>`);
    for (const c of dated.filter((z) => z.device === d)) {
      const days = Math.round((Date.parse(c.notAfter!) - now) / DAY);
      const tip = `${c.profile ?? c.objectName ?? c.subject ?? ''} ${c.notAfter!.slice(0, 10)} (${days} d, ${c.state})`;
      parts.push(`<circle cx="${x(days)}" cy="${y}" r="6" fill="${COLOR[c.level]}" stroke="#fff"><title>${esc(tip)}</title></circle>`);
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="expiry timeline">${parts.join('')}</svg>`;
}

export function renderHtml(input: HtmlInput): string {
  const { report: r } = input;
  const worst = r.rows.reduce<Level>((a, b) => (rank(b.level) > rank(a) ? b.level : a), 'ok');
  const counts = (['critical', 'error', 'warn', 'ok'] as Level[]).map((l) => `<span class="badge" style="background:${COLOR[l]}">${r.rows.filter((x) => x.level === l).length} ${l}</span>`).join(' ');
  const run = input.lastRun
    ? `<p>Last run ${esc(input.lastRun.at)}: <b>${input.lastRun.success ? 'succeeded' : 'had failures'}</b>${Object.entries(input.lastRun.failures).filter(([, n]) => n > 0).map(([d, n]) => `; ${esc(d)}: ${n} failed`).join('')}</p>`
    : '<p>No run recorded yet.</p>';
  const fails = input.failures.length
    ? `<table><thead><tr><th>When</th><th>Device</th><th>Profile</th><th>Why</th></tr></thead><tbody>${input.failures.map((f) => `<tr class="error"><td>${esc(f.at)}</td><td>${esc(f.device)}</td><td>${esc(f.profile)}</td><td>${esc(f.detail)}</td></tr>`).join('')}</tbody></table>`
    : '<p>Nothing failed in the last run.</p>';
  const unreachable = r.unreachable.length ? `<h2>Unreachable</h2><ul>${r.unreachable.map((u) => `<li>${esc(u.device)}: ${esc(u.error)}</li>`).join('')}</ul>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title ?? 'fwcert status')}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}
h1{margin:0 0 4px}h2{margin:24px 0 8px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eee}tr.critical td{background:#ffebee}tr.error td{background:#fff3e0}tr.warn td{background:#fffde7}
.badge{display:inline-block;color:#fff;border-radius:3px;padding:0 6px;font-weight:600}
svg{background:#fff;border:1px solid #ddd}
</style></head>
<body>
<h1>fwcert status <span class="badge" style="background:${COLOR[worst]}">${esc(worst.toUpperCase())}</span></h1>
<p>As of ${esc(r.at)}; warn below ${r.warnDays} days, critical below ${r.criticalDays}. ${counts}</p>
<h2>Expiry timeline</h2>
${timeline(r)}
<h2>Certificates</h2>
${table(r.rows)}
${unreachable}
<h2>Last run</h2>
${run}
${fails}
</body></html>
`;
}
