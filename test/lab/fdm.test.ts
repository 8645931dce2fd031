// The FDM emulator over real HTTPS (TLS verified against the emulator's own certificate) and real
// TLS handshakes on its data-plane ports.
import assert from 'node:assert/strict';
import { X509Certificate, randomUUID } from 'node:crypto';
import https from 'node:https';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFdmEmulator, type EmulatorHandle } from '../../src/lab/fdm/index.js';
import {
  createCa,
  createCsr,
  createSelfSigned,
  encryptPrivateKey,
  generateKeyPair,
  issueCertificate,
} from '../../src/pki/index.js';

const USER = { username: 'admin', password: 'Adm1n-secret' };
const BASE = '/api/fdm/latest';

interface Reply {
  status: number;
  text: string;
  json: any;
}

function call(h: EmulatorHandle, method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
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
        resolve({ status: res.statusCode ?? 0, text, json });
      });
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
    req.end();
  });
}

async function login(h: EmulatorHandle): Promise<{ access_token: string; refresh_token: string }> {
  const r = await call(h, 'POST', `${BASE}/fdm/token`, { body: { grant_type: 'password', ...USER } });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

/** The certificate chain a TLS client receives from a data-plane service. */
function handshake(service: string): Promise<X509Certificate[]> {
  const [host, port] = service.split(':');
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host, port: Number(port), rejectUnauthorized: false }, () => {
      const chain: X509Certificate[] = [];
      let c = s.getPeerCertificate(true);
      const seen = new Set<string>();
      while (c && c.raw && !seen.has(c.fingerprint256)) {
        seen.add(c.fingerprint256);
        chain.push(new X509Certificate(c.raw));
        c = c.issuerCertificate;
      }
      s.destroy();
      resolve(chain);
    });
    s.on('error', reject);
  });
}

function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

async function leafFrom(ca: { certPem: string; keyPem: string }, cn: string) {
  const key = (await generateKeyPair({ type: 'ecdsa', curve: 'P-256' })).privateKeyPem;
  const csr = await createCsr({ subject: { cn }, sans: [cn], key: { type: 'ecdsa', curve: 'P-256' } }, key);
  const certPem = await issueCertificate({ csrPem: csr, issuerCertPem: ca.certPem, issuerKeyPem: ca.keyPem });
  return { certPem, keyPem: key };
}

const certBody = (name: string, c: { certPem: string; keyPem: string }) => ({
  name,
  type: 'internalcertificate',
  certType: 'UPLOAD',
  cert: c.certPem,
  privateKey: c.keyPem,
});

/** Full object for a PUT: what GET returned, minus links (as NetForge does). */
function forPut(obj: Record<string, unknown>): Record<string, unknown> {
  const { links: _links, ...rest } = obj;
  return rest;
}

async function waitForDeploy(h: EmulatorHandle, token: string, id: string): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const r = await call(h, 'GET', `${BASE}/operational/deploy/${id}`, { token });
    assert.equal(r.status, 200, r.text);
    if (r.json.endTime !== -1) return r.json;
    await sleep(20);
  }
  throw new Error('deploy did not finish');
}

