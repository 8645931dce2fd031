// Pure parts of the FDM driver: name rules, config schemas, filter choice, error bodies, key format, job lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { DeviceError } from '../../src/core/errors.js';
import { caObjectName, nameProblem, uniqueName } from '../../src/devices/fdm/names.js';
import { fdmBindSchema, fdmCredentialsSchema, fdmOptionsSchema } from '../../src/devices/fdm/schemas.js';
import { FdmObjects, filterStyleFor, nameFilter, putBody } from '../../src/devices/fdm/objects.js';
import type { FdmSession } from '../../src/devices/fdm/session.js';
import { FdmApiError, isStandbyRefusal, parseErrorBody } from '../../src/devices/fdm/errors.js';
import { toFdmPrivateKey } from '../../src/devices/fdm/private-key.js';
import { FdmDeployer, jobMessages } from '../../src/devices/fdm/deploy.js';
import { fdmTargetType } from '../../src/devices/fdm/index.js';
import { silentLogger } from '../../src/core/log.js';

test('FDM names: the conservative 6.2.3 pattern on the whole name, at most 128 characters', () => {
  for (const ok of ['vpn-portal', 'vpn-portal-20250101-1200', 'a', 'Web.cert+2', '9lives']) assert.equal(nameProblem(ok), undefined, ok);
  assert.match(nameProblem('-lead') ?? '', /start with a letter or digit/);
  assert.match(nameProblem('has space') ?? '', /" "/);
  assert.match(nameProblem('under_score') ?? '', /"_"/);
  assert.match(nameProblem('x'.repeat(129)) ?? '', /129 characters.*at most 128/);
  assert.equal(nameProblem('x'.repeat(128)), undefined);
  assert.match(nameProblem('') ?? '', /empty/);
});

test('validateName throws a DeviceError that names the rule', () => {
  const target = fdmTargetType.create(
    { name: 'ftd-1', log: silentLogger() },
    { url: 'https://127.0.0.1:1', options: fdmOptionsSchema.parse({}), credentials: { username: 'admin', password: 'pw-123456' }, tls: {}, timeoutMs: 1000 },
  );
  assert.throws(() => target.validateName('bad name'), (e: unknown) => e instanceof DeviceError && /ftd-1.*"bad name".*\^\[a-zA-Z0-9\]/.test(e.message));
  assert.doesNotThrow(() => target.validateName('good-name'));
  assert.equal(target.capabilities.maxNameLength, 128);
  assert.equal(target.capabilities.onDeviceKeygen, false);
  void target.close();
});

test('chain CA object names: from the CN, FDM-safe, stable per certificate, unique', () => {
  const fp = 'AB:CD:EF:01:23:45:67:89:00';
  assert.equal(caObjectName('Sectigo RSA Domain Validation Secure Server CA', fp), 'Sectigo-RSA-Domain-Validation-Secure-Server-CA-abcdef01');
  assert.equal(caObjectName('*.example_ca (test)', fp), 'example-ca-test-abcdef01');
  assert.equal(caObjectName(undefined, fp), 'CA-abcdef01');
  const long = caObjectName('x'.repeat(300), fp);
  assert.equal(long.length, 128);
  assert.equal(nameProblem(long), undefined);
  assert.equal(uniqueName('ca-1', new Set(['ca-1', 'ca-1-2'])), 'ca-1-3');
  assert.equal(uniqueName('ca-1', new Set()), 'ca-1');
});

test('options: defaults, strict keys, version syntax', () => {
  assert.deepEqual(fdmOptionsSchema.parse({}), { api_version: 'latest', deploy_timeout_s: 1800, poll_interval_s: 3, deploy_foreign_changes: false });
  assert.equal(fdmOptionsSchema.parse({ poll_interval_s: 0.05, api_version: 'v2' }).poll_interval_s, 0.05);
  assert.equal(fdmOptionsSchema.safeParse({ api_version: '6.4' }).success, false);
  assert.equal(fdmOptionsSchema.safeParse({ vsys: 'shared' }).success, false);
  assert.equal(fdmCredentialsSchema.safeParse({ username: 'admin' }).success, false);
  assert.equal(fdmCredentialsSchema.safeParse({ api_key: 'x' }).success, false);
});

