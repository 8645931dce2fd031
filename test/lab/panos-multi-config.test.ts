// The PAN-OS emulator's type=config&action=multi-config over real HTTPS, in the shapes pango and
// pan-python send and read: requests applied in order with one nested answer each, a delete of nothing
// answering code 7, and a failing request undoing the whole call (or not, knob multiConfigAtomic).
import { strict as assert } from 'node:assert';
import { request } from 'node:https';
import { afterEach, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { startPanosEmulator, type EmulatorHandle, type PanosKnobs } from '../../src/lab/panos/index.js';

const ADMINS = [
  { username: 'fwcert-api', password: 'p&ss@word=1' },
  { username: 'alice', password: 'alice-secret' },
];
const ADDR = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/address";
const CERT = (n: string) => `/config/shared/certificate/entry[@name='${n}']`;

const running: EmulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Xml = any;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, isArray: (n) => n === 'response' });

function post(em: EmulatorHandle, form: Record<string, string>): Promise<{ text: string; xml: Xml }> {
  const body = Buffer.from(new URLSearchParams(form).toString());
  return new Promise((resolve, reject) => {
    const req = request(new URL('/api/', em.url), { method: 'POST', ca: em.certPem, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ text, xml: parser.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function start(knobs: Partial<PanosKnobs> = {}): Promise<{ em: EmulatorHandle; key: string }> {
  const em = await startPanosEmulator({ name: 'pa-mc', admins: ADMINS, knobs });
  running.push(em);
  const r = await post(em, { type: 'keygen', user: ADMINS[0]!.username, password: ADMINS[0]!.password });
  return { em, key: r.xml.response[0].result.key as string };
}

const multi = (em: EmulatorHandle, key: string, element: string) => post(em, { type: 'config', action: 'multi-config', element, key });
const get = (em: EmulatorHandle, key: string, xpath: string) => post(em, { type: 'config', action: 'get', xpath, key });
/** The outer response and its nested ones as [status, code, id] rows. */
function rows(xml: Xml): { outer: [string, string]; inner: [string, string, string | undefined][] } {
  const outer = xml.response[0];
  return {
    outer: [outer['@_status'], outer['@_code']],
    inner: (outer.response ?? []).map((r: Xml) => [r['@_status'], r['@_code'], r['@_id']]),
  };
}

describe('PAN-OS emulator: multi-config', () => {
  it('applies set and delete requests in order, one nested answer each; a delete of nothing answers code 7', async () => {
    const { em, key } = await start();
    const setOne = await multi(em, key, `<multi-configure-request><set id="1" xpath="${ADDR}"><entry name="a-1"><ip-netmask>192.0.2.1/32</ip-netmask></entry></set><set id="2" xpath="${ADDR}"><entry name="a-2"><ip-netmask>192.0.2.2/32</ip-netmask></entry></set></multi-configure-request>`);
    assert.deepEqual(rows(setOne.xml), { outer: ['success', '20'], inner: [['success', '20', '1'], ['success', '20', '2']] }, setOne.text);
    assert.equal((await get(em, key, `${ADDR}/entry[@name='a-2']`)).xml.response[0]['@_code'], '19');

    // pan-python names the root <multi-config>: the root's name is not checked.
    const del = await multi(em, key, `<multi-config><delete id="7" xpath="${ADDR}/entry[@name='a-1']"/><delete id="8" xpath="${ADDR}/entry[@name='nothing']"/></multi-config>`);
    assert.deepEqual(rows(del.xml), { outer: ['success', '20'], inner: [['success', '20', '7'], ['success', '7', '8']] }, del.text);
    assert.equal((await get(em, key, `${ADDR}/entry[@name='a-1']`)).xml.response[0]['@_code'], '7');
    assert.equal((em.state() as { counters: Record<string, number> }).counters['config.multi-config'], 2);
  });

  it('a failing request (a certificate still in use) undoes the requests before it and is the last answer', async () => {
    const { em, key } = await start();
    await multi(em, key, `<multi-configure-request><set xpath="${ADDR}"><entry name="keep"><ip-netmask>192.0.2.9/32</ip-netmask></entry></set></multi-configure-request>`);
    const r = await multi(em, key, `<multi-configure-request><delete id="1" xpath="${ADDR}/entry[@name='keep']"/><delete id="2" xpath="${CERT('gp-portal-default')}"/><delete id="3" xpath="${ADDR}/entry[@name='never-reached']"/></multi-configure-request>`);
    assert.deepEqual(rows(r.xml), { outer: ['error', '13'], inner: [['success', '20', '1'], ['error', '10', '2']] }, r.text);
    assert.match(r.text, /gp-portal-default cannot be deleted because of references from/);
    assert.equal((await get(em, key, `${ADDR}/entry[@name='keep']`)).xml.response[0]['@_code'], '19', 'the first delete was undone');
    assert.equal((await get(em, key, CERT('gp-portal-default'))).xml.response[0]['@_code'], '19');
  });

  it('multiConfigAtomic: false keeps what came before the failing request; multiConfig: false answers as to an unknown action', async () => {
    const loose = await start({ multiConfigAtomic: false });
    await multi(loose.em, loose.key, `<multi-configure-request><set xpath="${ADDR}"><entry name="x"><ip-netmask>192.0.2.3/32</ip-netmask></entry></set></multi-configure-request>`);
    const r = await multi(loose.em, loose.key, `<multi-configure-request><delete id="1" xpath="${ADDR}/entry[@name='x']"/><delete id="2" xpath="${CERT('gp-portal-default')}"/></multi-configure-request>`);
    assert.equal(rows(r.xml).outer[0], 'error');
    assert.equal((await get(loose.em, loose.key, `${ADDR}/entry[@name='x']`)).xml.response[0]['@_code'], '7');

    const old = await start({ multiConfig: false });
    const refused = await multi(old.em, old.key, `<multi-configure-request><delete id="1" xpath="${ADDR}/entry[@name='x']"/></multi-configure-request>`);
    assert.equal(refused.xml.response[0]['@_status'], 'error');
    assert.match(refused.text, /unsupported action 'multi-config'/);
  });
});
