// Alerts that reach a person (issue 8): a node_exporter textfile that promtool accepts, webhooks and
// email (a real SMTP server: aiosmtpd with STARTTLS + AUTH) that fire once per change of level and
// stay quiet while nothing changes. Through the real CLI against the lab.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { createSelfSigned } from '../../src/pki/index.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { screenshot, pngVariety } from '../support/chromium.js';
import { runCli } from '../support/cli.js';
import { stopper } from '../support/process.js';
import { ROOT } from '../support/root.js';

// From the repository: the build in dist/test/ holds no .py file.
const SMTP_SCRIPT = join(ROOT, 'test/support/smtp_server.py');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

interface Hook {
  headers: IncomingMessage['headers'];
  body: { text: string; changes: { key: string; from: string; to: string; device: string; profile?: string; kind: string }[] };
}

describe('alerts: Prometheus textfile, webhooks, SMTP email', () => {
  let lab: Lab;
  let dir: string;
  let config: string;
  let mailDir: string;
  let stopSmtp: () => Promise<void>;
  const hooks: Hook[] = [];
  let hookServer: ReturnType<typeof createHttpServer>;
  const cli = (...args: string[]) => runCli(['--config', config, ...args]);
  const mails = () => readdirSync(mailDir).filter((f) => f.endsWith('.eml')).sort().map((f) => readFileSync(join(mailDir, f), 'utf8'));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-alerts-'));
    lab = await startLab({ dir, fdm: 1, panos: 0, knobs: { fdm: { deployDurationMs: 20 } } });
    // Webhook receiver.
    hookServer = createHttpServer((req, res) => {
      let b = '';
      req.on('data', (d: Buffer) => (b += d.toString()));
      req.on('end', () => {
        hooks.push({ headers: req.headers, body: JSON.parse(b) as Hook['body'] });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', () => r()));
    const hookPort = (hookServer.address() as { port: number }).port;
    // SMTP server with STARTTLS and AUTH, its certificate trusted through alerts.email.tls.ca_file.
    const smtpDir = mkdtempSync(join(tmpdir(), 'fwcert-smtp-'));
    mailDir = join(smtpDir, 'mail');
    mkdirSync(mailDir);
    const tls = await createSelfSigned({ cn: 'smtp.lab.example', sans: ['127.0.0.1'], days: 30 });
    writeFileSync(join(smtpDir, 'cert.pem'), tls.certPem);
    writeFileSync(join(smtpDir, 'key.pem'), tls.keyPem);
    writeFileSync(join(dir, 'trust', 'smtp.pem'), tls.certPem);
    const smtpPort = await freePort();
    const child = spawn('/usr/bin/python3', [SMTP_SCRIPT, String(smtpPort), join(smtpDir, 'cert.pem'), join(smtpDir, 'key.pem'), 'alerts', 'smtp-secret-1', mailDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stopSmtp = stopper(child, smtpDir);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('READY') && resolve());
      child.once('exit', (c) => reject(new Error(`smtp server exited ${c}: ${err}`)));
    });
    writeFileSync(join(dir, 'credentials', 'smtp.yaml'), stringify({ username: 'alerts', password: 'smtp-secret-1' }), { mode: 0o600 });
    writeFileSync(join(dir, 'credentials', 'webhook.secret'), 'hook-secret-123\n', { mode: 0o600 });
    const cfg = parse(readFileSync(lab.configPath, 'utf8')) as Record<string, unknown>;
    cfg.alerts = {
      webhooks: [{ url: `http://127.0.0.1:${hookPort}/hooks/fwcert`, secret_header: 'X-Fwcert-Token', secret_file: 'credentials/webhook.secret' }],
      email: {
        host: '127.0.0.1', port: smtpPort, security: 'starttls', from: 'fwcert@lab.example', to: ['pki@lab.example'],
        credentials: 'credentials/smtp.yaml', tls: { ca_file: 'trust/smtp.pem' },
      },
    };
    config = join(dir, 'fwcert-alerts.yaml');
    writeFileSync(config, stringify(cfg));
  });
  after(async () => {
    await stopSmtp?.();
    hookServer?.close();
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('run --prometheus writes a textfile that promtool check metrics accepts', async () => {
    const file = join(dir, 'fwcert.prom');
    const r = await cli('run', '--prometheus', file);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const text = readFileSync(file, 'utf8');
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}\n${text}`);
    assert.match(text, /^fwcert_certificate_not_after_seconds\{kind="managed",device="ftd-1",profile="vpn-portal",object="vpn-portal",serial="[0-9A-F]+"\} \d{10}$/m);
    assert.match(text, /^fwcert_certificate_state\{kind="managed",device="ftd-1",profile="vpn-portal",.*state="ok"\} 0$/m);
    assert.match(text, /^fwcert_last_run_success 1$/m);
    assert.match(text, /^fwcert_last_run_timestamp_seconds \d{10}$/m);
    assert.match(text, /^fwcert_last_run_device_failures\{device="ftd-1"\} 0$/m);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'written through a temp file and renamed');
    // status writes it too, with the probe rows; still valid.
    const s = await cli('status', '--prometheus', file, '--no-alerts');
    assert.equal(s.code, 0, s.stderr);
    const text2 = readFileSync(file, 'utf8');
    assert.equal(spawnSync('promtool', ['check', 'metrics'], { input: text2, encoding: 'utf8' }).status, 0, text2);
    assert.match(text2, /kind="probe",device="ftd-1 ravpn"/);
  });

  it('one webhook POST and one mail per change of level across three runs, none while nothing changes', async () => {
    const hooks0 = hooks.length;
    // 1: a 400-day warning threshold puts the 365-day certificate into WARN.
    const a = await cli('status', '--warn-days', '400');
    assert.equal(a.code, 0, a.stderr);
    assert.equal(hooks.length, hooks0 + 1, 'one POST for the change');
    const first = hooks.at(-1)!;
    assert.equal(first.headers['x-fwcert-token'], 'hook-secret-123');
    const mine = first.body.changes.find((c) => c.kind === 'managed' && c.device === 'ftd-1' && c.profile === 'vpn-portal')!;
    assert.deepEqual([mine.from, mine.to], ['ok', 'warn']);
    assert.match(first.body.text, /^fwcert: \d+ certificate\(s\) changed level/);
    assert.match(first.body.text, /WARN \(was OK\) ftd-1 \/ vpn-portal/);
    let m = mails();
    assert.equal(m.length, 1, 'one mail');
    assert.match(m[0]!, /^Subject: \[fwcert\] \d+ certificate\(s\) changed level, \d+ worse$/m);
    assert.match(m[0]!, /^To: pki@lab\.example$/m);
    // 2: the same levels again: no alert.
    assert.equal((await cli('status', '--warn-days', '400')).code, 0);
    assert.equal(hooks.length, hooks0 + 1, 'nothing changed, nothing sent');
    assert.equal(mails().length, 1);
    // 3: back to 90 days: the recovery is announced once.
    assert.equal((await cli('status')).code, 0);
    assert.equal(hooks.length, hooks0 + 2);
    const rec = hooks.at(-1)!.body.changes.find((c) => c.kind === 'managed' && c.device === 'ftd-1')!;
    assert.deepEqual([rec.from, rec.to], ['warn', 'ok']);
    m = mails();
    assert.equal(m.length, 2);
    assert.match(m[1]!, /^Subject: \[fwcert\] \d+ certificate\(s\) changed level, \d+ recovered$/m);
    // No secret in the log.
    const log = readFileSync(join(dir, 'logs', 'fwcert.log'), 'utf8');
    assert.ok(!log.includes('hook-secret-123') && !log.includes('smtp-secret-1'));
  });

  it('a failed run is an alert (error), its recovery another', async () => {
    const before1 = hooks.length;
    lab.devices[0]!.handle.setKnobs({ failNextDeploy: true });
    const r = await cli('renew', '--force');
    assert.equal(r.code, 1);
    assert.equal(hooks.length, before1 + 1);
    const c = hooks.at(-1)!.body.changes.find((x) => x.kind === 'managed' && x.device === 'ftd-1')!;
    assert.equal(c.to, 'error');
    const r2 = await cli('run');
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(hooks.length, before1 + 2);
    assert.equal(hooks.at(-1)!.body.changes.find((x) => x.kind === 'managed' && x.device === 'ftd-1')!.to, 'ok');
  });

  it('status --html writes a self-contained page that renders in headless Chromium with no console errors', async () => {
    lab.devices[0]!.handle.setKnobs({ failNextDeploy: true });
    assert.equal((await cli('renew', '--force')).code, 1);
    const html = join(dir, 'status.html');
    const r = await cli('status', '--html', html, '--no-alerts');
    assert.equal(r.code, 0, r.stderr);
    const page = readFileSync(html, 'utf8');
    assert.doesNotMatch(page, /(src|href)=["']?(https?:)?\/\//i, 'no network fetches');
    assert.match(page, /<svg[^>]*aria-label="expiry timeline"/);
    assert.match(page, /pending-commit/);
    assert.match(page, /Last run [^<]*: <b>had failures<\/b>; ftd-1: 1 failed/);
    assert.match(page, /commit-failed|DEPLOY_FAILED|deploy/i);
    const png = join(dir, 'status.png');
    const shot = await screenshot(html, png);
    assert.equal(shot.code, 0);
    assert.deepEqual(shot.console, [], 'no console messages (errors, CSP violations)');
    assert.ok(pngVariety(png) > 64, `the screenshot shows the page (${pngVariety(png)} distinct values)`);
    // The checks can fail: a blank page and a page with a script error are told apart.
    const blank = join(dir, 'blank.html');
    writeFileSync(blank, '<!doctype html><html><body></body></html>');
    const b = await screenshot(blank, join(dir, 'blank.png'));
    assert.ok(pngVariety(join(dir, 'blank.png')) <= 64, 'a blank page is recognised as blank');
    assert.deepEqual(b.console, []);
    const broken = join(dir, 'broken.html');
    writeFileSync(broken, '<!doctype html><html><body><script>missingFunction()</script></body></html>');
    assert.ok((await screenshot(broken, join(dir, 'broken.png'))).console.some((l) => /Uncaught ReferenceError/.test(l)));
  });
});
