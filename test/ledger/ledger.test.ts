import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Ledger } from '../../src/ledger/ledger.js';

const dir = mkdtempSync(join(tmpdir(), 'fwcert-ledger-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const rec = (objectName: string, serial: string) => ({
  profile: 'vpn', device: 'ftd-1', objectName, ca: 'sectigo', caRef: { ca: 'sectigo', id: serial }, serial,
  notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00Z', names: ['vpn.example.com'], keySpec: 'RSA-2048', fingerprint: 'AA',
});

describe('ledger', () => {
  it('a renewal becomes active only after the commit, and the old object is then due for removal', () => {
    const l = new Ledger(join(dir, 'a.db'));
    l.recordInstalled(rec('vpn', '01'));
    l.markCommitted('ftd-1');
    l.recordInstalled(rec('vpn-20261123-0905', '02'));
    assert.equal(l.current('vpn', 'ftd-1')?.serial, '02', 'the installed one is current');
    assert.deepEqual(l.pendingRemovals('ftd-1'), [], 'nothing removed before the commit');
    l.markCommitted('ftd-1');
    assert.deepEqual(l.pendingRemovals('ftd-1').map((r) => r.objectName), ['vpn']);
    l.markRemoved(l.pendingRemovals('ftd-1')[0]!.id);
    assert.deepEqual(l.pendingRemovals('ftd-1'), []);
    assert.deepEqual(l.inService().map((r) => r.serial), ['02']);
    l.close();
  });

  it('a key intent became a certificate only through a record still on the device or written since the intent', () => {
    const l = new Ledger(join(dir, 'intent.db'));
    const t = (m: number) => new Date(Date.UTC(2026, 10, 28, 10, m));
    l.recordInstalled(rec('vpn', '01'), t(0));
    l.markCommitted('ftd-1', t(1));
    l.recordInstalled(rec('vpn-20261128-1002', '02'), t(2));
    l.markCommitted('ftd-1', t(3));
    l.markRemoved(l.pendingRemovals('ftd-1')[0]!.id, t(4));
    // "vpn" is free again; a later attempt chooses it and fails after generating the key.
    l.recordKeyIntent({ device: 'ftd-1', objectName: 'vpn', profile: 'vpn' }, t(5));
    const at = l.keyIntents('ftd-1')[0]!.createdAt;
    assert.equal(l.intentBecameCertificate('ftd-1', 'vpn', at), false, 'the removed certificate of that name came before the intent');
    assert.equal(l.intentBecameCertificate('ftd-1', 'vpn-20261128-1002', at), true, 'a record still on the device');
    l.recordInstalled(rec('vpn', '03'), t(6));
    assert.equal(l.intentBecameCertificate('ftd-1', 'vpn', at), true, 'recorded since the intent');
    l.close();
  });

  it('pending orders keep their private key sealed, never in clear', () => {
    const path = join(dir, 'b.db');
    const l = new Ledger(path, 'correct horse battery');
    const key = '-----BEGIN PRIVATE KEY-----\nMIIsecretkeymaterial\n-----END PRIVATE KEY-----\n';
    l.saveOrder({ profile: 'vpn', device: 'ftd-1', ca: 'sectigo', caRef: { ca: 'sectigo', id: '7' }, objectName: 'vpn', csrPem: 'csr', sealedKey: l.seal(key), needHash: 'h', createdAt: 'now' });
    l.close();
    const raw = readFileSync(path).toString('latin1') + readFileSync(`${path}-wal`, { flag: 'a+' }).toString('latin1');
    assert.ok(!raw.includes('MIIsecretkeymaterial'), 'key material must not be stored in clear');
    const again = new Ledger(path, 'correct horse battery');
    assert.equal(again.unseal(again.order('vpn', 'ftd-1')!.sealedKey!), key);
    again.close();
    const wrong = new Ledger(path, 'wrong passphrase');
    assert.throws(() => wrong.unseal(wrong.order('vpn', 'ftd-1')!.sealedKey!), /wrong passphrase/);
    wrong.close();
  });

  it('without a passphrase, sealing uses a key file readable only by its owner', () => {
    const l = new Ledger(join(dir, 'c.db'));
    assert.equal(l.unseal(l.seal('x')), 'x');
    assert.equal(statSync(join(dir, 'c.db.key')).mode & 0o077, 0);
    l.close();
  });

  it('a device that owes a commit is remembered across runs', () => {
    const path = join(dir, 'd.db');
    const l = new Ledger(path);
    l.setNeedsCommit('pa-1', true);
    l.close();
    const again = new Ledger(path);
    assert.equal(again.needsCommit('pa-1'), true);
    assert.equal(again.needsCommit('pa-2'), false);
    again.close();
  });
  it('writes asked for together are durable when their promise resolves, and one that fails is undone alone', async () => {
    const path = join(dir, 'together.db');
    const l = new Ledger(path);
    const order = (profile: string) => ({ profile, device: 'ftd-1', ca: 'sectigo', caRef: { ca: 'sectigo', id: '' }, objectName: profile, csrPem: 'csr', needHash: 'h', createdAt: 'now' });
    const a = l.together(() => l.saveOrder(order('a')));
    const bad = l.together(() => {
      l.saveOrder(order('bad'));
      throw new Error('refused');
    });
    const c = l.together(() => {
      l.saveOrder(order('c'));
      l.event('submitted', 'c', 'c', 'ftd-1');
    });
    assert.equal(l.order('a', 'ftd-1'), undefined, 'not written before the group commit');
    await a;
    await assert.rejects(bad, /refused/);
    await c;
    // Another connection (the next run) sees exactly the writes that succeeded.
    const reader = new Ledger(path);
    assert.deepEqual(reader.orders().map((o) => o.profile), ['a', 'c']);
    assert.deepEqual(reader.history().map((e) => e.detail), ['c']);
    reader.close();
    l.close();
  });
});
