// Alert memory and rendering without a lab: which rows changed level, the text a person reads, the
// Prometheus exposition (escaping, unique series), and the status exit-code rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertText, levelChanges } from '../../src/alerts/changes.js';
import { renderMetrics } from '../../src/alerts/prometheus.js';
import { statusExitCode, type StatusReport } from '../../src/engine/status.js';
import type { StatusRow } from '../../src/engine/status-row.js';
import { expiryLevel, rowKey } from '../../src/engine/status-row.js';
import { esc } from '../../src/report/html.js';

const row = (over: Partial<StatusRow>): StatusRow => ({ kind: 'managed', device: 'fw-1', profile: 'vpn', level: 'ok', state: 'ok', source: 'device', ...over });

describe('alert levels', () => {
  it('only a change of level is an alert; an unknown row counts as ok; recovery is a change', () => {
    const first = levelChanges([row({}), row({ profile: 'web', level: 'critical', state: 'revoked' })], {});
    assert.deepEqual(first.changes.map((c) => `${c.key}:${c.from}->${c.to}`), ['managed/fw-1/web:ok->critical']);
    assert.equal(levelChanges([row({}), row({ profile: 'web', level: 'critical' })], first.next).changes.length, 0, 'same levels: nothing');
    const rec = levelChanges([row({}), row({ profile: 'web', level: 'ok' })], first.next);
    assert.deepEqual(rec.changes.map((c) => `${c.from}->${c.to}`), ['critical->ok']);
    assert.match(alertText(rec.changes), /^fwcert: 1 certificate\(s\) changed level, 1 recovered\nOK \(was CRITICAL\) fw-1 \/ web: ok/);
  });

  it('a renewed certificate keeps its key (managed rows are keyed by device and profile, not serial)', () => {
    assert.equal(rowKey(row({ serial: 'AA' })), rowKey(row({ serial: 'BB' })));
    assert.notEqual(rowKey(row({ kind: 'probe', device: 'vpn:443', subject: 'vpn' })), rowKey(row({ kind: 'probe', device: 'vpn:443', subject: 'Issuing CA' })));
  });

  it('thresholds: expired and below critical are critical, below warn is warn', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const at = (days: number) => new Date(now.getTime() + days * 86_400_000 + 1000);
    const t = { warnDays: 90, criticalDays: 30 };
    assert.deepEqual([-1, 10, 29, 30, 89, 90].map((d) => expiryLevel(at(d), now, t).level), ['critical', 'critical', 'critical', 'warn', 'warn', 'ok']);
    assert.equal(expiryLevel(at(-1), now, t).state, 'expired');
  });
});

describe('Prometheus textfile', () => {
  it('escapes label values and never repeats a series', () => {
    const r = row({ objectName: 'a"b\\c\nd', serial: '01', notAfter: '2027-01-01T00:00:00.000Z' });
    const text = renderMetrics([r, { ...r }], { at: '2026-01-01T00:00:00.000Z', success: false, failures: { 'fw-1': 2 } });
    assert.match(text, /object="a\\"b\\\\c\\nd"/);
    assert.equal(text.match(/^fwcert_certificate_not_after_seconds\{/gm)!.length, 1);
    assert.match(text, /^fwcert_certificate_not_after_seconds\{.*\} 1798761600$/m);
    assert.match(text, /^fwcert_last_run_success 0$/m);
    assert.match(text, /^fwcert_last_run_device_failures\{device="fw-1"\} 2$/m);
    assert.match(text, /^# TYPE fwcert_certificate_state gauge$/m);
  });
});

describe('status exit code', () => {
  const rep = (rows: StatusRow[], all = false): StatusReport => ({ at: '', warnDays: 90, criticalDays: 30, rows, unreachable: [], ...(all ? { all } : {}) });
  it('3 critical, 1 error, 5 warn only with --warn-exit, 0 otherwise; unmanaged rows count only with --all', () => {
    assert.equal(statusExitCode(rep([row({ level: 'critical' })]), false), 3);
    assert.equal(statusExitCode(rep([row({ level: 'error' })]), false), 1);
    assert.equal(statusExitCode(rep([row({ level: 'warn' })]), false), 0);
    assert.equal(statusExitCode(rep([row({ level: 'warn' })]), true), 5);
    assert.equal(statusExitCode(rep([row({ kind: 'unmanaged', level: 'critical' })]), false), 0);
    assert.equal(statusExitCode(rep([row({ kind: 'unmanaged', level: 'critical' })], true), false), 3);
  });
});

describe('HTML escaping', () => {
  it('escapes what could break out of the markup', () => {
    assert.equal(esc('<script>"x" & \'y\'</script>'), '&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;');
  });
});