describe('FDM emulator: tokens', () => {
  let h: EmulatorHandle;
  before(async () => {
    h = await startFdmEmulator({ name: 'ftd-tokens', users: [USER] });
  });
  after(() => h.close());

  it('GET /api/versions needs no token', async () => {
    const r = await call(h, 'GET', '/api/versions');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { supportedVersions: ['v6'] });
  });

  it('a wrong password answers 400 with the recorded body', async () => {
    const r = await call(h, 'POST', `${BASE}/fdm/token`, { body: { grant_type: 'password', username: 'admin', password: 'nope' } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, { message: 'Failed to authenticate user', status_code: 400 });
  });

  it('password grant returns an HS256 JWT pair with the documented lifetimes', async () => {
    const r = await call(h, 'POST', `${BASE}/fdm/token`, { body: { grant_type: 'password', ...USER } });
    assert.equal(r.status, 200);
    assert.equal(r.json.token_type, 'Bearer');
    assert.equal(r.json.expires_in, 1800);
    assert.equal(r.json.refresh_expires_in, 2400);
    const [head, payload] = (r.json.access_token as string).split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    assert.deepEqual(head, { alg: 'HS256' });
    assert.equal(payload.tokenType, 'JWT_Access');
    assert.equal(payload.username, 'admin');
    assert.ok(payload.exp > Date.now() / 1000);
  });

  it('refresh returns a new pair and makes the old refresh token obsolete', async () => {
    const first = await login(h);
    const r = await call(h, 'POST', `${BASE}/fdm/token`, { body: { grant_type: 'refresh_token', refresh_token: first.refresh_token } });
    assert.equal(r.status, 200);
    assert.notEqual(r.json.access_token, first.access_token);
    assert.notEqual(r.json.refresh_token, first.refresh_token);
    const again = await call(h, 'POST', `${BASE}/fdm/token`, { body: { grant_type: 'refresh_token', refresh_token: first.refresh_token } });
    assert.equal(again.status, 400);
    assert.deepEqual(again.json, {
      message: 'Cannot refresh a password-token with a revoked or obsolete refresh token',
      status_code: 400,
    });
    const info = await call(h, 'GET', `${BASE}/operational/systeminfo/default`, { token: r.json.access_token });
    assert.equal(info.status, 200);
    assert.equal(info.json.softwareVersion, '7.0.1-84');
    assert.equal(info.json.databaseInfo.buildVersion, '7.0.1');
  });

  it('missing, expired and revoked tokens answer 401', async () => {
    assert.equal((await call(h, 'GET', `${BASE}/object/internalcertificates`)).status, 401);

    const t = await login(h);
    h.setKnobs({ expireTokensNow: true });
    assert.equal((await call(h, 'GET', `${BASE}/object/internalcertificates`, { token: t.access_token })).status, 401);
    const refreshed = await call(h, 'POST', `${BASE}/fdm/token`, { body: { grant_type: 'refresh_token', refresh_token: t.refresh_token } });
    assert.equal(refreshed.status, 200, 'refresh tokens survive an access-token expiry');

    h.setKnobs({ expireAfterCalls: 1 });
    const tok = refreshed.json.access_token;
    assert.equal((await call(h, 'GET', `${BASE}/object/internalcertificates`, { token: tok })).status, 200);
    assert.equal((await call(h, 'GET', `${BASE}/object/internalcertificates`, { token: tok })).status, 401);

    const fresh = await login(h);
    const victim = await login(h);
    const rv = await call(h, 'POST', `${BASE}/fdm/token`, {
      body: { grant_type: 'revoke_token', access_token: fresh.access_token, token_to_revoke: victim.access_token },
    });
    assert.deepEqual(rv.json, { message: 'OK', status_code: 200 });
    assert.equal((await call(h, 'GET', `${BASE}/ravpns`, { token: victim.access_token })).status, 401);
    assert.equal((await call(h, 'GET', `${BASE}/ravpns`, { token: fresh.access_token })).status, 200);
  });

  it('an unknown API version answers 404', async () => {
    const r = await call(h, 'POST', '/api/fdm/v2/fdm/token', { body: { grant_type: 'password', ...USER } });
    assert.equal(r.status, 404);
  });
});

