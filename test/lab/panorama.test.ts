// Panorama emulator over real HTTPS: templates / stacks, imports with target-tpl, admin-scoped
// commit, commit-all with per-device results, pushed certificates served on each firewall.
import { strict as assert } from 'node:assert';
import { afterEach, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { Agent, FormData, fetch } from 'undici';
import { createCa, encryptPrivateKey, generateKeyPair, issueCertificate, createCsr } from '../../src/pki/index.js';
import { handshake } from '../../src/lab/handshake.js';
import { startPanoramaEmulator, type PanoramaHandle, type PanoramaKnobs } from '../../src/lab/panorama/index.js';

const ADMINS = [
  { username: 'fwcert', password: 'fwcert-secret' },
  { username: 'alice', password: 'alice-secret' },
];
const STACK_CERTS = "/config/devices/entry[@name='localhost.localdomain']/template-stack/entry[@name='fw-stack']/config/shared/certificate";
const TPL = "/config/devices/entry[@name='localhost.localdomain']/template/entry[@name='fw-base']/config/shared";

const running: PanoramaHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function start(knobs: Partial<PanoramaKnobs> = {}, haState?: 'passive'): Promise<PanoramaHandle> {
  const em = await startPanoramaEmulator({
    name: 'panorama-lab', admins: ADMINS, firewalls: ['fw-1', 'fw-2', 'fw-3'],
    knobs: { commitDurationMs: 30, pushDurationMs: 30, ...knobs }, ...(haState ? { haState } : {}),
  });
  running.push(em);
  return em;
}

const agent = new Agent({ connect: { rejectUnauthorized: false } });
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Xml = any;

async function api(em: PanoramaHandle, params: Record<string, string>, file?: { name: string; data: string }): Promise<Xml> {
  let body: URLSearchParams | FormData;
  if (file) {
    const f = new FormData();
    for (const [k, v] of Object.entries(params)) f.append(k, v);
    f.append('file', new Blob([file.data]), file.name);
    body = f;
  } else body = new URLSearchParams(params);
  const res = await fetch(new URL('/api/', em.url), { method: 'POST', body, dispatcher: agent });
  return parser.parse(await res.text()).response;
}

async function login(em: PanoramaHandle): Promise<string> {
  const r = await api(em, { type: 'keygen', user: 'fwcert', password: 'fwcert-secret' });
  return r.result.key as string;
}

async function waitJob(em: PanoramaHandle, key: string, id: string): Promise<Xml> {
  for (let i = 0; i < 400; i++) {
    const r = await api(em, { type: 'op', key, cmd: `<show><jobs><id>${id}</id></jobs></show>` });
    if (r.result.job.status === 'FIN') return r.result.job;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`job ${id} did not finish`);
}

async function newLeaf(cn: string) {
  const ca = await createCa({ subject: { cn: 'Panorama Lab Test CA' }, key: { type: 'ecdsa', curve: 'P-256' }, days: 30 });
  const key = await generateKeyPair({ type: 'ecdsa', curve: 'P-256' });
  const csr = await createCsr({ subject: { cn }, sans: [cn], key: { type: 'ecdsa', curve: 'P-256' } }, key.privateKeyPem);
  const leaf = await issueCertificate({ csrPem: csr, issuerCertPem: ca.certPem, issuerKeyPem: ca.keyPem, days: 20 });
  return { ca, keyPem: key.privateKeyPem, leafPem: leaf };
}

/** Imports cert + key into the stack (PEM, as fwcert does), points the profile at it, commits, pushes. */
async function installAndPush(em: PanoramaHandle, key: string, name: string) {
  const { ca, keyPem, leafPem } = await newLeaf('gp.lab.example');
  const caName = `lab-ca-${name}`;
  const common = { type: 'import', key, 'target-tpl': 'fw-stack', 'certificate-name': name, format: 'pem' };
  let r = await api(em, { ...common, 'certificate-name': caName, category: 'certificate' }, { name: 'ca.pem', data: ca.certPem });
  assert.equal(r['@_status'], 'success', JSON.stringify(r));
  r = await api(em, { ...common, category: 'certificate' }, { name: 'leaf.pem', data: leafPem });
  assert.equal(r['@_status'], 'success', JSON.stringify(r));
  r = await api(em, { ...common, category: 'private-key', passphrase: 'lab-passphrase' }, { name: 'key.pem', data: encryptPrivateKey(keyPem, 'lab-passphrase') });
  assert.equal(r['@_status'], 'success', JSON.stringify(r));
  r = await api(em, {
    type: 'config', action: 'set', key,
    xpath: "/config/devices/entry[@name='localhost.localdomain']/template-stack/entry[@name='fw-stack']/config/shared/ssl-tls-service-profile/entry[@name='gp-portal-profile']",
    element: `<certificate>${name}</certificate><protocol-settings><min-version>tls1-2</min-version></protocol-settings>`,
  });
  assert.equal(r['@_code'], '20');
  r = await api(em, { type: 'commit', key, cmd: '<commit><partial><admin><member>fwcert</member></admin></partial><description>t</description></commit>' });
  const commitJob = await waitJob(em, key, String(r.result.job));
  assert.equal(commitJob.result, 'OK', JSON.stringify(commitJob.details));
  r = await api(em, { type: 'commit', action: 'all', key, cmd: '<commit-all><template-stack><name>fw-stack</name><admin><member>fwcert</member></admin></template-stack></commit-all>' });
  assert.equal(r['@_status'], 'success', JSON.stringify(r));
  const push = await waitJob(em, key, String(r.result.job));
  return { ca, leafPem, push };
}

async function served(em: PanoramaHandle, i: number, caPem?: string) {
  return handshake(em.firewalls[i]!.services['gp-portal']!, { servername: 'gp.lab.example', caPem: caPem ?? em.certPem });
}

describe('Panorama emulator', () => {
  it('is a Panorama with three managed firewalls that serve the stack certificate', async () => {
    const em = await start();
    const key = await login(em);
    const info = await api(em, { type: 'op', key, cmd: '<show><system><info/></system></show>' });
    assert.equal(info.result.system.model, 'Panorama');
    const devs = await api(em, { type: 'op', key, cmd: '<show><devices><all/></devices></show>' });
    const entries = [devs.result.devices.entry].flat();
    assert.deepEqual(entries.map((e: Xml) => e.hostname), ['fw-1', 'fw-2', 'fw-3']);
    assert.deepEqual(entries.map((e: Xml) => e.serial), em.firewalls.map((f) => f.serial));
    for (let i = 0; i < 3; i++) assert.equal((await served(em, i)).subjectCn, 'fw-stack-gp-portal');
  });

  it("answers keygen in the real quoting, <response status = 'success'>", async () => {
    const em = await start();
    const res = await fetch(new URL('/api/', em.url), { method: 'POST', body: new URLSearchParams({ type: 'keygen', user: 'fwcert', password: 'fwcert-secret' }), dispatcher: agent });
    assert.match(await res.text(), /^<response status = 'success'><result><key>/);
  });

  it('imports into a template stack, commits for one admin, pushes, and every firewall serves the new certificate', async () => {
    const em = await start();
    const key = await login(em);
    const { ca, push } = await installAndPush(em, key, 'gp-2026');
    assert.equal(push.type, 'CommitAll');
    assert.equal(push.result, 'OK');
    const devices = [push.devices.entry].flat();
    assert.deepEqual(devices.map((d: Xml) => [d.devicename, d.result]), [['fw-1', 'OK'], ['fw-2', 'OK'], ['fw-3', 'OK']]);
    for (let i = 0; i < 3; i++) {
      const s = await served(em, i, ca.certPem);
      assert.equal(s.subjectCn, 'gp.lab.example');
      assert.equal(s.trusted, true, s.verifyError);
    }
    // Panorama's view of one firewall (target=serial) shows the pushed binding in its running config.
    const fwView = await api(em, {
      type: 'config', action: 'show', key, target: em.firewalls[1]!.serial,
      xpath: "/config/shared/ssl-tls-service-profile/entry[@name='gp-portal-profile']/certificate",
    });
    assert.equal(fwView.result.certificate, 'gp-2026');
  });

  it('names the firewall whose push failed and leaves it on the old certificate', async () => {
    const em = await start({ pushFailDevices: ['fw-2'] });
    const key = await login(em);
    const { push } = await installAndPush(em, key, 'gp-2026');
    assert.equal(push.result, 'FAIL');
    const devices = [push.devices.entry].flat();
    assert.deepEqual(devices.map((d: Xml) => [d.devicename, d.result]), [['fw-1', 'OK'], ['fw-2', 'FAIL'], ['fw-3', 'OK']]);
    assert.match(JSON.stringify(devices[1].details), /commit failed/i);
    assert.equal((await served(em, 0)).subjectCn, 'gp.lab.example');
    assert.equal((await served(em, 1)).subjectCn, 'fw-stack-gp-portal');
    em.setKnobs({ pushFailDevices: [] });
    const r = await api(em, { type: 'commit', action: 'all', key, cmd: '<commit-all><template-stack><name>fw-stack</name><device><member>' + em.firewalls[1]!.serial + '</member></device></template-stack></commit-all>' });
    const again = await waitJob(em, key, String(r.result.job));
    assert.deepEqual([again.devices.entry].flat().map((d: Xml) => d.devicename), ['fw-2']);
    assert.equal((await served(em, 1)).subjectCn, 'gp.lab.example');
  });

  it('removes from the firewalls what the template no longer has', async () => {
    const em = await start();
    const key = await login(em);
    await installAndPush(em, key, 'gp-old');
    await installAndPush(em, key, 'gp-new');
    let r = await api(em, { type: 'config', action: 'delete', key, xpath: `${STACK_CERTS}/entry[@name='gp-old']` });
    assert.equal(r['@_code'], '20');
    r = await api(em, { type: 'commit', key, cmd: '<commit><partial><admin><member>fwcert</member></admin></partial></commit>' });
    await waitJob(em, key, String(r.result.job));
    r = await api(em, { type: 'commit', action: 'all', key, cmd: '<commit-all><template-stack><name>fw-stack</name></template-stack></commit-all>' });
    await waitJob(em, key, String(r.result.job));
    const fw = await api(em, { type: 'config', action: 'show', key, target: em.firewalls[0]!.serial, xpath: "/config/shared/certificate/entry[@name='gp-old']" });
    assert.equal(fw['@_code'], '7');
    const kept = await api(em, { type: 'config', action: 'show', key, target: em.firewalls[0]!.serial, xpath: "/config/shared/certificate/entry[@name='mgmt-ui-default']" });
    assert.equal(kept['@_status'], 'success');
    assert.ok(kept.result.entry, 'the firewall keeps its local certificates');
  });

  it('refuses names over 31 characters, key pair imports into templates (10.1), and writes on the passive peer', async () => {
    const em = await start();
    const key = await login(em);
    const long = 'a'.repeat(32);
    const { leafPem } = await newLeaf('x.lab.example');
    let r = await api(em, { type: 'import', key, 'target-tpl': 'fw-base', category: 'certificate', 'certificate-name': long, format: 'pem' }, { name: 'l.pem', data: leafPem });
    assert.equal(r['@_code'], '17');
    r = await api(em, { type: 'config', action: 'set', key, xpath: `${TPL}/ssl-tls-service-profile`, element: `<entry name="${long}"><certificate>x</certificate></entry>` });
    assert.equal(r['@_code'], '12');
    r = await api(em, { type: 'import', key, 'target-tpl': 'fw-base', category: 'keypair', 'certificate-name': 'kp', format: 'pem', passphrase: 'lab-passphrase' }, { name: 'l.pem', data: leafPem });
    assert.equal(r['@_status'], 'error');
    assert.match(JSON.stringify(r.msg), /private key doesn't exist for csr/);
    r = await api(em, { type: 'import', key, 'target-tpl': 'no-such', category: 'certificate', 'certificate-name': 'x', format: 'pem' }, { name: 'l.pem', data: leafPem });
    assert.equal(r['@_code'], '17');

    const passive = await start({}, 'passive');
    const pkey = await login(passive);
    r = await api(passive, { type: 'commit', action: 'all', key: pkey, cmd: '<commit-all><template-stack><name>fw-stack</name></template-stack></commit-all>' });
    assert.equal(r['@_code'], '15');
  });
});
