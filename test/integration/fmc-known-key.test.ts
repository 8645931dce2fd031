// Issue 10 item 4: decryption known-key certificates on an FMC. A profile's `bind: { known_key: { policy,
// rule } }` keeps ONE internal certificate object named after the profile holding the certificate and
// key, listed by that "Decrypt - Known Key" rule, and deploys the FTD whose decryption policy uses it.
// Through the real CLI against the lab FMC (7.7).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import type { RunReport } from '../../src/engine/report.js';
import { startLab, type Lab } from '../../src/lab/fleet.js';
import { json, runCli } from '../support/cli.js';

interface FmcState {
  counters: Record<string, number>;
  internalcertificates: { id: string; name: string; serial: string }[];
  decryptionRules: { policy: string; rule: string; certs: string[] }[];
  devices: { name: string; deployedKnownKeySerials: string[]; pending: unknown[] }[];
}
const FTD = 'fmc1-ftd-1';
const strip = (s: string) => s.toUpperCase().replace(/^0+/, '');

describe('FMC decryption known-key certificates (internal certificate objects), through the CLI', () => {
  let lab: Lab;
  let dir: string;
  let profilesDir: string;
  const cli = (...args: string[]) => runCli(['--config', lab.configPath, ...args]);
  const fmc = () => lab.managers[0]!.handle;
  const state = () => fmc().state() as FmcState;
  const count = (c: string) => state().counters[c] ?? 0;
  const object = () => state().internalcertificates.filter((c) => c.name === 'web-kk');
  const rule = () => state().decryptionRules.find((r) => r.rule === 'Known-Key-Web')!;
  const deployed = () => state().devices.find((d) => d.name === FTD)!.deployedKnownKeySerials.map(strip);
  const itemOf = (r: RunReport) => r.devices.flatMap((d) => d.items).find((i) => i.profile === 'web-kk')!;

  function writeProfile(name: string, targets: object[], file = join(profilesDir, `${name}.yaml`)): string {
    const base = parse(readFileSync(join(profilesDir, 'fmc-vpn.yaml'), 'utf8')) as Record<string, unknown>;
    writeFileSync(file, stringify({ ...base, name, subject: { cn: 'www.lab.example', o: 'fwcert Lab', c: 'US' }, sans: ['www.lab.example'], targets }));
    return file;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwcert-fmc-kk-'));
    lab = await startLab({ dir, fdm: 0, panos: 0, fmc: 1, fmcFtds: 2, knobs: { scm: { pendingPolls: 0 }, fmc: { taskDurationMs: 20, rateLimitPerMin: 100_000 } } });
    profilesDir = join(dir, 'profiles');
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('check exits 2 naming a decryption policy or rule that does not exist, or a rule that is not Decrypt - Known Key', async () => {
    const cases: [object, RegExp][] = [
      [{ policy: 'No-Such-Policy', rule: 'Known-Key-Web' }, /fmc-1 has no decryption policy named "No-Such-Policy" \(decryption policies: Lab-Decrypt\)/],
      [{ policy: 'Lab-Decrypt', rule: 'No-Such-Rule' }, /the decryption policy Lab-Decrypt has no rule named "No-Such-Rule" \(rules: Known-Key-Web, Do-Not-Decrypt-Banking\)/],
      [{ policy: 'Lab-Decrypt', rule: 'Do-Not-Decrypt-Banking' }, /the rule Do-Not-Decrypt-Banking of Lab-Decrypt is DO_NOT_DECRYPT, not "Decrypt - Known Key" \(DECRYPT_KNOWN_KEY\)/],
    ];
    for (const [knownKey, message] of cases) {
      const file = writeProfile('web-kk', [{ device: FTD, bind: { known_key: knownKey } }]);
      const r = await cli('check');
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stdout + r.stderr, message);
      rmSync(file);
    }
    assert.equal(count('internalcertificates_created'), 0, 'check writes nothing');
  });

  it('a profile that binds known_key on two FTDs of the same FMC exits 2 at load (one object per FMC)', async () => {
    const file = writeProfile('web-kk', [FTD, 'fmc1-ftd-2'].map((device) => ({ device, bind: { known_key: { policy: 'Lab-Decrypt', rule: 'Known-Key-Web' } } })));
    const r = await cli('check');
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /web-kk\.yaml:\d+: profile "web-kk" binds known_key on fmc1-ftd-1 and fmc1-ftd-2, both managed by fmc-1/);
    rmSync(file);
  });

  let serial = '';
  it('run creates the internal certificate object named after the profile, lists it in the rule, and deploys the FTD using it', async () => {
    writeProfile('web-kk', [{ device: FTD, bind: { known_key: { policy: 'Lab-Decrypt', rule: 'Known-Key-Web' } } }]);
    const before = count('deploymentrequests');
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const item = itemOf(json<RunReport>(r));
    assert.equal(item.outcome, 'done', item.error);
    serial = strip(item.serial!);
    assert.deepEqual(object().map((o) => strip(o.serial)), [serial], 'one object, holding the new certificate');
    assert.deepEqual(rule().certs, ['web-kk']);
    assert.deepEqual(deployed(), [serial], 'the FTD decrypts with it once deployed');
    assert.equal(count('deploymentrequests') - before, 1, 'one deployment for the run');
  });

  it('a second run changes nothing', async () => {
    const before = { ...state().counters };
    const r = await cli('run', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const c of ['deploymentrequests', 'internalcertificates_created', 'internalcertificates_updated', 'managecertificates']) assert.equal(count(c), before[c] ?? 0, `${c} unchanged`);
  });

  it('renew --force updates the same object in place (the rule keeps its reference) and deploys the new certificate', async () => {
    const id = object()[0]!.id;
    const before = { ...state().counters };
    const r = await cli('renew', '--force', '--profile', 'web-kk', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const next = strip(itemOf(json<RunReport>(r)).serial!);
    assert.notEqual(next, serial);
    assert.deepEqual(object().map((o) => [o.id, strip(o.serial)]), [[id, next]]);
    assert.equal(count('internalcertificates_updated') - (before.internalcertificates_updated ?? 0), 1);
    assert.equal(count('internalcertificates_created'), before.internalcertificates_created);
    assert.deepEqual(rule().certs, ['web-kk']);
    assert.deepEqual(deployed(), [next]);
    serial = next;
  });

  it('an FMC that keeps the old certificate on update: the report says so and what to do (exit 1)', async () => {
    fmc().setKnobs({ internalCertPutKeepsCert: true });
    try {
      const r = await cli('renew', '--force', '--profile', 'web-kk', '--json');
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const item = itemOf(json<RunReport>(r));
      assert.match(item.error ?? '', /fmc-1 kept the old certificate in the internal certificate object web-kk after fwcert updated it; replace it in Objects > Object Management > PKI > Internal Certs/);
      assert.deepEqual(object().map((o) => strip(o.serial)), [serial]);
    } finally {
      fmc().setKnobs({ internalCertPutKeepsCert: false });
    }
  });

  it('an object whose certificate the FMC answers in a form fwcert cannot read never counts as holding it: run says so (exit 1), renew --force replaces it', async () => {
    fmc().setKnobs({ internalCertAnswerForm: 'pkcs7' });
    try {
      const id = object()[0]!.id;
      const before = { ...state().counters };
      const r = await cli('run', '--json');
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(itemOf(json<RunReport>(r)).error ?? '', /fmc-1 answers the certificate of the internal certificate object web-kk in a form fwcert cannot read, so fwcert cannot tell whether the object holds .*run `fwcert renew --force`/);
      assert.equal(count('internalcertificates_updated'), before.internalcertificates_updated ?? 0, 'nothing written without the key');
      const renewed = await cli('renew', '--force', '--profile', 'web-kk', '--json');
      assert.equal(renewed.code, 0, renewed.stdout + renewed.stderr);
      const next = strip(itemOf(json<RunReport>(renewed)).serial!);
      assert.notEqual(next, serial);
      assert.deepEqual(object().map((o) => [o.id, strip(o.serial)]), [[id, next]], 'updated in place');
      assert.deepEqual(deployed(), [next]);
      assert.match(renewed.stderr, /answers the certificate of the internal certificate object web-kk in a form fwcert cannot read; it was replaced/);
      serial = next;
    } finally {
      fmc().setKnobs({ internalCertAnswerForm: 'pem' });
    }
  });

  it('run --remove-retired deletes the object of a removed profile (out of the rule first, then the object) with one deployment, only when this ledger created it', async () => {
    // A run's report lists the FTD once for the run and once for the removal.
    const ftdOf = (r: RunReport) => {
      const mine = r.devices.filter((d) => d.device === FTD);
      return { wouldRemove: mine.flatMap((d) => d.wouldRemove ?? []), removed: mine.flatMap((d) => d.removed), committed: mine.some((d) => d.committed) };
    };
    const trustpoints = () => lab.managers[0]!.handle.state() as { devices: { name: string; trustpoints: { name: string }[] }[] };
    const held = () => trustpoints().devices.find((d) => d.name === FTD)!.trustpoints.filter((t) => t.name.startsWith('web-kk')).map((t) => t.name);
    rmSync(join(profilesDir, 'web-kk.yaml'));
    assert.equal(held().length, 1);
    const before = { ...state().counters };
    // Another ledger (a reinstall) does not know fwcert created it: left alone.
    const cfg = parse(readFileSync(lab.configPath, 'utf8')) as { ledger: { path: string } };
    cfg.ledger.path = 'state/other.db';
    const other = join(dir, 'fwcert-other-ledger.yaml');
    writeFileSync(other, stringify(cfg));
    const foreign = await runCli(['--config', other, 'run', '--remove-retired', '--json']);
    assert.equal(foreign.code, 0, foreign.stdout + foreign.stderr);
    assert.deepEqual(json<RunReport>(foreign).devices.flatMap((d) => d.removed), []);
    assert.equal(object().length, 1);
    // --dry-run names the object and the profile's certificate, and changes nothing.
    const planned = await cli('run', '--remove-retired', '--dry-run', '--json');
    assert.equal(planned.code, 0, planned.stdout + planned.stderr);
    const would = ftdOf(json<RunReport>(planned)).wouldRemove;
    assert.ok(would.includes('web-kk (internal certificate)'), JSON.stringify(would));
    assert.equal(would.length, 2, `the profile's certificate too, freed by the rule: ${JSON.stringify(would)}`);
    assert.equal(object().length, 1);
    assert.deepEqual(rule().certs, ['web-kk']);
    assert.equal(count('deploymentrequests'), before.deploymentrequests);
    // The run: out of the rule, object deleted, the FTD deployed once and no longer decrypts with it.
    const r = await cli('run', '--remove-retired', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const res = ftdOf(json<RunReport>(r));
    assert.deepEqual([...res.removed].sort(), [...would].sort());
    assert.equal(res.committed, true);
    assert.deepEqual(object(), []);
    assert.deepEqual(rule().certs, []);
    assert.deepEqual(held(), [], 'the profile\'s trustpoint is gone too');
    assert.equal(count('deploymentrequests') - before.deploymentrequests!, 1, 'one deployment');
    assert.deepEqual(deployed(), []);
    const again = await cli('run', '--remove-retired', '--json');
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.deepEqual(json<RunReport>(again).devices.flatMap((d) => d.removed), [], 'nothing left to remove');
  });
});