describe('FDM emulator: certificate objects', () => {
  let h: EmulatorHandle;
  let token: string;
  let ca: { certPem: string; keyPem: string };
  const C = `${BASE}/object/internalcertificates`;

  before(async () => {
    h = await startFdmEmulator({ name: 'ftd-objects', users: [USER] });
    token = (await login(h)).access_token;
    ca = await createCa({ subject: { cn: 'Objects Test CA', o: 'Example Inc', c: 'US' }, days: 30 });
  });
  after(() => h.close());

  it('creates a certificate, masks its key and extracts subject and issuer', async () => {
    const leaf = await leafFrom(ca, 'vpn.example.com');
    const r = await call(h, 'POST', C, { token, body: certBody('vpn-2025', leaf) });
    assert.equal(r.status, 200, r.text);
    assert.match(r.json.id, /^[0-9a-f-]{36}$/);
    assert.equal(typeof r.json.version, 'string');
    assert.equal(r.json.type, 'internalcertificate');
    assert.equal(r.json.privateKey, '*********');
    assert.equal(fingerprint(r.json.cert), fingerprint(leaf.certPem));
    assert.equal(r.json.subjectCommonName, 'vpn.example.com');
    assert.equal(r.json.issuerCommonName, 'Objects Test CA');
    assert.equal(r.json.issuerOrganization, 'Example Inc');
    assert.ok(r.json.validityEndDate);
    assert.equal(r.json.links.self, `${h.url}${C}/${r.json.id}`);
    const state = JSON.stringify(h.state());
    assert.ok(!state.includes('PRIVATE KEY'), 'lab state never carries private keys');
  });

  it('pages with offset/limit and filters by name and fts', async () => {
    for (let i = 1; i <= 11; i++) {
      const c = await createSelfSigned({ cn: `page-${i}.example.com`, sans: [], days: 5 });
      const r = await call(h, 'POST', C, { token, body: certBody(`page-${i}`, c) });
      assert.equal(r.status, 200, r.text);
    }
    const first = await call(h, 'GET', C, { token });
    assert.equal(first.json.items.length, 10);
    const total = first.json.paging.count;
    assert.ok(total >= 13);
    assert.equal(first.json.paging.pages, 0);
    assert.deepEqual(first.json.paging.prev, []);
    assert.equal(first.json.paging.next[0], `${h.url}${C}?limit=10&offset=10`);
    const second = await call(h, 'GET', new URL(first.json.paging.next[0]).pathname + new URL(first.json.paging.next[0]).search, { token });
    assert.equal(second.json.items.length, total - 10);
    assert.equal(second.json.paging.offset, 10);
    assert.deepEqual(second.json.paging.next, []);

    const fts = await call(h, 'GET', `${C}?filter=${encodeURIComponent('fts~page-1')}`, { token });
    assert.deepEqual(fts.json.items.map((o: { name: string }) => o.name).sort(), ['page-1', 'page-10', 'page-11']);
    const exact = await call(h, 'GET', `${C}?filter=${encodeURIComponent('name:page-1')}`, { token });
    assert.deepEqual(exact.json.items.map((o: { name: string }) => o.name), ['page-1']);
    assert.equal(exact.json.paging.count, 1);
  });

  it('refuses a duplicate name with the recorded 422 body', async () => {
    const c = await createSelfSigned({ cn: 'dup.example.com', sans: [], days: 5 });
    assert.equal((await call(h, 'POST', C, { token, body: certBody('dup-name', c) })).status, 200);
    const r = await call(h, 'POST', C, { token, body: certBody('dup-name', c) });
    assert.equal(r.status, 422);
    assert.deepEqual(r.json, {
      error: {
        severity: 'ERROR',
        key: 'Validation',
        messages: [{ description: 'Validation failed due to a duplicate name: "dup-name"', code: 'duplicateName', location: 'name' }],
      },
    });
  });

  it('refuses encrypted keys, keys of another certificate, bad names and malformed JSON', async () => {
    const c = await createSelfSigned({ cn: 'k.example.com', sans: [], days: 5 });
    const other = await createSelfSigned({ cn: 'other.example.com', sans: [], days: 5 });
    const enc = await call(h, 'POST', C, { token, body: { ...certBody('enc-key', c), privateKey: encryptPrivateKey(c.keyPem, 'pass-phrase') } });
    assert.equal(enc.status, 422);
    assert.equal(enc.json.error.messages[0].location, 'privateKey');
    const mismatch = await call(h, 'POST', C, { token, body: { ...certBody('wrong-key', c), privateKey: other.keyPem } });
    assert.equal(mismatch.status, 422);
    assert.equal(mismatch.json.error.messages[0].location, 'privateKey');
    const badName = await call(h, 'POST', C, { token, body: certBody('bad name!', c) });
    assert.equal(badName.status, 422);
    assert.equal(badName.json.error.messages[0].location, 'name');
    const longName = await call(h, 'POST', C, { token, body: certBody('a'.repeat(129), c) });
    assert.equal(longName.status, 422);
    const broken = await call(h, 'POST', C, { token, body: '{"name": "x",' });
    assert.equal(broken.status, 422);
    assert.equal(broken.json.error.key, 'General');
  });

  it('PUT needs the current version, answers 204 when nothing changed, and refuses a masked key', async () => {
    const c = await createSelfSigned({ cn: 'put.example.com', sans: [], days: 5 });
    const created = (await call(h, 'POST', C, { token, body: certBody('put-me', c) })).json;
    const same = await call(h, 'PUT', `${C}/${created.id}`, { token, body: { ...forPut(created), cert: c.certPem, privateKey: c.keyPem } });
    assert.equal(same.status, 204);
    assert.equal(same.text, '');

    const masked = await call(h, 'PUT', `${C}/${created.id}`, { token, body: forPut(created) });
    assert.equal(masked.status, 422, 'a key read back by GET is "*********" and cannot be sent again');

    const renewed = await createSelfSigned({ cn: 'put.example.com', sans: [], days: 10 });
    const changed = await call(h, 'PUT', `${C}/${created.id}`, { token, body: { ...forPut(created), cert: renewed.certPem, privateKey: renewed.keyPem } });
    assert.equal(changed.status, 200, changed.text);
    assert.notEqual(changed.json.version, created.version);
    assert.equal(fingerprint(changed.json.cert), fingerprint(renewed.certPem));

    const stale = await call(h, 'PUT', `${C}/${created.id}`, { token, body: { ...forPut(created), cert: c.certPem, privateKey: c.keyPem } });
    assert.equal(stale.status, 422);
    assert.equal(stale.json.error.messages[0].code, 'mismatchedVersion');
    assert.equal(stale.json.error.key, 'Validation');
  });

  it('DELETE answers 204, 422 invalidUuid for an unknown id, and 422 for a certificate in use', async () => {
    const c = await createSelfSigned({ cn: 'del.example.com', sans: [], days: 5 });
    const created = (await call(h, 'POST', C, { token, body: certBody('delete-me', c) })).json;
    const del = await call(h, 'DELETE', `${C}/${created.id}`, { token });
    assert.equal(del.status, 204);
    const again = await call(h, 'DELETE', `${C}/${created.id}`, { token });
    assert.equal(again.status, 422);
    assert.deepEqual(again.json.error.messages, [
      { description: `Validation failed due to an invalid UUID: "${created.id}"`, code: 'invalidUuid', location: '' },
    ]);
    assert.equal((await call(h, 'GET', `${C}/${created.id}`, { token })).status, 404);

    const inUse = await call(h, 'POST', C, { token, body: certBody('in-use', c) });
    const vpn = (await call(h, 'GET', `${BASE}/ravpns`, { token })).json.items[0];
    vpn.vpnGatewaySettings.serverCertificate = { id: inUse.json.id, type: 'internalcertificate', name: 'in-use' };
    assert.equal((await call(h, 'PUT', `${BASE}/ravpns/${vpn.id}`, { token, body: forPut(vpn) })).status, 200);
    const refused = await call(h, 'DELETE', `${C}/${inUse.json.id}`, { token });
    assert.equal(refused.status, 422);
    assert.match(refused.json.error.messages[0].description, /ravpn/);
  });

  it('injects faults: a 500 for one call, then a reset connection', async () => {
    h.setKnobs({ failNext: { [`GET /object/internalcertificates`]: { status: 500, count: 1 } } });
    const failed = await call(h, 'GET', C, { token });
    assert.equal(failed.status, 500);
    assert.equal(failed.json.error.key, 'General');
    assert.equal((await call(h, 'GET', C, { token })).status, 200);
    h.setKnobs({ failNext: { 'GET /ravpns': { status: 'reset', count: 1 } } });
    await assert.rejects(call(h, 'GET', `${BASE}/ravpns`, { token }), /ECONNRESET|socket hang up/);
    assert.equal((h.state() as { counters: Record<string, number> }).counters.faults_injected, 2);
  });
});

