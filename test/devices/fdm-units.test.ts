// Pure parts of the FDM driver: name rules, config schemas, filter choice, error bodies, key format, job lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { DeviceError } from '../../src/core/errors.js';
import { caObjectName, nameProblem, uniqueName } from '../../src/devices/fdm/names.js';
import { fdmBindSchema, fdmCredentialsSchema, fdmOptionsSchema } from '../../src/devices/fdm/schemas.js';
import { filterStyleFor, nameFilter, putBody } from '../../src/devices/fdm/objects.js';
import { isStandbyRefusal, parseErrorBody } from '../../src/devices/fdm/errors.js';
import { toFdmPrivateKey } from '../../src/devices/fdm/private-key.js';
import { jobMessages } from '../../src/devices/fdm/deploy.js';
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
  assert.deepEqual(fdmOptionsSchema.parse({}), { api_version: 'latest', deploy_timeout_s: 1800, poll_interval_s: 3 });
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
