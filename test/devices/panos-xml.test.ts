// Escaping, xpath literals, name rules and the generate command: the pure parts of the PAN-OS driver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { escapeXml, xpathLiteral, entryXpath, textEl, namedEl, members, parseXml, allText } from '../../src/devices/panos/xml.js';
import { validateCertName, validateObjectName, deriveCertName } from '../../src/devices/panos/names.js';
import { buildGenerateCmd } from '../../src/devices/panos/certificates.js';
import { buildCommitCmd } from '../../src/devices/panos/commit.js';
import { panosLocation } from '../../src/devices/panos/locations.js';
import { DeviceError } from '../../src/core/errors.js';

const EVIL = `a']/x | <y>&"z`;
const strict = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, processEntities: true });

test('escapeXml: element text carrying markup comes back as the same text, not as elements', () => {
  const xml = textEl('organization', EVIL);
  assert.equal(xml, '<organization>a&apos;]/x | &lt;y&gt;&amp;&quot;z</organization>');
  assert.deepEqual(strict.parse(xml), { organization: EVIL });
  const attr = namedEl('entry', EVIL, textEl('certificate', 'c'));
  assert.equal(strict.parse(attr).entry['@_name'], EVIL);
});

test('escapeXml refuses control characters XML cannot carry', () => {
  assert.throws(() => escapeXml('a\u0001b'), DeviceError);
  assert.equal(escapeXml('tab\tand\nnewline'), 'tab\tand\nnewline');
});

test('xpathLiteral picks the quote the value lacks and uses concat() when it holds both', () => {
  assert.equal(xpathLiteral('web-2025'), "'web-2025'");
  assert.equal(xpathLiteral("it's"), `"it's"`);
  assert.equal(xpathLiteral(`say "hi"`), `'say "hi"'`);
  assert.equal(xpathLiteral(EVIL), `concat('a', "'", ']/x | <y>&"z')`);
  // Re-joining the concat() pieces gives back the value: nothing leaks out of the literal.
  const pieces = [...xpathLiteral(EVIL).matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2]);
  assert.equal(pieces.join(''), EVIL);
});

test('entryXpath keeps an injection string inside the predicate', () => {
  const x = entryXpath('/config/shared/certificate', EVIL);
  assert.equal(x, `/config/shared/certificate/entry[@name=concat('a', "'", ']/x | <y>&"z')]`);
  assert.equal(entryXpath('/config/shared/certificate', "x']|//*['"), `/config/shared/certificate/entry[@name="x']|//*['"]`);
});

test('members() escapes each value', () => {
  assert.deepEqual(strict.parse(`<m>${members(['a&b', '<c>'])}</m>`), { m: { member: ['a&b', '<c>'] } });
});

test('parseXml reads single-quoted, spaced attributes and decodes numeric references', () => {
  const doc = parseXml(`<response status = 'success'><msg><line>it&#39;s &amp; ok</line></msg></response>`);
  assert.equal((doc.response as Record<string, unknown>)['@_status'], 'success');
  assert.deepEqual(allText(doc.response), ["it's & ok"]);
});

test('parseXml does not expand entities a reply declares itself, and every reply is read alike', () => {
  const doc = parseXml(`<!DOCTYPE r [<!ENTITY boom "expanded">]><r><line>&boom; &#65;</line></r>`);
  assert.deepEqual(allText(doc.r), ['&boom; A']);
  // The same parser again: nothing of the first reply is left over.
  assert.deepEqual(allText(parseXml(`<r><line>&amp;&#x41;</line></r>`).r), ['&A']);
});