describe('FDM emulator: bind, pending changes, deploy, data plane', () => {
  let h: EmulatorHandle;
  let token: string;
  let ca: { certPem: string; keyPem: string };
  let defaultFp: string;

  before(async () => {
    h = await startFdmEmulator({ name: 'ftd-deploy', users: [USER], knobs: { deployDurationMs: 100, webRestartMs: 300 } });
    token = (await login(h)).access_token;
    ca = await createCa({ subject: { cn: 'Deploy Test Root' }, days: 30 });
    defaultFp = (await handshake(h.services.ravpn!))[0]!.fingerprint256;
  });
  after(() => h.close());

  it('serves the new RA VPN certificate and its CA chain only after a successful deploy', async () => {
    const leaf = await leafFrom(ca, 'vpn.example.com');
    const caObj = await call(h, 'POST', `${BASE}/object/externalcacertificates`, {
      token, body: { name: 'deploy-root', type: 'externalcacertificate', cert: ca.certPem },
    });
    assert.equal(caObj.status, 200, caObj.text);
    const cert = (await call(h, 'POST', `${BASE}/object/internalcertificates`, { token, body: certBody('vpn-new', leaf) })).json;

    const vpn = (await call(h, 'GET', `${BASE}/ravpns`, { token })).json.items[0];
    assert.equal(vpn.type, 'ravpn');
    vpn.vpnGatewaySettings.serverCertificate = { id: cert.id, type: 'internalcertificate', name: cert.name };
    const put = await call(h, 'PUT', `${BASE}/ravpns/${vpn.id}`, { token, body: forPut(vpn) });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.vpnGatewaySettings.serverCertificate.name, 'vpn-new');

    const pending = await call(h, 'GET', `${BASE}/operational/pendingchanges`, { token });
    assert.equal(pending.status, 200);
    const vpnChange = pending.json.items.find((i: { entityId: string }) => i.entityId === vpn.id);
    assert.equal(vpnChange.type, 'entityupdate');
    assert.equal(vpnChange.entityType, 'ravpn');
    assert.ok(pending.json.items.some((i: { entityName: string; type: string }) => i.entityName === 'vpn-new' && i.type === 'entitycreate'));

    assert.equal((await handshake(h.services.ravpn!))[0]!.fingerprint256, defaultFp, 'not live before the deploy');

    const queued = await call(h, 'POST', `${BASE}/operational/deploy`, { token });
    assert.equal(queued.status, 200);
    assert.equal(queued.json.state, 'QUEUED');
    assert.equal(queued.json.startTime, -1);
    assert.equal(queued.json.endTime, -1);
    assert.equal(queued.json.name, 'User (admin) Triggered Deployment');
    assert.equal(queued.json.links.self, `${h.url}${BASE}/operational/deploy/${queued.json.id}`);

    const done = await waitForDeploy(h, token, queued.json.id);
    assert.equal(done.state, 'DEPLOYED');
    assert.equal(done.statusMessage, 'Deployed successfully');
    assert.deepEqual(done.modifiedObjects, { 'All objects': [''] });

    const chain = await handshake(h.services.ravpn!);
    assert.equal(chain[0]!.fingerprint256, fingerprint(leaf.certPem));
    assert.equal(chain[1]?.fingerprint256, fingerprint(ca.certPem), 'the external CA that issued the leaf follows it');
    assert.equal((await call(h, 'GET', `${BASE}/operational/pendingchanges`, { token })).json.paging.count, 0);
    const history = await call(h, 'GET', `${BASE}/operational/deploy`, { token });
    assert.ok(history.json.items.some((j: { id: string }) => j.id === queued.json.id));
  });

  it('a failed deploy keeps the running certificate and the pending changes', async () => {
    const before = (await handshake(h.services.ravpn!))[0]!.fingerprint256;
    const leaf = await leafFrom(ca, 'vpn2.example.com');
    const cert = (await call(h, 'POST', `${BASE}/object/internalcertificates`, { token, body: certBody('vpn-failing', leaf) })).json;
    const vpn = (await call(h, 'GET', `${BASE}/ravpns`, { token })).json.items[0];
    vpn.vpnGatewaySettings.serverCertificate = { id: cert.id, type: 'internalcertificate' };
    assert.equal((await call(h, 'PUT', `${BASE}/ravpns/${vpn.id}`, { token, body: forPut(vpn) })).status, 200);

    h.setKnobs({ failNextDeploy: true });
    const job = (await call(h, 'POST', `${BASE}/operational/deploy`, { token })).json;
    const done = await waitForDeploy(h, token, job.id);
    assert.equal(done.state, 'DEPLOY_FAILED');
    assert.ok(done.statusMessage);
    assert.ok(done.deploymentStatusMessages.length > 0);
    assert.equal((await handshake(h.services.ravpn!))[0]!.fingerprint256, before);
    assert.ok((await call(h, 'GET', `${BASE}/operational/pendingchanges`, { token })).json.paging.count > 0);
    // getCliDeploymentError of the FDM Swagger specification, keyed by the deployment id (inferred).
    const cliErr = await call(h, 'GET', `${BASE}/operational/deploymenterrors/${job.id}`, { token });
    assert.equal(cliErr.status, 200);
    assert.equal(cliErr.json.type, 'CliDeploymentError');
    assert.equal(cliErr.json.deploymentStatusUuid, job.id);
    assert.match(cliErr.json.cliErrorMessage, /^ERROR: /);
    assert.ok(['FDM_CLI_DEFAULT', 'FDM_CLI', 'SMART_CLI', 'FLEX_CLI'].includes(cliErr.json.blockType));
    assert.ok(Array.isArray(cliErr.json.cliLines) && cliErr.json.cliLines.length > 0);
    assert.equal((await call(h, 'GET', `${BASE}/operational/deploymenterrors/${randomUUID()}`, { token })).status, 404);

    h.setKnobs({ deployTimeout: true });
    const timedOut = await waitForDeploy(h, token, (await call(h, 'POST', `${BASE}/operational/deploy`, { token })).json.id);
    assert.equal(timedOut.state, 'DEPLOY_TIMEOUT');
    assert.equal((await handshake(h.services.ravpn!))[0]!.fingerprint256, before);
  });

  it('a web UI certificate deploy restarts the web server and ends every session', async () => {
    const leaf = await leafFrom(ca, 'fdm.example.com');
    const cert = (await call(h, 'POST', `${BASE}/object/internalcertificates`, { token, body: certBody('webui-new', leaf) })).json;
    const web = (await call(h, 'GET', `${BASE}/devicesettings/default/webuicertificates`, { token })).json.items[0];
    assert.equal(web.type, 'webuicertificate');
    web.certificate = { id: cert.id, type: 'internalcertificate' };
    assert.equal((await call(h, 'PUT', `${BASE}/devicesettings/default/webuicertificates/${web.id}`, { token, body: forPut(web) })).status, 200);
    const job = (await call(h, 'POST', `${BASE}/operational/deploy`, { token })).json;

    // Poll like a client: 503s while the server restarts, then 401 for the old token.
    let status = 0;
    for (let i = 0; i < 300 && status !== 401; i++) {
      status = (await call(h, 'GET', `${BASE}/operational/deploy/${job.id}`, { token })).status;
      assert.ok([200, 401, 503].includes(status), `unexpected ${status}`);
      await sleep(15);
    }
    assert.equal(status, 401);
    const counters = (h.state() as { counters: Record<string, number> }).counters;
    assert.ok(counters.refused_restarting! >= 1, 'some calls were refused during the restart');

    token = (await login(h)).access_token;
    const done = (await call(h, 'GET', `${BASE}/operational/deploy/${job.id}`, { token })).json;
    assert.equal(done.state, 'DEPLOYED');
    assert.equal((await handshake(h.services.webui!))[0]!.fingerprint256, fingerprint(leaf.certPem));
  });
});

