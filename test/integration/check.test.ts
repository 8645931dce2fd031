// `fwcert check` catches costly mistakes before any order (issue 8): a cert_type the organization does
// not offer, a decryption rule that does not exist, a wrong ACME directory URL, a hook that is missing.
// Each exits 2 with a precise message and sends no order (the emulators' counters prove it); `run`
// applies the same checks per pair and skips that pair with the same message instead of ordering.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { json, runCli } from '../support/cli.js';

type Counters = { counters: Record<string, number> };

describe('check: costly mistakes found before any order', () => {
  let lab: Lab;
  let dir: string;
  const scm = (op: string) => (lab.scm.state() as Counters).counters[op] ?? 0;
  const panCounters = () => JSON.stringify((lab.devices[1]!.handle.state() as Counters).counters);
  const withConfig = (name: string, edit: (cfg: Record<string, any>) => void) => {
    const cfg = parse(readFileSync(lab.configPath, 'utf8')) as Record<string, any>;
    edit(cfg);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify(cfg));
    return file;
  };
  const profile = (name: string, extra: Record<string, unknown>) => ({
    name, ca: 'lab-sectigo', sectigo: { cert_type: 3001, term: 365 }, subject: { cn: `${name}.lab.example` }, key: { type: 'ecdsa', curve: 'P-256' }, ...extra,
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-check-'));
    lab = await startLab({ dir, fdm: 1, panos: 1 });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the lab config passes check (exit 0, JSON lists devices, pairs and the CA)', async () => {
    const r = await runCli(['--config', lab.configPath, 'check', '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = json<{ exitCode: number; rows: { kind: string; name: string; result: string }[] }>(r);
    assert.deepEqual(out.rows.filter((x) => x.kind === 'pair').map((x) => `${x.name}:${x.result}`).sort(), ['gp-portal on pa-1:ok', 'vpn-portal on ftd-1:ok']);
    assert.ok(out.rows.some((x) => x.kind === 'ca' && x.name === 'lab-sectigo' && x.result === 'ok'));
  });

  it('a cert_type the organization does not offer: exit 2, no order; run skips the pair', async () => {
    const file = withConfig('cert-type', (c) => {
      c.profiles = [profile('wrong-type', { sectigo: { cert_type: 1234, term: 365 }, targets: [{ device: 'ftd-1', bind: { ssl_decryption: true } }] })];
      c.profiles[0].key = { type: 'rsa', size: 2048 };
    });
    const enrolls = scm('enroll');
    const r = await runCli(['--config', file, 'check']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /profile wrong-type: cert_type 1234 is not offered to this organization/);
    const run = await runCli(['--config', file, 'run', '--profile', 'wrong-type', '--json']);
    assert.equal(run.code, 1);
    const item = json<RunReport>(run).devices[0]!.items[0]!;
    assert.equal(item.outcome, 'failed');
    assert.match(item.error!, /^not ordered: .*cert_type 1234 is not offered to this organization/);
    assert.equal(scm('enroll'), enrolls, 'no enrollment was sent');
  });

  it('a decryption rule that does not exist: exit 2, no order, no key on the device; run skips the pair', async () => {
    const file = withConfig('rule', (c) => {
      c.profiles = [profile('inbound-app', { targets: [{ device: 'pa-1', bind: { decryption_rules: ['inbound-missing'] } }] })];
    });
    const enrolls = scm('enroll');
    const r = await runCli(['--config', file, 'check']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /inbound-app on pa-1 .*PROBLEM\s+pa-1: decryption rule "inbound-missing" does not exist in vsys1/);
    const before1 = panCounters();
    const run = await runCli(['--config', file, 'run', '--profile', 'inbound-app', '--json']);
    assert.equal(run.code, 1);
    assert.match(json<RunReport>(run).devices[0]!.items[0]!.error!, /not ordered: pa-1: decryption rule "inbound-missing" does not exist/);
    assert.equal(scm('enroll'), enrolls, 'no enrollment was sent');
    const after1 = JSON.parse(panCounters()) as Record<string, number>;
    const b = JSON.parse(before1) as Record<string, number>;
    const changed = Object.keys(after1).filter((k) => after1[k] !== b[k]);
    assert.ok(changed.length > 0, 'the device was read');
    assert.deepEqual(changed.filter((k) => /generate|import|set|edit|delete|commit/i.test(k)), [], `only reads: ${changed.join(', ')}`);
    assert.ok(!JSON.stringify(lab.devices[1]!.handle.state()).includes('inbound-app'), 'nothing named after the profile on the device');
  });

  it('a wrong ACME directory URL: exit 2 naming the URL', async () => {
    const wrong = `${lab.scm.baseUrl}/acme/no-such-directory`;
    const file = withConfig('acme-dir', (c) => {
      c.cas['lab-acme'] = { type: 'acme', directory: wrong, agree_tos: true, challenge: { type: 'none' }, tls: { ca_file: 'trust/scm.pem' } };
    });
    const before1 = JSON.stringify((lab.scm.state() as Counters).counters);
    const r = await runCli(['--config', file, 'check']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`lab-acme\\s+acme\\s+PROBLEM\\s+lab-acme: the ACME directory ${wrong.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} does not answer: .*404`));
    const c = (lab.scm.state() as Counters).counters;
    assert.equal(c.enroll ?? 0, (JSON.parse(before1) as Record<string, number>).enroll ?? 0);
  });

  it('a missing or non-executable hook (relative to the config folder): exit 2 naming the file', async () => {
    mkdirSync(join(dir, 'hooks'), { recursive: true });
    const file = withConfig('hook', (c) => {
      c.cas['lab-acme'] = {
        type: 'acme', directory: `${lab.scm.baseUrl}/acme/directory`, agree_tos: true, tls: { ca_file: 'trust/scm.pem' },
        challenge: { type: 'dns-01', provider: 'exec', command: 'hooks/dns-hook.sh' },
      };
      c.hooks = { post_commit: [{ command: 'hooks/reload.sh' }] };
    });
    const r = await runCli(['--config', file, 'check', '--json']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const rows = json<{ rows: { kind: string; name: string; result: string; detail: string }[] }>(r).rows;
    const ca = rows.find((x) => x.name === 'lab-acme')!;
    assert.equal(ca.result, 'problem');
    assert.equal(ca.detail, `lab-acme: challenge hook: ${join(dir, 'hooks', 'dns-hook.sh')} does not exist`);
    assert.match(rows.find((x) => x.kind === 'hook')!.detail, /hooks\/reload\.sh does not exist/);
    // Present but not executable is just as wrong; executable passes.
    writeFileSync(join(dir, 'hooks', 'dns-hook.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    const r2 = await runCli(['--config', file, 'check', '--json']);
    assert.match(json<{ rows: { name: string; detail: string }[] }>(r2).rows.find((x) => x.name === 'lab-acme')!.detail, /dns-hook\.sh is not executable/);
    chmodSync(join(dir, 'hooks', 'dns-hook.sh'), 0o755);
    const r3 = await runCli(['--config', file, 'check', '--json']);
    assert.doesNotMatch(json<{ rows: { name: string; detail: string }[] }>(r3).rows.find((x) => x.name === 'lab-acme')!.detail, /hook/);
  });
});