test('certificate names: PAN-OS rules, each refusal names the rule', () => {
  for (const ok of ['web-2025', 'www.example.com', 'WILDCARD_.example.com', 'a', '9x', 'x'.repeat(63)]) validateCertName(ok, 63);
  const refusal = (name: string, max = 63) => {
    try {
      validateCertName(name, max);
    } catch (e) {
      assert.ok(e instanceof DeviceError);
      return e.message;
    }
    assert.fail(`${name} was accepted`);
  };
  assert.match(refusal('x'.repeat(64)), /64 characters, PAN-OS allows at most 63/);
  assert.match(refusal('x'.repeat(32), 31), /at most 31 on Panorama/);
  assert.match(refusal('_web'), /must start with a letter or a digit/);
  assert.match(refusal('*.example.com'), /must start with a letter or a digit/);
  assert.match(refusal('web*.example.com'), /contains "\*"/);
  assert.match(refusal(EVIL), /contains "'" "\]" "\/" " " "\|" "<" ">" "&" "\\""/);
  assert.match(refusal('has space'), /contains " "/);
  assert.match(refusal(''), /empty/);
});

test('profile and rule names may contain spaces but not quotes or a trailing space', () => {
  validateObjectName('decryption rule', 'Inbound web 1', 63);
  assert.throws(() => validateObjectName('decryption rule', "rule'x", 63), /contains "'"/);
  assert.throws(() => validateObjectName('decryption rule', 'rule ', 63), /end with a space/);
  assert.throws(() => validateObjectName('SSL/TLS service profile', ' p', 63), /start with a letter/);
});

test('deriveCertName turns a CA common name into a valid, bounded object name', () => {
  assert.equal(deriveCertName('Sectigo RSA Domain Validation Secure Server CA', 63), 'Sectigo-RSA-Domain-Validation-Secure-Server-CA');
  assert.equal(deriveCertName('R3', 63), 'R3');
  assert.equal(deriveCertName(`__${EVIL}`, 63), 'a-x-y-z');
  assert.equal(deriveCertName(undefined, 63), 'ca');
  const long = deriveCertName('Example Intermediate Certification Authority Number Twelve G2', 31, 'ab12cd34');
  assert.ok(long.length <= 31, long);
  assert.ok(long.endsWith('-ab12cd34'));
  for (const n of [long, deriveCertName('*.example.com', 63), deriveCertName('--', 63)]) validateCertName(n, 63);
});

test('generate command: RSA, SANs split into hostname/ip, subject fields escaped', () => {
  const cmd = buildGenerateCmd('web-2025', {
    subject: { cn: 'www.example.com', o: EVIL, ou: 'IT & Ops', l: 'Santa Clara', st: 'CA', c: 'US', email: 'pki@example.com' },
    sans: ['www.example.com', 'example.com', '192.0.2.10', '2001:db8::1'],
    key: { type: 'rsa', size: 3072 },
  });
  const g = strict.parse(cmd).request.certificate.generate;
  assert.deepEqual(g, {
    'certificate-name': 'web-2025',
    name: 'www.example.com',
    algorithm: { RSA: { 'rsa-nbits': '3072' } },
    digest: 'sha256',
    ca: 'no',
    'signed-by': 'external',
    hostname: { member: ['www.example.com', 'example.com'] },
    ip: { member: ['192.0.2.10', '2001:db8::1'] },
    'country-code': 'US',
    state: 'CA',
    locality: 'Santa Clara',
    organization: EVIL,
    'organization-unit': { member: 'IT & Ops' },
    email: 'pki@example.com',
  });
});

test('generate command: ECDSA curves map to nbits and P-384/P-521 to sha384; the CN joins the SANs', () => {
  const g = (curve: 'P-256' | 'P-384' | 'P-521') =>
    strict.parse(buildGenerateCmd('n', { subject: { cn: 'vpn.example.com' }, sans: ['alt.example.com'], key: { type: 'ecdsa', curve } })).request.certificate.generate;
  assert.deepEqual(g('P-256').algorithm, { ECDSA: { 'ecdsa-nbits': '256' } });
  assert.equal(g('P-256').digest, 'sha256');
  assert.deepEqual(g('P-384').algorithm, { ECDSA: { 'ecdsa-nbits': '384' } });
  assert.equal(g('P-384').digest, 'sha384');
  assert.deepEqual(g('P-521').algorithm, { ECDSA: { 'ecdsa-nbits': '521' } });
  assert.equal(g('P-521').digest, 'sha384');
  assert.deepEqual(g('P-256').hostname, { member: ['vpn.example.com', 'alt.example.com'] });
  assert.throws(() => buildGenerateCmd('n', { subject: {}, sans: [], key: { type: 'rsa', size: 2048 } }), /needs a subject CN/);
});

test('commit command is admin-scoped with an escaped description', () => {
  const cmd = buildCommitCmd('fwcert-api', `renew <vpn> & "gp"`);
  // pan-os-python FirewallCommit.element(): <description> first, then <partial>.
  assert.equal(cmd, '<commit><description>renew &lt;vpn&gt; &amp; &quot;gp&quot;</description><partial><admin><member>fwcert-api</member></admin></partial></commit>');
  assert.deepEqual(strict.parse(cmd), { commit: { partial: { admin: { member: 'fwcert-api' } }, description: `renew <vpn> & "gp"` } });
});

test('locations: shared, vsys and Panorama trees', () => {
  const shared = panosLocation({ vsys: 'shared', panorama: false });
  assert.equal(shared.certificate('web'), "/config/shared/certificate/entry[@name='web']");
  assert.equal(shared.sslTlsProfile('gp-portal-profile'), "/config/shared/ssl-tls-service-profile/entry[@name='gp-portal-profile']");
  assert.equal(shared.decryptionRule!('in 1'), "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/rulebase/decryption/rules/entry[@name='in 1']");
  assert.deepEqual(shared.requestParams, {});
  const v2 = panosLocation({ vsys: 'vsys2', panorama: false });
  assert.equal(v2.certificates, "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys2']/certificate");
  assert.equal(v2.sslDecrypt, "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys2']/ssl-decrypt");
  assert.deepEqual(v2.requestParams, { vsys: 'vsys2' });
  const pano = panosLocation({ vsys: 'shared', panorama: true });
  assert.equal(pano.certificates, '/config/panorama/certificate');
  assert.equal(pano.decryptionRules, undefined);
});
