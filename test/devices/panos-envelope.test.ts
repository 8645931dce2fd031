// Reply envelopes, job records, commit classification, bindings parsing and the driver's schemas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReply, isFailure, isNotPresent, failureMessage } from '../../src/devices/panos/envelope.js';
import { parseJob, jobDone, enqueuedJobId, noChangesToCommit, isBusyRefusal } from '../../src/devices/panos/commit.js';
import { parseCertEntry, entriesIn } from '../../src/devices/panos/certificates.js';
import { parseDecryptionRule, parseSslDecrypt, parseProfiles, bindingsOf, planRuleMembers } from '../../src/devices/panos/bindings.js';
import { parseHaState, haRole, parseSystemInfo } from '../../src/devices/panos/system.js';
import { panosTargetType } from '../../src/devices/panos/index.js';
import type { TargetType } from '../../src/devices/target.js';
import { ConfigError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';

test('envelope: status and code, with odd attribute quoting', () => {
  const ok = parseReply(`<response status = 'success'><result><key>LUFRPT1abc==</key></result></response>`);
  assert.equal(ok.status, 'success');
  assert.equal(isFailure(ok), false);
  const err = parseReply(
    `<response status="error" code="17"><msg><line><![CDATA[ upload -> certificate -> certificate-name '*.mydomain.com' is invalid]]></line><line>second</line></msg></response>`,
  );
  assert.equal(err.code, 17);
  assert.equal(isFailure(err), true);
  assert.deepEqual(err.messages, ["upload -> certificate -> certificate-name '*.mydomain.com' is invalid", 'second']);
  assert.equal(failureMessage('import', err), "import failed (code 17 Invalid command): upload -> certificate -> certificate-name '*.mydomain.com' is invalid");
});

test('envelope: an unknown op command (pan-python #24, ansible-pan #58 shape) is a code 17 failure with its line', () => {
  const r = parseReply(`<response status="error" code="17"><msg><line><![CDATA[ set -> deviceconfig  is unexpected]]></line></msg></response>`);
  assert.equal(isFailure(r), true);
  assert.equal(failureMessage('op', r), 'op failed (code 17 Invalid command): set -> deviceconfig  is unexpected');
});

test('envelope: both plausible answers to deleting something missing read as "not present" (emulator shape unverified)', () => {
  for (const body of [
    `<response status="success" code="7"><msg>Object doesn't exist</msg></response>`,
    `<response status="error" code="7"><msg><line>No such node</line></msg></response>`,
  ]) {
    assert.equal(isNotPresent(parseReply(body)), true, body);
  }
});

test('envelope: code 7 on a get is success with nothing in it; other codes are failures', () => {
  const missing = parseReply(`<response status="success" code="7"><result/></response>`);
  assert.equal(isFailure(missing), false);
  assert.equal(isNotPresent(missing), true);
  assert.equal(isFailure(parseReply(`<response status="success" code="20"><msg>command succeeded</msg></response>`)), false);
  assert.equal(isFailure(parseReply(`<response status="success" code="19"><result/></response>`)), false);
  assert.equal(isFailure(parseReply(`<response status="success" code="14"><msg>not now</msg></response>`)), true);
  assert.equal(isFailure(parseReply(`<response status="failed"><msg>x</msg></response>`)), true);
  assert.throws(() => parseReply('<html>proxy error</html>'), /not a PAN-OS <response>/);
});

test('envelope: messages are found where each reply kind puts them', () => {
  assert.deepEqual(parseReply(`<response status="error"><result><msg><line>a</line><line>b</line></msg></result></response>`).messages, ['a', 'b']);
  assert.deepEqual(parseReply(`<response status="error"><result><msg>only</msg></result></response>`).messages, ['only']);
  assert.deepEqual(parseReply(`<response status="error"><msg>plain</msg></response>`).messages, ['plain']);
  assert.deepEqual(parseReply(`<response status="error"><msg><line><line>nested</line></line></msg></response>`).messages, ['nested']);
});

const JOB = (status: string, result: string, progress: string, lines: string[]) =>
  parseReply(`<response status="success"><result><job><tenq>2024/01/01 00:00:00</tenq><id>2</id><user>fwcert</user><type>Commit</type>
  <status>${status}</status><queued>NO</queued><stoppable>no</stoppable><result>${result}</result><tfin>Still Active</tfin>
  <description/><positionInQ>0</positionInQ><progress>${progress}</progress>
  <details>${lines.map((l) => `<line><![CDATA[${l}]]></line>`).join('')}</details><warnings/></job></result></response>`);

test('jobs: running, finished OK and finished FAIL with detail lines', () => {
  const running = parseJob(JOB('ACT', 'PEND', '40', []))!;
  assert.equal(running.id, '2');
  assert.equal(jobDone(running), false);
  const ok = parseJob(JOB('FIN', 'OK', '100', ['Configuration committed successfully']))!;
  assert.equal(jobDone(ok), true);
  assert.equal(ok.result, 'OK');
  assert.deepEqual(ok.details, ['Configuration committed successfully']);
  const fail = parseJob(JOB('FIN', 'FAIL', '100', ['Validation Error:', ' ssl-tls-service-profile -> gp is invalid']))!;
  assert.equal(fail.result, 'FAIL');
  assert.deepEqual(fail.details, ['Validation Error:', 'ssl-tls-service-profile -> gp is invalid']);
  // pango's rule: progress 100 with a final result is done even when status lags.
  assert.equal(jobDone(parseJob(JOB('ACT', 'OK', '100', []))!), true);
});

test('commit replies: job id, nothing to commit, busy refusals', () => {
  const enq = parseReply(`<response status="success" code="19"><result><msg><line>Commit job enqueued with jobid 2</line></msg><job>2</job></result></response>`);
  assert.equal(enqueuedJobId(enq), '2');
  assert.equal(enqueuedJobId(parseReply(`<response status="success" code="19"><result><msg><line>Commit job enqueued with jobid 17</line></msg></result></response>`)), '17');
  const none = parseReply(`<response status="success" code="19"><msg>There are no changes to commit.</msg></response>`);
  assert.equal(noChangesToCommit(none), true);
  assert.equal(enqueuedJobId(none), undefined);
  assert.equal(isBusyRefusal(['Another commit/validate is in progress. Please try again later']), true);
  assert.equal(isBusyRefusal(['Commit lock is already held by admin2']), true);
  assert.equal(isBusyRefusal(['Config for scope shared is currently locked by admin2']), true);
  assert.equal(isBusyRefusal(['Validation Error: bad']), false);
});

test('certificate entries: cert, key, pending CSR; unknown attributes ignored', () => {
  const result = parseReply(`<response status="success" code="19"><result total-count="2" count="2"><certificate>
    <entry name="web" admin="fwcert" dirtyId="3" time="2024/01/01"><common-name>www.example.com</common-name><ca>no</ca><algorithm>RSA</algorithm>
      <public-key>-----BEGIN CERTIFICATE-----
MIIB
-----END CERTIFICATE-----</public-key><private-key>-AQ==blob</private-key></entry>
    <entry name="pending"><csr>-----BEGIN CERTIFICATE REQUEST-----
MIIC
-----END CERTIFICATE REQUEST-----</csr><private-key>blob</private-key></entry>
    <entry name="root"><ca>yes</ca><public-key>-----BEGIN CERTIFICATE-----
MIID
-----END CERTIFICATE-----</public-key></entry></certificate></result></response>`).result;
  const entries = entriesIn(result, 'certificate').map(parseCertEntry);
  assert.deepEqual(
    entries.map((e) => [e!.name, Boolean(e!.certPem), e!.hasKey, Boolean(e!.csrPem), e!.isCa]),
    [
      ['web', true, true, false, false],
      ['pending', false, true, true, false],
      ['root', true, false, false, true],
    ],
  );
  assert.equal(entries[0]!.commonName, 'www.example.com');
  // A get on one entry answers <result><entry/></result>.
  const one = parseReply(`<response status="success" code="19"><result total-count="1" count="1"><entry name="web"><ca>no</ca></entry></result></response>`).result;
  assert.equal(entriesIn(one, 'certificate').map(parseCertEntry)[0]!.name, 'web');
});

test('bindings: profiles, old and new decryption rule shapes, forward trust, trusted roots', () => {
  const profiles = parseProfiles(
    parseReply(`<response status="success"><result><ssl-tls-service-profile><entry name="gp-portal-profile"><certificate>web</certificate></entry><entry name="mgmt"><certificate>other</certificate></entry></ssl-tls-service-profile></result></response>`).result,
  );
  const rules = parseReply(`<response status="success"><result><rules>
    <entry name="in-new"><type><ssl-inbound-inspection><certificates><member>web</member><member>mail</member></certificates></ssl-inbound-inspection></type></entry>
    <entry name="in-old"><type><ssl-inbound-inspection>web</ssl-inbound-inspection></type></entry>
    <entry name="fwd"><type><ssl-forward-proxy/></type></entry></rules></result></response>`).result;
  const parsed = entriesIn(rules, 'rules').map(parseDecryptionRule);
  assert.deepEqual(parsed, [
    { name: 'in-new', inbound: true, legacy: false, certificates: ['web', 'mail'] },
    { name: 'in-old', inbound: true, legacy: true, certificates: ['web'] },
    { name: 'fwd', inbound: false, legacy: false, certificates: [] },
  ]);
  const decrypt = parseSslDecrypt(
    parseReply(`<response status="success"><result><ssl-decrypt><forward-trust-certificate><rsa>fwd-ca</rsa></forward-trust-certificate><trusted-root-CA><member>web</member><member>r1</member></trusted-root-CA></ssl-decrypt></result></response>`).result,
  );
  const state = { profiles, rules: parsed.map((r) => r!), ...decrypt };
  assert.deepEqual(bindingsOf(state, 'web'), [
    { kind: 'ssl_tls_service_profile', name: 'gp-portal-profile' },
    { kind: 'decryption_rule', name: 'in-new' },
    { kind: 'decryption_rule', name: 'in-old' },
    { kind: 'trusted_root_ca' },
  ]);
  assert.deepEqual(bindingsOf(state, 'fwd-ca'), [{ kind: 'forward_trust' }]);
});

test('decryption rule members: older versions of the same server are replaced, other servers kept', () => {
  const certs = [
    { name: 'web-old', commonName: 'www.example.com', hasKey: true, isCa: false },
    { name: 'mail', commonName: 'mail.example.com', hasKey: true, isCa: false },
  ];
  const next = { name: 'web-new', commonName: 'www.example.com' };
  assert.deepEqual(planRuleMembers(['web-old', 'mail'], next, certs), { members: ['mail', 'web-new'], previous: 'web-old', changed: true });
  assert.deepEqual(planRuleMembers(['mail'], next, certs), { members: ['mail', 'web-new'], previous: undefined, changed: true });
  assert.deepEqual(planRuleMembers(['mail', 'web-new'], next, certs), { members: ['mail', 'web-new'], previous: 'web-new', changed: false });
});

test('HA state and system info', () => {
  const ha = (xml: string) => parseHaState(parseReply(`<response status="success"><result>${xml}</result></response>`).result);
  assert.equal(haRole(ha('<enabled>no</enabled>')), 'standalone');
  assert.equal(haRole(ha('<enabled>yes</enabled><group><mode>Active-Passive</mode><local-info><state>active</state></local-info><peer-info><state>passive</state></peer-info></group>')), 'active');
  assert.equal(haRole(ha('<enabled>yes</enabled><group><local-info><state>passive</state></local-info><peer-info><state>active</state></peer-info></group>')), 'standby');
  assert.equal(haRole(ha('<enabled>yes</enabled><group><local-info><state>active-secondary</state></local-info></group>')), 'active');
  assert.equal(haRole(ha('<enabled>yes</enabled><group><local-info><state>suspended</state></local-info></group>')), 'standby');
  const info = parseSystemInfo(parseReply(`<response status="success"><result><system><hostname>fw1</hostname><model>PA-VM</model><sw-version>11.1.2</sw-version></system></result></response>`).result);
  assert.deepEqual(info, { model: 'PA-VM', version: '11.1.2', hostname: 'fw1', isPanorama: false });
  assert.equal(parseSystemInfo({ system: { model: 'M-200' } }).isPanorama, true);
});

test('schemas: defaults, strictness, bind -> Binding[]', () => {
  const generic: TargetType = panosTargetType; // the registry's view of the type
  assert.equal(generic.type, 'paloalto');
  assert.deepEqual(panosTargetType.optionsSchema.parse({}), {
    vsys: 'shared',
    commit: { description: 'fwcert' },
    commit_timeout_s: 1800,
    poll_interval_s: 2,
    panorama: false,
  });
  assert.throws(() => panosTargetType.optionsSchema.parse({ vsys: "vsys1']" }));
  assert.throws(() => panosTargetType.optionsSchema.parse({ bogus: 1 }));
  assert.throws(() => panosTargetType.credentialsSchema.parse({ username: 'a' }));
  assert.deepEqual(panosTargetType.credentialsSchema.parse({ api_key: 'k' }), { api_key: 'k' });
  assert.deepEqual(panosTargetType.bindSchema.parse({ ssl_tls_service_profiles: ['gp-portal-profile'], decryption_rules: ['in 1'], forward_trust: false, trusted_root_ca: true }), [
    { kind: 'ssl_tls_service_profile', name: 'gp-portal-profile' },
    { kind: 'decryption_rule', name: 'in 1' },
    { kind: 'trusted_root_ca' },
  ]);
  assert.throws(() => panosTargetType.bindSchema.parse({ ravpn: true }));
});

test('an api_key without commit.admin is a config error (a scoped commit needs the admin name)', async () => {
  const settings = (credentials: unknown, options: unknown) => ({
    url: 'https://127.0.0.1:1',
    options: panosTargetType.optionsSchema.parse(options),
    credentials: panosTargetType.credentialsSchema.parse(credentials),
    tls: {},
    timeoutMs: 1000,
  });
  const ctx = { name: 'pa1', log: silentLogger() };
  assert.throws(() => panosTargetType.create(ctx, settings({ api_key: 'LUFRPT1x' }, {})), (e: unknown) => e instanceof ConfigError && /commit.admin is required/.test(e.message));
  const t = panosTargetType.create(ctx, settings({ api_key: 'LUFRPT1x' }, { commit: { admin: 'fwcert' } }));
  assert.equal(t.capabilities.maxNameLength, 63);
  const p = panosTargetType.create(ctx, settings({ username: 'u', password: 'p' }, { panorama: true }));
  assert.equal(p.capabilities.maxNameLength, 31);
  await Promise.all([t.close(), p.close()]);
});
