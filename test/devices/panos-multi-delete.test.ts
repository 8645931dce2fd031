// PanosTarget.removeMany() against the PAN-OS emulator over real HTTPS: a run's replaced certificates
// go in ONE multi-config request; when the device refuses the batch (one object still in use, or a
// release without multi-config) every object is deleted by itself and answers for itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { startPanosEmulator, type EmulatorHandle, type PanosKnobs } from '../../src/lab/panos/index.js';
import { panosTargetType, type PanosTarget } from '../../src/devices/panos/index.js';
import { multiDeleteElement } from '../../src/devices/panos/multi-delete.js';
import { panosLocation } from '../../src/devices/panos/locations.js';
import { silentLogger } from '../../src/core/log.js';
import { clearSecrets } from '../../src/core/redact.js';
import { errorMessage } from '../../src/core/errors.js';
import { createCa, issueCertificate } from '../../src/pki/index.js';
import type { RemoveOutcome } from '../../src/devices/target.js';

const ADMIN = { username: 'fwcert', password: 'S3cret&pass=word+1' };
let issuing: { certPem: string; keyPem: string };

before(async () => {
  issuing = await createCa({ subject: { cn: 'Multi Delete Test CA' }, key: { type: 'ecdsa', curve: 'P-256' }, days: 365 });
});
after(() => clearSecrets());

async function startLab(knobs: Partial<PanosKnobs> = {}) {
  const emu: EmulatorHandle = await startPanosEmulator({ name: 'pa-md', admins: [ADMIN, { username: 'other', password: 'other-pass-123' }], knobs: { commitDurationMs: 30, ...knobs } });
  const target = panosTargetType.create(
    { name: 'pa-md', log: silentLogger() },
    { url: emu.url, options: panosTargetType.optionsSchema.parse({ poll_interval_s: 0.02 }), credentials: panosTargetType.credentialsSchema.parse(ADMIN), tls: { caPem: emu.certPem }, timeoutMs: 10_000 },
  ) as PanosTarget;
  await target.open();
  const counters = () => (emu.state() as { counters: Record<string, number> }).counters;
  const names = async () => (await target.inventory()).map((c) => c.name);
  /** A certificate made on the box and installed under `name`. */
  const install = async (name: string) => {
    const csrPem = await target.generateCsr(name, { subject: { cn: `${name}.example.com` }, sans: [`${name}.example.com`], key: { type: 'ecdsa', curve: 'P-256' } });
    const leafPem = await issueCertificate({ csrPem, issuerCertPem: issuing.certPem, issuerKeyPem: issuing.keyPem, days: 30 });
    await target.install(name, { leafPem, chainPem: [issuing.certPem] });
  };
  return { emu, target, counters, names, install, close: async () => { await target.close(); await emu.close(); } };
}

const summary = (out: RemoveOutcome[]) => out.map((o) => `${o.name}:${o.result}${o.result === 'failed' ? ` ${errorMessage(o.error)}` : ''}`);

test('several replaced certificates go in one multi-config request; a name that is not there is "gone"', async () => {
  const lab = await startLab();
  try {
    for (const n of ['old-1', 'old-2', 'old-3']) await lab.install(n);
    const c0 = { ...lab.counters() };
    const out = await lab.target.removeMany(['old-1', 'old-2', 'not-there', 'old-3']);
    assert.deepEqual(summary(out), ['old-1:removed', 'old-2:removed', 'not-there:gone', 'old-3:removed']);
    const c = lab.counters();
    assert.equal((c['config.multi-config'] ?? 0) - (c0['config.multi-config'] ?? 0), 1);
    assert.equal((c['config.delete'] ?? 0) - (c0['config.delete'] ?? 0), 0, 'no delete of its own');
    assert.equal((c.config ?? 0) - (c0.config ?? 0), 2, 'the batch, and one read to confirm that "not-there" really is not there');
    const left = await lab.names();
    for (const n of ['old-1', 'old-2', 'old-3']) assert.ok(!left.includes(n), `${n} deleted: ${left.join(',')}`);
  } finally {
    await lab.close();
  }
});

test('one certificate still in use: the device refuses the whole batch, then each is deleted alone and only that one fails', async () => {
  for (const atomic of [true, false]) {
    const lab = await startLab({ multiConfigAtomic: atomic });
    try {
      for (const n of ['old-1', 'old-2', 'old-3']) await lab.install(n);
      await lab.target.bind('old-2', [{ kind: 'ssl_tls_service_profile', name: 'gp-portal-profile' }]);
      const c0 = { ...lab.counters() };
      const out = await lab.target.removeMany(['old-1', 'old-2', 'old-3']);
      // With a non-atomic device old-1 was already deleted by the refused batch: it answers "gone" alone.
      assert.deepEqual(summary(out).map((s) => s.replace(/ .*/, '')), [atomic ? 'old-1:removed' : 'old-1:gone', 'old-2:failed', 'old-3:removed'], `atomic ${atomic}`);
      const failed = out[1] as Extract<RemoveOutcome, { result: 'failed' }>;
      assert.match(errorMessage(failed.error), /certificate old-2 is still in use and was not deleted/);
      const c = lab.counters();
      assert.equal((c['config.multi-config'] ?? 0) - (c0['config.multi-config'] ?? 0), 1);
      assert.equal((c['config.delete'] ?? 0) - (c0['config.delete'] ?? 0), 3, 'then one delete each');
      const left = await lab.names();
      assert.ok(left.includes('old-2') && !left.includes('old-1') && !left.includes('old-3'), left.join(','));
    } finally {
      await lab.close();
    }
  }
});

test('a release without multi-config: the refusal costs one call, then each certificate is deleted alone', async () => {
  const lab = await startLab({ multiConfig: false });
  try {
    for (const n of ['old-1', 'old-2']) await lab.install(n);
    const c0 = { ...lab.counters() };
    const out = await lab.target.removeMany(['old-1', 'old-2', 'bad name']);
    assert.deepEqual(summary(out).slice(0, 2), ['old-1:removed', 'old-2:removed']);
    assert.equal(out[2]!.result, 'failed', 'an invalid name is refused before any call');
    const c = lab.counters();
    assert.equal((c['config.multi-config'] ?? 0) - (c0['config.multi-config'] ?? 0), 1);
    assert.equal((c['config.delete'] ?? 0) - (c0['config.delete'] ?? 0), 2);
  } finally {
    await lab.close();
  }
});

test('the multi-config element quotes every name for its xpath and escapes the xpath for its attribute', () => {
  const evil = `a']/x | <y>&"z`;
  const loc = panosLocation({ vsys: 'vsys1', panorama: false });
  const xml = multiDeleteElement(loc, ['plain', evil]);
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (n) => n === 'delete' }).parse(xml);
  const deletes = parsed['multi-configure-request'].delete as Record<string, string>[];
  assert.deepEqual(deletes.map((d) => d['@_id']), ['1', '2']);
  assert.equal(deletes[1]!['@_xpath'], loc.certificate(evil), 'the attribute reads back as exactly the quoted xpath');
  assert.match(deletes[1]!['@_xpath'], /concat\(/, 'a name holding both quote kinds is assembled with concat()');
});