test('bind: true kinds become bindings, unknown keys are refused', () => {
  assert.deepEqual(fdmBindSchema.parse({ ravpn: true, webui: false, ssl_decryption: true }), [{ kind: 'ssl_decryption' }, { kind: 'ravpn' }]);
  assert.deepEqual(fdmBindSchema.parse({}), []);
  assert.equal(fdmBindSchema.safeParse({ ssl_tls_service_profiles: ['x'] }).success, false);
  assert.equal(fdmBindSchema.safeParse({ ravpn: 'yes' }).success, false);
});

test('name filter syntax follows the build version like FTDAnsible (fts~ from 6.4.0, name: before)', () => {
  assert.equal(filterStyleFor('6.3.0'), 'name');
  assert.equal(filterStyleFor('6.2.3-83'), 'name');
  assert.equal(filterStyleFor('6.4.0'), 'fts');
  assert.equal(filterStyleFor('7.0.1'), 'fts');
  assert.equal(filterStyleFor(undefined), 'fts');
  assert.equal(nameFilter('fts', 'web'), 'fts~web');
  assert.equal(nameFilter('name', 'web'), 'name:web');
});

test('PUT bodies drop links and keep version', () => {
  assert.deepEqual(putBody({ id: '1', type: 'ravpn', version: 'v9', links: { self: 'x' }, name: 'r' }), { id: '1', type: 'ravpn', version: 'v9', name: 'r' });
});

test('both FDM error shapes parse; standby refusals are recognised', () => {
  const dup = parseErrorBody(JSON.stringify({ error: { severity: 'ERROR', key: 'Validation', messages: [{ description: 'Validation failed due to a duplicate name: "x"', code: 'duplicateName', location: 'name' }] } }));
  assert.deepEqual(dup.codes, ['duplicateName']);
  assert.match(dup.descriptions[0]!, /duplicate name/);
  assert.deepEqual(parseErrorBody('{"message":"Failed to authenticate user","status_code":400}').descriptions, ['Failed to authenticate user']);
  assert.deepEqual(parseErrorBody('<html><body>Service Unavailable</body></html>').descriptions, ['Service Unavailable']);
  assert.equal(isStandbyRefusal(['This API call is not allowed on the standby unit in an HA pair.']), true);
  assert.equal(isStandbyRefusal(['Validation failed']), false);
});

test('private keys go to FDM unencrypted in traditional PEM; encrypted keys are refused', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  assert.match(toFdmPrivateKey('ftd', pkcs8), /^-----BEGIN RSA PRIVATE KEY-----/);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  assert.match(toFdmPrivateKey('ftd', ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()), /^-----BEGIN EC PRIVATE KEY-----/);
  const encrypted = rsa.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret-pass' }).toString();
  assert.throws(() => toFdmPrivateKey('ftd', encrypted), /only unencrypted private keys/);
  const ed = generateKeyPairSync('ed25519');
  assert.throws(() => toFdmPrivateKey('ftd', ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()), /RSA or ECDSA/);
});

test('deploy job lines: status, CLI error and task messages, without blanks or repeats', () => {
  const lines = jobMessages({
    id: 'j1',
    state: 'DEPLOY_FAILED',
    statusMessage: 'Deployment failed',
    cliErrorMessage: 'ERROR: crypto ca trustpoint: bad certificate',
    statusMessages: ['Deployment failed', ''],
    deploymentStatusMessages: [{ taskName: 'CLI', message: 'line 12 rejected', taskState: 'FINISHED' }],
  });
  assert.deepEqual(lines, ['Deployment failed', 'ERROR: crypto ca trustpoint: bad certificate', 'CLI: line 12 rejected']);
});

