// A renewal by id whose answer is lost after SCM made it: the next run finds that renewal and
// collects it; it never orders a second certificate, and the one it found is the one served.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { handshake } from '../../src/lab/handshake.js';
import { json, runCli } from '../support/cli.js';

type ScmCert = { sslId: number; status: string; serial?: string; renewsSslId?: number };

describe('a lost renewById answer', () => {
  let lab: Lab;
  let dir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const certs = () => (lab.scm.state() as { certificates: ScmCert[] }).certificates;
  const served = () => handshake(lab.devices[0]!.services.ravpn!, { servername: 'vpn.lab.example', caPem: lab.ca.bundlePem });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-renew-lost-'));
    lab = await startLab({ dir, fdm: 1, panos: 0, knobs: { fdm: { deployDurationMs: 20 } } });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is found by the next run: exactly one new certificate at SCM, and it is the one served', async () => {
    const first = await cli('run', '--json');
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.equal(certs().length, 1);
    const original = certs()[0]!;

    // SCM carries the renewal out, then the connection drops before its answer arrives.
    lab.scm.setKnobs({ failNext: { renewById: { dropAnswer: true, count: 1 } } });
    const lost = await cli('renew', '--force', '--json');
    assert.equal(lost.code, 1, lost.stderr + lost.stdout);
    assert.equal(certs().length, 2, 'SCM did make the renewal');
    const renewal = certs()[1]!;
    assert.equal(renewal.renewsSslId, original.sslId);

    const next = await cli('run', '--json');
    assert.equal(next.code, 0, next.stderr + next.stdout);
    const item = json<RunReport>(next).devices[0]!.items[0]!;
    assert.equal(item.action, 'collect');
    assert.equal(item.outcome, 'done', item.error);
    assert.equal(item.caId, String(renewal.sslId), 'the renewal SCM made is the one collected');
    assert.equal(certs().length, 2, 'no second order');

    const now = certs().find((c) => c.sslId === renewal.sslId)!;
    assert.equal(now.status, 'Issued');
    const s = await served();
    assert.equal(s.trusted, true, s.verifyError);
    assert.equal(s.serial.replace(/^0+/, ''), now.serial!.replace(/^0+/, ''), 'the renewal is what the data plane serves');

    const again = await cli('run', '--json');
    assert.equal(again.code, 0);
    assert.deepEqual(json<RunReport>(again).devices[0]!.items.map((i) => i.outcome), ['ok']);
    assert.equal(certs().length, 2);
  });

  it('a renewal that never reached SCM is sent again as a renewal of the same order', async () => {
    const before1 = certs();
    const current = before1[before1.length - 1]!;
    lab.scm.setKnobs({ failNext: { renewById: { reset: true, count: 1 } } });
    const lost = await cli('renew', '--force', '--json');
    assert.equal(lost.code, 1, lost.stderr + lost.stdout);
    assert.equal(certs().length, before1.length, 'nothing reached SCM');
    const next = await cli('run', '--json');
    assert.equal(next.code, 0, next.stderr + next.stdout);
    const after1 = certs();
    assert.equal(after1.length, before1.length + 1, 'exactly one new order');
    assert.equal(after1[after1.length - 1]!.renewsSslId, current.sslId, 'sent again by id, not as a fresh enrollment');
  });
});

describe('a lost renewById answer, with another device ordering the same common name', () => {
  let lab: Lab;
  let dir: string;
  const certs = () => (lab.scm.state() as { certificates: ScmCert[] }).certificates;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-renew-lost2-'));
    lab = await startLab({ dir, fdm: 2, panos: 0, knobs: { fdm: { deployDurationMs: 20 } } });
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the newer order of the other device is never taken for this renewal', async () => {
    const cli = (config: string, ...args: string[]) => runCli(['--config', config, ...args]);
    const first = await cli(lab.configPath, 'run', '--json');
    assert.equal(first.code, 0, first.stderr + first.stdout);
    // Orders wait for an administrator's approval, and runs wait one second at most.
    const short = join(dir, 'fwcert-short.yaml');
    writeFileSync(short, readFileSync(lab.configPath, 'utf8').replace('max_wait_s: 20', 'max_wait_s: 1'));
    lab.scm.setKnobs({ requireApproval: true, failNext: { renewById: { dropAnswer: true, count: 1 } } });
    const lost = await cli(short, 'renew', '--force', '--device', 'ftd-1', '--json');
    assert.equal(lost.code, 1, lost.stderr + lost.stdout);
    const ftd1Renewal = certs()[certs().length - 1]!;
    const other = await cli(short, 'renew', '--force', '--device', 'ftd-2', '--json');
    assert.equal(json<RunReport>(other).devices[0]!.items[0]!.outcome, 'pending', other.stderr + other.stdout);
    const ftd2Order = certs()[certs().length - 1]!;
    assert.ok(ftd2Order.sslId > ftd1Renewal.sslId, 'the other device ordered later, under the same common name');

    const again = await cli(short, 'run', '--device', 'ftd-1', '--json');
    const item = json<RunReport>(again).devices[0]!.items[0]!;
    assert.equal(item.outcome, 'pending', again.stderr + again.stdout);
    assert.equal(item.caId, String(ftd1Renewal.sslId), 'ftd-1 found its own renewal, not ftd-2\'s order');
    assert.equal(certs().length, 4, 'no order was sent again');
  });
});