describe('FDM emulator: request bodies checked against the FDM Swagger models', () => {
  let h: EmulatorHandle;
  before(async () => {
    h = await startFdmEmulator({ name: 'ftd-models', users: [USER] });
  });
  after(() => h.close());

  it('seeds the SSL policy in the spec shape and refuses a PUT with a wrong field name or a missing required field', async () => {
    const { access_token: token } = await login(h);
    const policy = (await call(h, 'GET', `${BASE}/policy/sslpolicies`, { token })).json.items[0];
    assert.deepEqual(policy.defaultAction, { policyAction: 'DO_NOT_DECRYPT', eventLogAction: 'LOG_NONE', type: 'sslpolicydefaultaction' });
    assert.equal(policy.undecryptableActions.type, 'sslundecryptableactions');
    const put = (body: Record<string, unknown>) => call(h, 'PUT', `${BASE}/policy/sslpolicies/${policy.id}`, { token, body });

    const wrongName = await put({ ...forPut(policy), defaultAction: { action: 'DO_NOT_DECRYPT', eventLogAction: 'LOG_NONE', type: 'sslpolicydefaultaction' } });
    assert.equal(wrongName.status, 422);
    assert.equal(wrongName.json.error.key, 'Validation');
    assert.equal(wrongName.json.error.messages[0].location, 'defaultAction.policyAction');
    const { undecryptableActions: _u, ...noUndecryptable } = forPut(policy);
    const missing = await put(noUndecryptable);
    assert.equal(missing.status, 422);
    assert.deepEqual([missing.json.error.messages[0].location, missing.json.error.messages[0].code], ['undecryptableActions', 'fieldRequired']);
    const badEnum = await put({ ...forPut(policy), undecryptableActions: { ...policy.undecryptableActions, decryptionErrors: 'DO_NOT_DECRYPT' } });
    assert.equal(badEnum.json.error.messages[0].location, 'undecryptableActions.decryptionErrors');
    const unknown = await put({ ...forPut(policy), decryptionCertificate: null });
    assert.equal(unknown.status, 422);

    // The specification's own SSLPolicy example values (with its sslRules list) are accepted.
    const documented = await put({
      ...forPut(policy),
      sslRules: [],
      undecryptableActions: { type: 'sslundecryptableactions', compressedSession: 'DO_NOT_DECRYPT', sslV2Session: 'BLOCK_WITH_RESET', unknownCipherSuite: 'INHERIT_DEFAULT_ACTION', unsupportedCipherSuite: 'INHERIT_DEFAULT_ACTION', sessionNotCached: 'BLOCK_WITH_RESET', handShakeErrors: 'BLOCK', decryptionErrors: 'BLOCK' },
    });
    assert.ok(documented.status === 200 || documented.status === 204, documented.text);
  });

  it('refuses an internal certificate with a field the model does not have, or a certType outside its enum', async () => {
    const { access_token: token } = await login(h);
    const c = await createSelfSigned({ cn: 'model.example.com', sans: [], days: 5 });
    const extra = await call(h, 'POST', `${BASE}/object/internalcertificates`, { token, body: { ...certBody('model-extra', c), privateKeyPassword: 'x' } });
    assert.equal(extra.status, 422);
    assert.equal(extra.json.error.messages[0].location, 'privateKeyPassword');
    const badType = await call(h, 'POST', `${BASE}/object/internalcertificates`, { token, body: { ...certBody('model-type', c), certType: 'IMPORTED' } });
    assert.equal(badType.json.error.messages[0].location, 'certType');
  });
});