// A stand-in for FdmSession: scripted answers per "METHOD path", recording what was sent.
function scriptedSession(script: Record<string, ((opts: { json?: unknown; query?: Record<string, unknown> }) => unknown)[]>) {
  const sent: { key: string; json?: unknown; query?: Record<string, unknown> }[] = [];
  const session = {
    device: 'ftd-stub',
    async call(method: string, path: string, opts: { json?: unknown; query?: Record<string, unknown> } = {}) {
      const key = `${method} ${path}`;
      sent.push({ key, json: opts.json, query: opts.query });
      const next = script[key]?.shift();
      if (!next) throw new Error(`unexpected ${key}`);
      return next(opts);
    },
    async request(method: string, path: string) {
      return this.call(method, path);
    },
  };
  return { session: session as unknown as FdmSession, sent };
}

test('PUT retried once after 422 mismatchedVersion, with the fresh version and without links', async () => {
  const stale = { id: 'r1', type: 'ravpn', version: 'v1', name: 'vpn', links: { self: 'x' }, vpnGatewaySettings: { serverCertificate: { id: 'old', type: 'internalcertificate' } } };
  const fresh = { ...stale, version: 'v2' };
  const { session, sent } = scriptedSession({
    'PUT ravpns/r1': [
      () => { throw new FdmApiError('conflict', 422, ['mismatchedVersion'], ['Another user ...']); },
      (o) => o.json,
    ],
    'GET ravpns/r1': [() => fresh],
  });
  const objects = new FdmObjects(session, silentLogger());
  const saved = await objects.update('ravpns', stale, (v) => ({ ...v, vpnGatewaySettings: { serverCertificate: { id: 'new', type: 'internalcertificate' } } }));
  assert.deepEqual(sent.map((s) => s.key), ['PUT ravpns/r1', 'GET ravpns/r1', 'PUT ravpns/r1']);
  const second = sent[2]!.json as Record<string, unknown>;
  assert.equal(second.version, 'v2');
  assert.equal('links' in second, false);
  assert.equal((saved.vpnGatewaySettings as { serverCertificate: { id: string } }).serverCertificate.id, 'new');
});

test('a second mismatchedVersion is not retried forever', async () => {
  const obj = { id: 'r1', type: 'ravpn', version: 'v1' };
  const conflict = () => { throw new FdmApiError('conflict', 422, ['mismatchedVersion']); };
  const { session } = scriptedSession({ 'PUT ravpns/r1': [conflict, conflict], 'GET ravpns/r1': [() => obj] });
  await assert.rejects(new FdmObjects(session, silentLogger()).update('ravpns', obj, (o) => o), /conflict/);
});

test('paging: follows offsets by count, by paging.next, or until a short page', async () => {
  const page = (n: number, from: number) => Array.from({ length: n }, (_, i) => ({ id: `o${from + i}`, type: 't', name: `n${from + i}` }));
  // Server caps pages at 10 although we ask for 100, and tells the total.
  const byCount = scriptedSession({ 'GET object/x': [() => ({ items: page(10, 0), paging: { count: 25 } }), () => ({ items: page(10, 10), paging: { count: 25 } }), () => ({ items: page(5, 20), paging: { count: 25 } })] });
  assert.equal((await new FdmObjects(byCount.session, silentLogger()).listAll('object/x')).length, 25);
  assert.deepEqual(byCount.sent.map((s) => s.query?.offset), [0, 10, 20]);
  assert.equal(byCount.sent[0]!.query?.limit, 100);
  // No count: next[] decides.
  const byNext = scriptedSession({ 'GET object/x': [() => ({ items: page(10, 0), paging: { next: ['https://h/x?offset=10'] } }), () => ({ items: page(3, 10), paging: { next: [] } })] });
  assert.equal((await new FdmObjects(byNext.session, silentLogger()).listAll('object/x')).length, 13);
  // No paging block at all: a short page ends the list.
  const bare = scriptedSession({ 'GET object/x': [() => ({ items: page(7, 0) })] });
  assert.equal((await new FdmObjects(bare.session, silentLogger()).listAll('object/x')).length, 7);
});

