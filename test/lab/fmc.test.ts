// The FMC emulator over real HTTPS (TLS verified against its own certificate): token headers, one
// session per user, refresh limit, 429, certificate enrollment objects, install tasks, RA VPN binding,
// deployment, and a real TLS handshake on an FTD's data-plane port.
import assert from 'node:assert/strict';
import https from 'node:https';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFmcEmulator, type FmcHandle } from '../../src/lab/fmc/index.js';
import { createCa, createCsr, generateKeyPair, issueCertificate, toPkcs12 } from '../../src/pki/index.js';

const USER = { username: 'fwcert', password: 'Fmc-s3cret' };
const CFG = '/api/fmc_config/v1/domain';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any;
  text: string;
}

function call(h: FmcHandle, method: string, path: string, opts: { token?: string; body?: unknown; basic?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (opts.token) headers['X-auth-access-token'] = opts.token;
    if (opts.basic) headers.authorization = `Basic ${Buffer.from(opts.basic).toString('base64')}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const req = https.request(new URL(path, h.url), { method, headers, ca: h.certPem, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json, text });
      });
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(JSON.stringify(opts.body));
    req.end();
  });
}

async function login(h: FmcHandle): Promise<{ token: string; refresh: string; domain: string }> {
  const r = await call(h, 'POST', '/api/fmc_platform/v1/auth/generatetoken', { basic: `${USER.username}:${USER.password}` });
  assert.equal(r.status, 204, r.text);
  return { token: String(r.headers['x-auth-access-token']), refresh: String(r.headers['x-auth-refresh-token']), domain: String(r.headers.domain_uuid) };
}

function served(hostPort: string): Promise<string> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host, port: Number(port), rejectUnauthorized: false }, () => {
      const serial = s.getPeerCertificate().serialNumber;
      s.destroy();
      resolve(serial.toUpperCase());
    });
    s.on('error', reject);
  });
}

async function waitTask(h: FmcHandle, token: string, domain: string, id: string): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const r = await call(h, 'GET', `${CFG}/${domain}/job/taskstatuses/${id}`, { token });
    assert.equal(r.status, 200, r.text);
    if (!['PENDING', 'RUNNING', 'DEPLOYING'].includes(r.json.status)) return r.json;
    await sleep(20);
  }
  throw new Error('task did not finish');
}

describe('FMC emulator', () => {
  let h: FmcHandle;
  let ca: Awaited<ReturnType<typeof createCa>>;
  before(async () => {
    h = await startFmcEmulator({ name: 'fmc-t', users: [USER], ftds: ['ftd-a', 'ftd-b'], haPairs: [{ name: 'ha-1', primary: 'ftd-p', secondary: 'ftd-s' }], knobs: { taskDurationMs: 10 } });
    ca = await createCa({ subject: { cn: 'Test CA' }, key: { type: 'ecdsa', curve: 'P-256' }, days: 30 });
  });
  after(() => h.close());

  it('answers generatetoken with 204 and token headers; a second login of the same user kills the first token', async () => {
    const bad = await call(h, 'POST', '/api/fmc_platform/v1/auth/generatetoken', { basic: 'fwcert:wrong' });
    assert.equal(bad.status, 401);
    const first = await login(h);
    assert.match(first.domain, /^[0-9a-f-]{36}$/);
    const ok = await call(h, 'GET', '/api/fmc_platform/v1/info/domain', { token: first.token });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json.items.map((d: any) => d.name), ['Global', 'Global/Lab']);
    await login(h);
    const dead = await call(h, 'GET', '/api/fmc_platform/v1/info/domain', { token: first.token });
    assert.equal(dead.status, 401);
    assert.equal(dead.json.error.messages[0].description, 'Access token invalid.');
  });

  it('refreshes a token three times, then refuses', async () => {
    let s = await login(h);
    for (let i = 0; i < 3; i++) {
      const r = await call(h, 'POST', '/api/fmc_platform/v1/auth/refreshtoken', { headers: { 'X-auth-access-token': s.token, 'X-auth-refresh-token': s.refresh } });
      assert.equal(r.status, 204);
      s = { ...s, token: String(r.headers['x-auth-access-token']), refresh: String(r.headers['x-auth-refresh-token']) };
    }
    const r = await call(h, 'POST', '/api/fmc_platform/v1/auth/refreshtoken', { headers: { 'X-auth-access-token': s.token, 'X-auth-refresh-token': s.refresh } });
    assert.equal(r.status, 401);
  });

  it('answers 429 during a storm', async () => {
    const s = await login(h);
    h.setKnobs({ storm429: 2, retryAfterS: 1 });
    const a = await call(h, 'GET', '/api/fmc_platform/v1/info/serverversion', { token: s.token });
    assert.equal(a.status, 429);
    assert.equal(a.headers['retry-after'], '1');
    await call(h, 'GET', '/api/fmc_platform/v1/info/serverversion', { token: s.token });
    const c = await call(h, 'GET', '/api/fmc_platform/v1/info/serverversion', { token: s.token });
    assert.equal(c.status, 200);
    assert.match(c.json.items[0].serverVersion, /^7\.7/);
  });

  it('installs a PKCS12 enrollment on an FTD, binds it to the RA VPN and serves it only after a deployment', async () => {
    const { token, domain } = await login(h);
    const base = `${CFG}/${domain}`;
    const devs = await call(h, 'GET', `${base}/devices/devicerecords?expanded=true`, { token });
    assert.deepEqual(devs.json.items.map((d: any) => d.name).sort(), ['ftd-a', 'ftd-b', 'ftd-p', 'ftd-s']);
    const pairs = await call(h, 'GET', `${base}/devicehapairs/ftddevicehapairs?expanded=true`, { token });
    assert.equal(pairs.json.items[0].name, 'ha-1');
    const ftdA = (await call(h, 'GET', `${base}/deployment/deployabledevices?expanded=true`, { token })).json;
    assert.equal(ftdA.items, undefined, 'nothing pending yet, so no items key');
    const key = (await generateKeyPair({ type: 'ecdsa', curve: 'P-256' })).privateKeyPem;
    const csr = await createCsr({ subject: { cn: 'vpn.test' }, sans: ['vpn.test'], key: { type: 'ecdsa', curve: 'P-256' } }, key);
    const leaf = await issueCertificate({ csrPem: csr, issuerCertPem: ca.certPem, issuerKeyPem: ca.keyPem });
    const p12 = toPkcs12({ keyPem: key, certPem: leaf, chainPem: [ca.certPem], passphrase: 'p12-pass' }).toString('base64');
    const created = await call(h, 'POST', `${base}/object/certenrollments`, {
      token, body: { name: 'vpn-cert', type: 'CertEnrollment', enrollmentType: 'PKCS12', pkcs12Content: { base64Certificate: p12, passPhrase: 'p12-pass' } },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.pkcs12Content.passPhrase, undefined, 'the passphrase is write-only');
    assert.ok(created.json.pkcs12Content.base64Certificate.endsWith('\r\n'), 'CSCwq44439: reads append CRLF');
    const dev = devs.json.items.find((d: any) => d.name === 'ftd-a');
    const install = await call(h, 'POST', `${base}/devices/operational/managecertificates`, {
      token, body: { action: 'ENROLL', deviceCertificates: [{ deviceId: dev.id, certificates: [{ certificate: { id: created.json.id } }] }] },
    });
    assert.equal(install.status, 202, install.text);
    const task = await waitTask(h, token, domain, install.json.metadata.task.id);
    assert.equal(task.status, 'SUCCESS', JSON.stringify(task));
    const tps = await call(h, 'GET', `${base}/devices/certificates?filter=deviceId:${dev.id}&expanded=true`, { token });
    const tp = tps.json.items.find((t: any) => t.name === 'vpn-cert');
    assert.equal(tp.identityCertificate.status, 'AVAILABLE');
    assert.ok(tps.json.items.some((t: any) => t.name === 'Lab-SelfSigned' && t.enrollmentType === 'SELF_SIGNED_CERTFICATE'), 'the seeded trustpoint');

    const assigned = (await call(h, 'GET', `${base}/assignment/policyassignments?expanded=true`, { token })).json.items.find((a: any) => a.targets.some((t: any) => t.id === dev.id));
    const policy = (await call(h, 'GET', `${base}/policy/ravpns/${assigned.policy.id}`, { token })).json;
    policy.accessInterfaceSettings.sslIdCertificate = { id: created.json.id, name: 'vpn-cert', type: 'CertEnrollment' };
    const put = await call(h, 'PUT', `${base}/policy/ravpns/${policy.id}`, { token, body: policy });
    assert.equal(put.status, 200, put.text);
    const before = await served(h.ravpn['ftd-a']!);
    assert.notEqual(before, new (await import('node:crypto')).X509Certificate(leaf).serialNumber, 'not deployed yet');
    const deployable = (await call(h, 'GET', `${base}/deployment/deployabledevices?expanded=true`, { token })).json.items;
    assert.deepEqual(deployable.map((d: any) => d.name), ['ftd-a']);
    const dep = await call(h, 'POST', `${base}/deployment/deploymentrequests`, {
      token, body: { type: 'DeploymentRequest', version: deployable[0].version, forceDeploy: false, ignoreWarning: true, deviceList: [dev.id], deploymentNote: 't' },
    });
    assert.equal(dep.status, 202, dep.text);
    assert.equal((await waitTask(h, token, domain, dep.json.metadata.task.id)).status, 'DEPLOYED');
    const { X509Certificate } = await import('node:crypto');
    assert.equal(await served(h.ravpn['ftd-a']!), new X509Certificate(leaf).serialNumber);
    const st = h.state() as any;
    assert.equal(st.counters.deploymentrequests, 1);
    assert.ok(st.counters.logins >= 1);
  });

  it('has no install API before 7.7 and creates only PKCS12 objects on 7.2', async () => {
    const { token, domain } = await login(h);
    h.setKnobs({ version: '7.4' });
    try {
      const r = await call(h, 'POST', `${CFG}/${domain}/devices/operational/managecertificates`, { token, body: { action: 'ENROLL', deviceCertificates: [] } });
      assert.equal(r.status, 404);
      h.setKnobs({ version: '7.2' });
      const m = await call(h, 'POST', `${CFG}/${domain}/object/certenrollments`, {
        token, body: { name: 'ca-only', type: 'CertEnrollment', enrollmentType: 'MANUAL', caCertificate: { caOnly: true, base64Content: ca.certPem } },
      });
      assert.equal(m.status, 400);
    } finally {
      h.setKnobs({ version: '7.7' });
    }
  });
});