describe('FDM emulator: API versions', () => {
  it('FTD 6.3 (apiVersion v2) has no /ravpns and no web UI certificate; its /apispec/ngfw.json says so', async () => {
    const h = await startFdmEmulator({ name: 'ftd-63', users: [USER], knobs: { apiVersion: 'v2' } });
    try {
      assert.deepEqual((await call(h, 'GET', '/api/versions')).json, { supportedVersions: ['v1', 'v2'] });
      assert.equal((await call(h, 'POST', `${BASE}/fdm/token`, { body: { grant_type: 'password', ...USER } })).status, 404, 'no "latest" before 6.4');
      const tok = (await call(h, 'POST', '/api/fdm/v2/fdm/token', { body: { grant_type: 'password', ...USER } })).json.access_token;
      assert.equal((await call(h, 'GET', '/api/fdm/v2/ravpns', { token: tok })).status, 404);
      assert.equal((await call(h, 'GET', '/api/fdm/v2/devicesettings/default/webuicertificates', { token: tok })).status, 404);
      assert.equal((await call(h, 'GET', '/api/fdm/v2/policy/sslpolicies', { token: tok })).status, 200);
      assert.equal((await call(h, 'GET', '/apispec/ngfw.json')).status, 401, 'the specification needs a token');
      const spec = (await call(h, 'GET', '/apispec/ngfw.json', { token: tok })).json;
      assert.equal(spec.basePath, '/api/fdm/v2');
      assert.ok(spec.paths['/object/internalcertificates']);
      assert.equal(spec.paths['/ravpns'], undefined);
      assert.deepEqual(spec.definitions.SSLPolicy.required, ['defaultAction', 'undecryptableActions', 'type']);
    } finally {
      await h.close();
    }
  });

  it('FTD 6.4 (v3) has both resources but no WebUICertificate.trustChain, refused on PUT with 422; v6 has it', async () => {
    for (const [version, withChain] of [['v3', false], ['v6', true]] as const) {
      const h = await startFdmEmulator({ name: `ftd-${version}`, users: [USER], knobs: { apiVersion: version } });
      try {
        const { access_token: token } = await login(h);
        const spec = (await call(h, 'GET', '/apispec/ngfw.json', { token })).json;
        assert.ok(spec.paths['/ravpns'] && spec.paths['/devicesettings/default/webuicertificates'], version);
        assert.equal('trustChain' in spec.definitions.WebUICertificate.properties, withChain, version);
        const web = (await call(h, 'GET', `${BASE}/devicesettings/default/webuicertificates`, { token })).json.items[0];
        assert.equal('trustChain' in web, withChain, version);
        const put = await call(h, 'PUT', `${BASE}/devicesettings/default/webuicertificates/${web.id}`, { token, body: { ...forPut(web), trustChain: [] } });
        if (withChain) assert.ok(put.status === 200 || put.status === 204, put.text);
        else {
          assert.equal(put.status, 422, version);
          assert.equal(put.json.error.messages[0].location, 'trustChain');
        }
      } finally {
        await h.close();
      }
    }
  });
});