test('findByName matches exactly although the fts filter returns look-alikes', async () => {
  const { session, sent } = scriptedSession({
    'GET object/internalcertificates': [() => ({ items: [{ id: '1', type: 'internalcertificate', name: 'web-2' }, { id: '2', type: 'internalcertificate', name: 'web' }], paging: { count: 2 } })],
  });
  const found = await new FdmObjects(session, silentLogger()).findByName('object/internalcertificates', 'web');
  assert.equal(found?.id, '2');
  assert.equal(sent[0]!.query?.filter, 'fts~web');
});

const deployer = (session: FdmSession) => new FdmDeployer(session, 'ftd-stub', silentLogger(), { pollIntervalMs: 1, timeoutMs: 5000 });
const pending = (n: number) => () => ({ items: Array.from({ length: n }, () => ({ type: 'entitycreate' })), paging: { count: n } });
const job = (id: string, state: string, endTime = -1) => () => ({ id, state, endTime, queuedTime: 1 });

test('deploy: after a dropped poll the job is found again in the job list, without a second POST', async () => {
  const { session, sent } = scriptedSession({
    'GET operational/pendingchanges': [pending(2)],
    'POST operational/deploy': [job('j1', 'QUEUED')],
    'GET operational/deploy/j1': [() => { throw new FdmApiError('reset', undefined); }, job('j1', 'DEPLOYED', 9)],
    'GET operational/deploy': [() => ({ items: [job('j1', 'DEPLOYING')()] })],
  });
  const r = await deployer(session).deploy('note');
  assert.deepEqual(r, { committed: true, jobId: 'j1', messages: [] });
  assert.deepEqual(sent.map((s) => s.key), ['GET operational/pendingchanges', 'POST operational/deploy', 'GET operational/deploy/j1', 'GET operational/deploy', 'GET operational/deploy/j1']);
});

test('deploy: when FDM refuses because a deployment runs, wait for it, then deploy what is still pending', async () => {
  const { session, sent } = scriptedSession({
    'GET operational/pendingchanges': [pending(1), pending(1)],
    'POST operational/deploy': [() => { throw new FdmApiError('busy', 422, [], ['Deployment already in progress']); }, job('j2', 'QUEUED')],
    'GET operational/deploy': [() => ({ items: [job('j0', 'DEPLOYING')()] })],
    'GET operational/deploy/j0': [job('j0', 'DEPLOYED', 5)],
    'GET operational/deploy/j2': [job('j2', 'DEPLOYED', 7)],
  });
  const r = await deployer(session).deploy('note');
  assert.equal(r.jobId, 'j2');
  assert.equal(sent.filter((s) => s.key === 'POST operational/deploy').length, 2);
});

test('deploy: a job that vanished while changes are still pending is an error, not a success', async () => {
  const { session } = scriptedSession({
    'GET operational/pendingchanges': [pending(1), pending(1)],
    'POST operational/deploy': [job('j1', 'QUEUED')],
    'GET operational/deploy/j1': [() => { throw new FdmApiError('not found', 404); }],
    'GET operational/deploy': [() => ({ items: [] })],
  });
  await assert.rejects(deployer(session).deploy('note'), /deployment j1 disappeared and 1 change\(s\) are still pending/);
});

test('deploy: nothing pending means no deploy at all', async () => {
  const { session, sent } = scriptedSession({ 'GET operational/pendingchanges': [pending(0)] });
  assert.deepEqual(await deployer(session).deploy('note'), { committed: false });
  assert.equal(sent.length, 1);
});
