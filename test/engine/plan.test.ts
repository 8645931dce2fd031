// The planner as a table: each row is an observation a user could meet, and the action they expect.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Profile } from '../../src/config/model.js';
import { needHash, plan, type Observation } from '../../src/engine/plan.js';
import { createCa, createCsr, generateKeyPair, issueCertificate, parseCertificate } from '../../src/pki/index.js';
import type { CertInfo, KeySpec } from '../../src/pki/types.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const DAY = 86_400_000;

const profile: Profile = {
  name: 'vpn-portal', where: 'p.yaml:1', ca: 'sectigo', caOptions: {}, validation: 'OV',
  subject: { cn: 'vpn.example.com' }, names: ['vpn.example.com', 'vpn2.example.com'],
  key: { type: 'rsa', size: 2048 }, keyGeneration: 'auto', renewal: { beforeDays: 30, beforeFraction: 1 / 3 },
  targets: [{ device: 'ftd-1', bindings: [{ kind: 'ravpn' }, { kind: 'ssl_decryption' }] }],
};

let ca: { certPem: string; keyPem: string };
const infos = new Map<string, CertInfo>();

async function cert(label: string, o: { key?: KeySpec; names?: string[]; from: number; to: number }): Promise<CertInfo> {
  const key = o.key ?? { type: 'rsa', size: 2048 };
  const { privateKeyPem } = await generateKeyPair(key);
  const names = o.names ?? profile.names;
  const csrPem = await createCsr({ subject: { cn: names[0] }, sans: names, key }, privateKeyPem);
  const pem = await issueCertificate({
    csrPem, issuerCertPem: ca.certPem, issuerKeyPem: ca.keyPem,
    notBefore: new Date(NOW.getTime() + o.from * DAY), notAfter: new Date(NOW.getTime() + o.to * DAY),
  });
  const info = parseCertificate(pem);
  infos.set(label, info);
  return info;
}

function obs(over: Partial<Observation> & { info?: CertInfo; bindings?: { kind: string; name?: string }[]; hasKey?: boolean }): Observation {
  const certs = over.info
    ? [{ name: 'vpn-portal', info: over.info, certPem: over.info.pem, hasKey: over.hasKey ?? true, bindings: over.bindings ?? [{ kind: 'ravpn' }, { kind: 'ssl_decryption' }] }]
    : [];
  return { profile, device: 'ftd-1', certs, ...over };
}

describe('plan', () => {
  before(async () => {
    ca = await createCa({ subject: { cn: 'Plan Test CA' }, days: 3650 });
    await cert('fresh', { from: -10, to: 355 });
    await cert('due-days', { from: -340, to: 25 });
    await cert('due-fraction', { from: -50, to: 40 }); // 90-day cert, 40 days left > 30 but < 1/3 of 90? no: 30 days
    await cert('due-fraction2', { from: -600, to: 200 }); // 800-day lifetime, 1/3 = 266 days > 200 left
    await cert('expired', { from: -400, to: -1 });
    await cert('ecdsa', { from: -10, to: 355, key: { type: 'ecdsa', curve: 'P-256' } });
    await cert('other-names', { from: -10, to: 355, names: ['vpn.example.com'] });
  });

  const rows: [string, () => Observation, string, RegExp?][] = [
    ['nothing on the device', () => obs({}), 'enroll', /no certificate/],
    ['fresh and bound', () => obs({ info: infos.get('fresh') }), 'ok', /354 days left|355 days left/],
    ['25 days left (under 30)', () => obs({ info: infos.get('due-days') }), 'renew', /days left/],
    ['one third of an 800-day lifetime left', () => obs({ info: infos.get('due-fraction2') }), 'renew', /renewal window/],
    ['expired', () => obs({ info: infos.get('expired') }), 'replace', /expired/],
    ['revoked at the CA', () => obs({ info: infos.get('fresh'), caStatus: 'revoked' }), 'replace', /revoked/],
    ['key type changed', () => obs({ info: infos.get('ecdsa') }), 'replace', /key changed.*ECDSA-P-256.*RSA-2048/],
    ['names changed', () => obs({ info: infos.get('other-names') }), 'replace', /names changed/],
    ['no private key', () => obs({ info: infos.get('fresh'), hasKey: false }), 'replace', /no private key/],
    ['RA VPN binding missing', () => obs({ info: infos.get('fresh'), bindings: [{ kind: 'ssl_decryption' }] }), 'rebind', /ravpn/],
  ];
  for (const [name, make, action, reason] of rows) {
    it(`${name} -> ${action}`, () => {
      const item = plan(make(), NOW);
      assert.equal(item.action, action, item.reason);
      if (reason) assert.match(item.reason, reason);
    });
  }

  it('a changed CA replaces the certificate', () => {
    const item = plan(obs({ info: infos.get('fresh'), record: { ca: 'letsencrypt', objectName: 'vpn-portal', state: 'active' } as never }), NOW);
    assert.equal(item.action, 'replace');
    assert.match(item.reason, /CA changed: issued by letsencrypt, profile wants sectigo/);
  });

  it('--force renews a fresh certificate', () => {
    assert.equal(plan(obs({ info: infos.get('fresh') }), NOW, { force: true }).action, 'renew');
  });

  it('a pending order for the same need is collected, not ordered again', () => {
    const order = { profile: 'vpn-portal', device: 'ftd-1', ca: 'sectigo', caRef: { ca: 'sectigo', id: '55' }, objectName: 'vpn-portal', csrPem: '', needHash: needHash(profile), createdAt: NOW.toISOString() };
    const item = plan(obs({ order }), NOW);
    assert.equal(item.action, 'collect');
    assert.equal(item.order?.caRef.id, '55');
  });

  it('a pending order made for an older profile is dropped and a new one planned', () => {
    const order = { profile: 'vpn-portal', device: 'ftd-1', ca: 'sectigo', caRef: { ca: 'sectigo', id: '55' }, objectName: 'vpn-portal', csrPem: '', needHash: 'stale', createdAt: NOW.toISOString() };
    const item = plan(obs({ order }), NOW);
    assert.equal(item.action, 'enroll');
    assert.equal(item.staleOrder, true);
  });

  it('a CA-suggested window (ARI) starts renewal early', () => {
    const w = { start: new Date(NOW.getTime() - DAY), end: new Date(NOW.getTime() + DAY) };
    const item = plan(obs({ info: infos.get('fresh'), suggestedWindow: w }), NOW);
    assert.equal(item.action, 'renew');
    assert.match(item.reason, /CA-suggested/);
  });
});