describe('FDM emulator: HA standby', () => {
  let h: EmulatorHandle;
  before(async () => {
    h = await startFdmEmulator({ name: 'ftd-standby', users: [USER], haMode: 'standby' });
  });
  after(() => h.close());

  it('reports standby, allows reads and logins, and refuses every write', async () => {
    const { access_token: token } = await login(h);
    const ha = await call(h, 'GET', `${BASE}/devices/default/operational/ha/status/default`, { token });
    assert.equal(ha.json.nodeState, 'HA_STANDBY_NODE');
    // The FDM Swagger HAStatus model and its enums (getHAStatus).
    assert.equal(ha.json.type, 'HAStatus');
    assert.equal(ha.json.nodeRole, 'HA_SECONDARY');
    assert.ok(['HEALTHY', 'PROCESSING', 'UNHEALTHY', 'CRITICAL'].includes(ha.json.haHealthStatus), ha.json.haHealthStatus);
    assert.ok(['IN_SYNC', 'PRIMARY_IMPORTING_CONFIG', 'SECONDARY_IMPORTING_CONFIG', 'OUT_OF_SYNC', 'UNKNOWN'].includes(ha.json.configStatus));
    assert.deepEqual(Object.keys(ha.json).sort(), ['configStatus', 'haHealthStatus', 'id', 'links', 'nodeRole', 'nodeState', 'peerNodeState', 'type']);
    assert.equal((await call(h, 'GET', `${BASE}/object/internalcertificates`, { token })).status, 200);
    const c = await createSelfSigned({ cn: 'standby.example.com', sans: [], days: 5 });
    const post = await call(h, 'POST', `${BASE}/object/internalcertificates`, { token, body: certBody('standby-cert', c) });
    assert.equal(post.status, 422);
    assert.match(post.json.error.messages[0].description, /not allowed on the standby unit/);
    assert.equal((await call(h, 'POST', `${BASE}/operational/deploy`, { token })).status, 422);
    const state = h.state() as { counters: Record<string, number>; objects: { internalcertificates: unknown[] } };
    assert.equal(state.counters.internalcertificates_post ?? 0, 0);
    assert.equal(state.objects.internalcertificates.length, 1);
  });

  it('POST /__lab/knobs switches the unit to active; GET /__lab/state shows the result', async () => {
    const { access_token: token } = await login(h);
    const knobs = await call(h, 'POST', '/__lab/knobs', { body: { haMode: 'active' } });
    assert.equal(knobs.status, 200);
    assert.equal(knobs.json.haMode, 'active');
    const c = await createSelfSigned({ cn: 'active.example.com', sans: [], days: 5 });
    const post = await call(h, 'POST', `/api/fdm/v6/object/internalcertificates`, { token, body: certBody('active-cert', c) });
    assert.equal(post.status, 200, post.text);
    assert.match(post.json.links.self, /\/api\/fdm\/v6\/object\/internalcertificates\//);
    const state = await call(h, 'GET', '/__lab/state');
    assert.equal(state.json.counters.internalcertificates_post, 1);
    assert.ok(state.json.objects.internalcertificates.some((o: { name: string }) => o.name === 'active-cert'));
    assert.equal(state.json.pendingChanges, 1);
    assert.equal((await call(h, 'POST', '/__lab/knobs', { body: { noSuchKnob: 1 } })).status, 400);
  });

  it('an active unit imports each deploy on the standby: configStatus SECONDARY_IMPORTING_CONFIG, then IN_SYNC or OUT_OF_SYNC', async () => {
    const { access_token: token } = await login(h);
    const haNow = async () => (await call(h, 'GET', `${BASE}/devices/default/operational/ha/status/default`, { token })).json;
    for (const [outcome, health] of [['IN_SYNC', 'HEALTHY'], ['OUT_OF_SYNC', 'UNHEALTHY']] as const) {
      // The import is held until the knob is lowered, so nothing here depends on timing.
      await call(h, 'POST', '/__lab/knobs', { body: { haMode: 'active', haSyncMs: 3_600_000, deployDurationMs: 20, haSyncOutcome: outcome } });
      const c = await createSelfSigned({ cn: `${outcome}.example.com`, sans: [], days: 5 });
      assert.equal((await call(h, 'POST', `${BASE}/object/internalcertificates`, { token, body: certBody(`sync-${outcome.toLowerCase().replace(/_/g, '-')}`, c) })).status, 200);
      const job = (await call(h, 'POST', `${BASE}/operational/deploy`, { token })).json;
      assert.equal((await waitForDeploy(h, token, job.id)).state, 'DEPLOYED');
      assert.deepEqual([(await haNow()).configStatus, (await haNow()).haHealthStatus], ['SECONDARY_IMPORTING_CONFIG', 'PROCESSING']);
      await call(h, 'POST', '/__lab/knobs', { body: { haSyncMs: 0 } });
      const ha = await haNow();
      assert.deepEqual([ha.configStatus, ha.haHealthStatus], [outcome, health]);
    }
  });
});
