// PAN-OS XML API emulator, exercised over real HTTPS the way the connectors in the reference call it.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { afterEach, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import {
  certFingerprintSha256,
  createCa,
  createCsr,
  encryptPrivateKey,
  generateKeyPair,
  issueCertificate,
  parseCertificate,
  parseCsr,
  toPkcs12,
} from '../../src/pki/index.js';
import { startPanosEmulator, type EmulatorHandle, type PanosKnobs } from '../../src/lab/panos/index.js';

const ADMINS = [
  { username: 'fwcert-api', password: 'p&ss@word=1' }, // & and @ must survive URL encoding
  { username: 'alice', password: 'alice-secret' },
];

const running: EmulatorHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function start(knobs: Partial<PanosKnobs> = {}, haState?: 'standalone' | 'active' | 'passive'): Promise<EmulatorHandle> {
  const em = await startPanosEmulator({ name: 'pa-lab-1', admins: ADMINS, knobs: { commitDurationMs: 60, ...knobs }, ...(haState ? { haState } : {}) });
  running.push(em);
  return em;
}

// ---- raw HTTPS client -------------------------------------------------------------------------

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: Buffer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  xml: any;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false });

interface CallOptions {
  method?: 'GET' | 'POST';
  query?: Record<string, string>;
  form?: Record<string, string>;
  multipart?: { fields: Record<string, string>; file?: { filename: string; data: Buffer | string }; boundary?: string; quoteBoundary?: boolean; epilogue?: string };
  headers?: Record<string, string>;
}

function call(em: EmulatorHandle, o: CallOptions): Promise<Reply> {
  const url = new URL('/api/', em.url);
  for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v);
  let body: Buffer | undefined;
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.form) {
    body = Buffer.from(new URLSearchParams(o.form).toString());
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (o.multipart) {
    const b = o.multipart.boundary ?? 'fwcertTestBoundary7MA4YWxk';
    const parts: Buffer[] = [];
    for (const [k, v] of Object.entries(o.multipart.fields)) {
      parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
    }
    if (o.multipart.file) {
      const f = o.multipart.file;
      parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="${f.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
      parts.push(Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data));
      parts.push(Buffer.from('\r\n'));
    }
    parts.push(Buffer.from(`--${b}--\r\n${o.multipart.epilogue ?? ''}`));
    body = Buffer.concat(parts);
    // Unquoted boundary: Keyfactor notes PAN-OS "does not like double quotes around boundary".
    headers['content-type'] = `multipart/form-data; boundary=${o.multipart.quoteBoundary ? `"${b}"` : b}`;
  }
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? (body ? 'POST' : 'GET'), ca: em.certPem, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString('utf8');
        let xml: unknown;
        try {
          xml = text.startsWith('<') ? parser.parse(text) : undefined;
        } catch {
          xml = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: buf, xml });
      });
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

async function keygen(em: EmulatorHandle, i = 0): Promise<string> {
  const r = await call(em, { query: { type: 'keygen' }, form: { user: ADMINS[i]!.username, password: ADMINS[i]!.password } });
  assert.equal(r.xml.response['@_status'], 'success', r.text);
  return r.xml.response.result.key as string;
}

function op(em: EmulatorHandle, key: string, cmd: string, extra: Record<string, string> = {}): Promise<Reply> {
  return call(em, { form: { type: 'op', cmd, key, ...extra } });
}

function config(em: EmulatorHandle, key: string, action: string, xpath: string, element?: string): Promise<Reply> {
  return call(em, { form: { type: 'config', action, xpath, key, ...(element !== undefined ? { element } : {}) } });
}

function commit(em: EmulatorHandle, key: string, cmd = '<commit></commit>'): Promise<Reply> {
  return call(em, { form: { type: 'commit', cmd, key } });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitJob(em: EmulatorHandle, key: string, id: string): Promise<{ job: Record<string, unknown>; seen: string[] }> {
  const seen: string[] = [];
  for (let i = 0; i < 400; i++) {
    const r = await op(em, key, `<show><jobs><id>${id}</id></jobs></show>`);
    const job = r.xml.response.result.job as Record<string, unknown>;
    seen.push(String(job.status));
    if (job.status === 'FIN') return { job, seen };
    await sleep(20);
  }
  throw new Error(`job ${id} did not finish`);
}

async function commitAndWait(em: EmulatorHandle, key: string, cmd?: string) {
  const r = await commit(em, key, cmd);
  assert.equal(r.xml.response['@_code'], '19', r.text);
  const id = String(r.xml.response.result.job);
  return { enqueue: r, ...(await waitJob(em, key, id)) };
}

function messageOf(r: Reply): string {
  return r.text.replace(/<!\[CDATA\[|\]\]>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Certificate the data-plane port presents (fingerprint + issuer chain fingerprints). The probe
 * accepts any certificate on purpose: it reports what a client would be shown. */
function presented(em: EmulatorHandle): Promise<{ fingerprint: string; chain: string[] }> {
  const [host, port] = em.services['gp-portal']!.split(':');
  return new Promise((resolve, reject) => {
    const s = connect({ host, port: Number(port), rejectUnauthorized: false }, () => {
      const c = s.getPeerCertificate(true);
      const chain: string[] = [];
      let cur = c.issuerCertificate;
      while (cur && cur.fingerprint256 && !chain.includes(cur.fingerprint256) && cur.fingerprint256 !== c.fingerprint256) {
        chain.push(cur.fingerprint256);
        cur = cur.issuerCertificate;
      }
      s.destroy();
      resolve({ fingerprint: c.fingerprint256, chain });
    });
    s.on('error', reject);
  });
}

const SHARED_CERT = (name: string) => `/config/shared/certificate/entry[@name='${name}']`;
const GP_PROFILE = "/config/shared/ssl-tls-service-profile/entry[@name='gp-portal-profile']";

async function lab(em: EmulatorHandle) {
  return em.state() as {
    certificates: Array<{ name: string; cn: string | null; serial: string | null; hasPrivateKey: boolean; csrPending: boolean; ca: boolean }>;
    runningCertificates: Array<{ name: string }>;
    serviceProfiles: { candidate: Record<string, string>; running: Record<string, string> };
    pendingChanges: Record<string, string[]>;
    counters: Record<string, number>;
    runningXml: string;
    candidateXml: string;
    internalErrors: string[];
  };
}

const GENERATE = (name: string, cn: string) =>
  `<request><certificate><generate><certificate-name>${name}</certificate-name><name>${cn}</name>` +
  `<algorithm><RSA><rsa-nbits>2048</rsa-nbits></RSA></algorithm><digest>sha256</digest><ca>no</ca>` +
  `<signed-by>external</signed-by><hostname><member>${cn}</member><member>alt.example.com</member></hostname>` +
  `<ip><member>192.0.2.10</member></ip><alt-email><member>pki@example.com</member></alt-email>` +
  `<organization>Example</organization><country-code>US</country-code></generate></certificate></request>`;

function importFile(em: EmulatorHandle, key: string, fields: Record<string, string>, file: { filename: string; data: Buffer | string }, queryOnlyType = true) {
  // acme.sh style: type in the query, everything else as multipart fields.
  return call(em, { query: queryOnlyType ? { type: 'import' } : {}, multipart: { fields: { key, ...fields }, file } });
}

// ---- tests --------------------------------------------------------------------------------------

describe('PAN-OS emulator: authentication', () => {
  it('issues one key per admin, accepts it as key= or X-PAN-KEY, and answers 403 for bad credentials or keys', async () => {
    const em = await start();
    const k1 = await keygen(em, 0);
    const k2 = await keygen(em, 1);
    assert.match(k1, /^LUFRPT1/);
    assert.notEqual(k1, k2);
    assert.equal(await keygen(em, 0), k1, 'key lifetime 0: same key again');

    const badPw = await call(em, { query: { type: 'keygen', user: 'alice', password: 'nope' } });
    assert.equal(badPw.status, 403);
    assert.equal(badPw.xml.response['@_code'], '403');

    const viaHeader = await call(em, { query: { type: 'op', cmd: '<show><system><info/></system></show>' }, headers: { 'X-PAN-KEY': k2 } });
    assert.equal(viaHeader.xml.response.result.system.hostname, 'pa-lab-1');
    const viaParam = await op(em, k1, '<show><system><info/></system></show>');
    assert.equal(viaParam.xml.response.result.system.model, 'PA-VM');

    for (const r of [await op(em, 'LUFRPT1bogus==', '<show><system><info/></system></show>'), await call(em, { query: { type: 'version' } })]) {
      assert.equal(r.status, 403);
      assert.equal(r.xml.response['@_status'], 'error');
      assert.equal(r.xml.response['@_code'], '403');
    }
    const basic = await call(em, { query: { type: 'version' }, headers: { authorization: `Basic ${Buffer.from('alice:alice-secret').toString('base64')}` } });
    assert.equal(basic.xml.response.result.model, 'PA-VM');
  });

  it("answers keygen the way real firewalls do: <response status = 'success'><result><key>", async () => {
    const em = await start();
    const r = await call(em, { query: { type: 'keygen' }, form: { user: ADMINS[0]!.username, password: ADMINS[0]!.password } });
    // The exact prefix public tools strip from a real firewall's answer.
    assert.match(r.text, /^<response status = 'success'><result><key>LUFRPT1[^<]+<\/key><\/result><\/response>$/);
    const info = await op(em, r.xml.response.result.key, '<show><system><info/></system></show>');
    assert.match(info.text, /^<response status="success"><result><system>/);
    em.setKnobs({ responseQuoting: 'single-spaced' });
    const single = await op(em, r.xml.response.result.key, '<show><jobs><id>999</id></jobs></show>');
    assert.match(single.text, /^<response status = 'error'( code = '\d+')?>/);
  });

  it('keyExpired makes the cached key fail with 403 until the client generates a new one', async () => {
    const em = await start();
    const k = await keygen(em);
    em.setKnobs({ keyExpired: true });
    assert.equal((await op(em, k, '<check><pending-changes/></check>')).status, 403);
    const k2 = await keygen(em);
    assert.notEqual(k2, k);
    assert.equal((await op(em, k2, '<check><pending-changes/></check>')).xml.response.result, 'no');
  });
});

describe('PAN-OS emulator: unknown commands', () => {
  it('answers code 17 with the real " a -> b  is unexpected" line for an unknown op command', async () => {
    const em = await start();
    const key = await keygen(em);
    const r = await op(em, key, '<show><bogus-thing/></show>');
    assert.equal(r.status, 200);
    assert.match(r.text, /^<response status="error" code="17"><msg><line><!\[CDATA\[ show -> bogus-thing  is unexpected\]\]><\/line><\/msg><\/response>$/);
    const top = await op(em, key, '<frobnicate/>');
    assert.equal(top.xml.response['@_code'], '17');
    assert.match(top.text, /<!\[CDATA\[ frobnicate  is unexpected\]\]>/);
  });
});

describe('PAN-OS emulator: on-box CSR, export and import', () => {
  it('generates a key + CSR, exports it as PKCS#10, and completes the entry with the signed certificate', async () => {
    const em = await start();
    const key = await keygen(em);
    const gen = await op(em, key, GENERATE('web-2025', 'www.example.com'));
    assert.equal(gen.xml.response['@_status'], 'success', gen.text);

    const pending = await config(em, key, 'get', SHARED_CERT('web-2025'));
    const entry = pending.xml.response.result.entry;
    assert.equal(pending.xml.response['@_code'], '19');
    assert.ok(entry.csr.includes('BEGIN CERTIFICATE REQUEST'));
    assert.ok(entry['private-key'].length > 20);
    assert.equal(entry['public-key'], undefined);
    assert.equal(entry['@_admin'], 'fwcert-api', 'candidate get marks who changed the node');

    const exp = await call(em, { query: { type: 'export', category: 'certificate', 'certificate-name': 'web-2025', format: 'pkcs10', key } });
    assert.equal(exp.headers['content-type'], 'application/octet-stream');
    assert.match(String(exp.headers['content-disposition']), /filename=web-2025\.csr/);
    const csrPem = exp.text;
    execFileSync('openssl', ['req', '-verify', '-noout'], { input: csrPem, stdio: ['pipe', 'ignore', 'ignore'] });
    const csr = parseCsr(csrPem);
    assert.equal(csr.subject.cn, 'www.example.com');
    assert.deepEqual(csr.sans.sort(), ['192.0.2.10', 'alt.example.com', 'www.example.com']);
    assert.deepEqual(csr.keySpec, { type: 'rsa', size: 2048 });
    assert.match(execFileSync('openssl', ['req', '-noout', '-text'], { input: csrPem }).toString(), /email:pki@example\.com/);

    const ca = await createCa({ subject: { cn: 'Lab Issuing CA', o: 'Lab' }, days: 30 });
    const leaf = await issueCertificate({ csrPem, issuerCertPem: ca.certPem, issuerKeyPem: ca.keyPem, days: 90 });
    const imp = await importFile(em, key, { category: 'certificate', 'certificate-name': 'web-2025', format: 'pem' }, { filename: 'web.pem', data: leaf });
    assert.equal(imp.xml.response['@_status'], 'success', imp.text);

    const done = (await config(em, key, 'get', SHARED_CERT('web-2025'))).xml.response.result.entry;
    assert.equal(done['public-key'].trim(), leaf.trim());
    assert.equal(done.csr, undefined);
    assert.ok(done['private-key'].length > 20, 'the on-box key stays');
    assert.equal(done['common-name'], 'www.example.com');
    assert.equal(done.issuer, '/O=Lab/CN=Lab Issuing CA');
    assert.equal(done.ca, 'no');
    assert.equal(done.algorithm, 'RSA');
    assert.equal(Number(done['expiry-epoch']), Math.floor(parseCertificate(leaf).notAfter.getTime() / 1000));
    assert.match(done['not-valid-after'], /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT$/);
    const hash = execFileSync('openssl', ['x509', '-noout', '-subject_hash'], { input: leaf }).toString().trim();
    assert.equal(done['subject-hash'], hash);

    const s = await lab(em);
    const c = s.certificates.find((x) => x.name === 'web-2025')!;
    assert.deepEqual([c.cn, c.serial, c.hasPrivateKey, c.csrPending], ['www.example.com', parseCertificate(leaf).serial, true, false]);
    assert.deepEqual(s.internalErrors, []);

    const pem = await call(em, { query: { type: 'export', category: 'certificate', 'certificate-name': 'web-2025', format: 'pem', 'include-key': 'no', key } });
    assert.equal(pem.text.trim(), leaf.trim());
    assert.match(String(pem.headers['content-disposition']), /filename=web-2025\.pem/);
  });

  it('signs on the box: a self-signed CA (no signed-by) and a leaf signed-by that CA object', async () => {
    const em = await start();
    const key = await keygen(em);
    const ca = await op(em, key, '<request><certificate><generate><certificate-name>Box-CA</certificate-name><name>Box CA</name><algorithm><ECDSA><ecdsa-nbits>384</ecdsa-nbits></ECDSA></algorithm><digest>sha384</digest><ca>yes</ca><days-till-expiry>30</days-till-expiry></generate></certificate></request>');
    assert.equal(ca.xml.response['@_status'], 'success', ca.text);
    const leaf = await op(em, key, '<request><certificate><generate><certificate-name>box-leaf</certificate-name><name>box.example.com</name><signed-by>Box-CA</signed-by><hostname><member>box.example.com</member></hostname></generate></certificate></request>');
    assert.equal(leaf.xml.response['@_status'], 'success', leaf.text);
    const caEntry = (await config(em, key, 'get', SHARED_CERT('Box-CA'))).xml.response.result.entry;
    const leafEntry = (await config(em, key, 'get', SHARED_CERT('box-leaf'))).xml.response.result.entry;
    assert.deepEqual([caEntry.ca, caEntry.algorithm, leafEntry.ca, leafEntry.issuer], ['yes', 'EC', 'no', '/CN=Box CA']);
    const dir = mkdtempSync(join(tmpdir(), 'panos-test-'));
    try {
      writeFileSync(`${dir}/ca.pem`, caEntry['public-key']);
      writeFileSync(`${dir}/leaf.pem`, leafEntry['public-key']);
      execFileSync('openssl', ['verify', '-CAfile', `${dir}/ca.pem`, `${dir}/leaf.pem`], { stdio: 'ignore' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const unknownSigner = await op(em, key, '<request><certificate><generate><certificate-name>x1</certificate-name><name>x</name><signed-by>No-Such-CA</signed-by></generate></certificate></request>');
    assert.equal(unknownSigner.xml.response['@_code'], '17');
  });

  it('refuses a certificate whose key is not the one behind the pending CSR', async () => {
    const em = await start();
    const key = await keygen(em);
    await op(em, key, GENERATE('vpn-2025', 'vpn.example.com'));
    const other = await generateKeyPair({ type: 'rsa', size: 2048 });
    const foreignCsr = await createCsr({ subject: { cn: 'vpn.example.com' }, sans: [], key: { type: 'rsa', size: 2048 } }, other.privateKeyPem);
    const ca = await createCa({ subject: { cn: 'Lab CA' }, days: 30 });
    const wrong = await issueCertificate({ csrPem: foreignCsr, issuerCertPem: ca.certPem, issuerKeyPem: ca.keyPem, days: 30 });
    const r = await importFile(em, key, { category: 'certificate', 'certificate-name': 'vpn-2025', format: 'pem' }, { filename: 'x.pem', data: wrong });
    assert.equal(r.xml.response['@_status'], 'error');
    assert.match(messageOf(r), /Import of vpn-2025 failed\. private key doesn't exist for csr/);
    const c = (await lab(em)).certificates.find((x) => x.name === 'vpn-2025')!;
    assert.equal(c.csrPending, true);
  });

  it('imports a PKCS#12 keypair and a CA certificate as its own object; checks names and passphrases', async () => {
    const em = await start();
    const key = await keygen(em);
    const ca = await createCa({ subject: { cn: 'Lab Root' }, days: 30 });
    const pair = await generateKeyPair({ type: 'ecdsa', curve: 'P-384' });
    const csrPem = await createCsr({ subject: { cn: 'portal.example.com' }, sans: [], key: { type: 'ecdsa', curve: 'P-384' } }, pair.privateKeyPem);
    const leaf = await issueCertificate({ csrPem, issuerCertPem: ca.certPem, issuerKeyPem: ca.keyPem, days: 30 });
    const p12 = toPkcs12({ keyPem: pair.privateKeyPem, certPem: leaf, passphrase: 'p12-secret' });

    const short = await importFile(em, key, { category: 'keypair', 'certificate-name': 'portal', format: 'pkcs12', passphrase: '12345' }, { filename: 'p.p12', data: p12 });
    assert.equal(short.xml.response['@_status'], 'error', 'passphrases shorter than 6 characters are refused');
    const ok = await importFile(em, key, { type: 'import', category: 'keypair', 'certificate-name': 'portal', format: 'pkcs12', passphrase: 'p12-secret' }, { filename: 'p.p12', data: p12 }, false);
    assert.equal(ok.xml.response['@_status'], 'success', ok.text);
    const caImp = await importFile(em, key, { category: 'certificate', 'certificate-name': 'Lab-Root', format: 'pem' }, { filename: 'ca.pem', data: ca.certPem });
    assert.equal(caImp.xml.response['@_status'], 'success', caImp.text);

    const s = await lab(em);
    const portal = s.certificates.find((c) => c.name === 'portal')!;
    const root = s.certificates.find((c) => c.name === 'Lab-Root')!;
    assert.deepEqual([portal.hasPrivateKey, portal.ca], [true, false]);
    assert.deepEqual([root.hasPrivateKey, root.ca], [false, true]);
    assert.equal((await config(em, key, 'get', SHARED_CERT('portal'))).xml.response.result.entry.algorithm, 'EC');

    const star = await importFile(em, key, { category: 'certificate', 'certificate-name': '*.example.com', format: 'pem' }, { filename: 'c.pem', data: leaf });
    assert.equal(star.xml.response['@_code'], '17');
    assert.match(messageOf(star), /certificate-name '\*\.example\.com' is invalid/);

    const quoted = await call(em, { query: { type: 'import' }, multipart: { fields: { key, category: 'certificate', 'certificate-name': 'q', format: 'pem' }, file: { filename: 'c.pem', data: leaf }, quoteBoundary: true } });
    assert.equal(quoted.xml.response['@_status'], 'error', 'quoted multipart boundary refused (knob rejectQuotedMultipartBoundary)');
  });

  it('accepts a multipart body with bytes after the closing boundary (RFC 2046 epilogue)', async () => {
    const em = await start();
    const key = await keygen(em);
    const ca = await createCa({ subject: { cn: 'Epilogue Root' }, key: { type: 'ecdsa', curve: 'P-256' }, days: 30 });
    for (const [i, epilogue] of ['\r\n', '\n\r\n', 'trailing junk\r\n'].entries()) {
      const r = await call(em, {
        query: { type: 'import' },
        multipart: { fields: { key, category: 'certificate', 'certificate-name': `epi-${i}`, format: 'pem' }, file: { filename: 'ca.pem', data: ca.certPem }, epilogue },
      });
      assert.equal(r.xml.response['@_status'], 'success', `${JSON.stringify(epilogue)}: ${r.text}`);
    }
    assert.ok((await lab(em)).certificates.some((c) => c.name === 'epi-2'));
  });
});

describe('PAN-OS emulator: config xpath', () => {
  it('sets, edits, gets and deletes with xpath; missing objects answer success + code 7', async () => {
    const em = await start();
    const key = await keygen(em);
    const addr = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/address";
    const set = await config(em, key, 'set', addr, '<entry name="db-1"><ip-netmask>10.0.0.20</ip-netmask><description>db</description></entry>');
    assert.deepEqual([set.xml.response['@_status'], set.xml.response['@_code']], ['success', '20']);

    const got = await config(em, key, 'get', `${addr}/entry[@name='db-1']`);
    assert.equal(got.xml.response['@_code'], '19');
    assert.equal(got.xml.response.result['@_total-count'], '1');
    assert.equal(got.xml.response.result.entry['ip-netmask'], '10.0.0.20');

    const edit = await config(em, key, 'edit', `${addr}/entry[@name='db-1']/ip-netmask`, '<ip-netmask>10.0.0.21</ip-netmask>');
    assert.equal(edit.xml.response['@_code'], '20');
    assert.equal((await config(em, key, 'get', `${addr}/entry[@name='db-1']/ip-netmask`)).xml.response.result['ip-netmask']['#text'] ?? '', '10.0.0.21');
    assert.equal((await config(em, key, 'show', `${addr}/entry[@name='db-1']`)).xml.response['@_code'], '7', 'show reads running: not there before a commit');

    const badEdit = await config(em, key, 'edit', `${addr}/entry[@name='db-1']`, '<entry name="other"/>');
    assert.equal(badEdit.xml.response['@_status'], 'error');

    const del = await config(em, key, 'delete', `${addr}/entry[@name='db-1']`);
    assert.equal(del.xml.response['@_code'], '20');
    const gone = await config(em, key, 'get', `${addr}/entry[@name='db-1']`);
    assert.deepEqual([gone.xml.response['@_status'], gone.xml.response['@_code']], ['success', '7']);

    const referenced = await config(em, key, 'delete', SHARED_CERT('gp-portal-default'));
    assert.equal(referenced.xml.response['@_code'], '10');
    assert.match(messageOf(referenced), /gp-portal-profile -> certificate/);

    for (const bad of ['//certificate', '/config/shared/certificate/entry[1]', 'config/shared', "/config/shared/certificate/entry[@name='x' or 1=1]"]) {
      assert.equal((await config(em, key, 'get', bad)).xml.response['@_code'], '6', bad);
    }
    const malformed = await config(em, key, 'set', addr, '<entry name="x"><ip-netmask>1</entry>');
    assert.equal(malformed.xml.response['@_code'], '18');
  });

  it('treats an injection string in names and values as a literal, or refuses it', async () => {
    const em = await start();
    const key = await keygen(em);
    const evil = `a']/x | <y>&`;
    const addr = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/address";

    // Double-quoted literal: matched as a plain string, so nothing is found.
    const lit = await config(em, key, 'get', `/config/shared/certificate/entry[@name="${evil}"]`);
    assert.deepEqual([lit.xml.response['@_status'], lit.xml.response['@_code']], ['success', '7']);
    // Single-quoted: the literal ends early and the rest is not xpath this device evaluates.
    assert.equal((await config(em, key, 'get', `/config/shared/certificate/entry[@name='${evil}']`)).xml.response['@_code'], '6');

    // Escaped XML in an element is stored as text and comes back escaped.
    await config(em, key, 'set', addr, '<entry name="web-2"><ip-netmask>10.0.0.2</ip-netmask><description>a\']/x | &lt;y&gt;&amp;</description></entry>');
    const back = await config(em, key, 'get', `${addr}/entry[@name="web-2"]/description`);
    assert.ok(back.text.includes('a&apos;]/x | &lt;y&gt;&amp;') || back.text.includes("a']/x | &lt;y&gt;&amp;"), back.text);
    assert.ok(!back.text.includes('<y>'));

    // Object names with it are refused (certificate names follow the device's name rules).
    const setName = await config(em, key, 'set', '/config/shared/certificate', `<entry name="a']/x | &lt;y&gt;&amp;"><common-name>x</common-name></entry>`);
    assert.equal(setName.xml.response['@_code'], '12');
    const gen = await op(em, key, GENERATE(`a']/x | &lt;y&gt;&amp;`, 'x.example.com'));
    assert.equal(gen.xml.response['@_code'], '17');
    const exp = await call(em, { query: { type: 'export', category: 'certificate', 'certificate-name': evil, format: 'pem', key } });
    assert.equal(exp.xml.response['@_status'], 'error');
    assert.ok(!(await lab(em)).candidateXml.includes('<y>'));
  });
});

describe('PAN-OS emulator: commits and jobs', () => {
  it('partial commit applies only that admin\'s changes; a full commit applies the rest', async () => {
    const em = await start();
    const kApi = await keygen(em, 0);
    const kAlice = await keygen(em, 1);
    const addr = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/address";
    await config(em, kAlice, 'set', addr, '<entry name="alice-host"><ip-netmask>10.9.9.9</ip-netmask></entry>');
    await config(em, kApi, 'set', GP_PROFILE, '<certificate>inbound-web-default</certificate>');

    const partial = `<commit><partial><admin><member>fwcert-api</member></admin></partial><description>fwcert renewal</description></commit>`;
    const { job, enqueue } = await commitAndWait(em, kApi, partial);
    assert.match(messageOf(enqueue), /Commit job enqueued with jobid 2/);
    assert.deepEqual([job.result, job.progress, job.type, job.user], ['OK', '100', 'Commit', 'fwcert-api']);
    let s = await lab(em);
    assert.equal(s.serviceProfiles.running['gp-portal-profile'], 'inbound-web-default');
    assert.ok(!s.runningXml.includes('alice-host'), "alice's change stays pending");
    assert.deepEqual(Object.keys(s.pendingChanges), ['alice']);
    assert.equal((await op(em, kApi, '<check><pending-changes/></check>')).xml.response.result, 'yes');

    const nothing = await commit(em, kApi, partial);
    assert.deepEqual([nothing.xml.response['@_code'], nothing.xml.response.msg], ['19', 'There are no changes to commit.']);

    await commitAndWait(em, kApi);
    s = await lab(em);
    assert.ok(s.runningXml.includes('alice-host'));
    assert.deepEqual(s.pendingChanges, {});
    const none = await commit(em, kApi);
    assert.equal(none.xml.response.msg, 'There are no changes to commit.');
    assert.equal(none.xml.response.result, undefined, 'no job');
    assert.equal((await lab(em)).counters.commit, 4, 'four commit requests, two of them jobs');
  });

  it('accepts the documented commit forms: description first or absent, in <partial> (pan-chainguard), action=partial', async () => {
    const em = await start();
    const key = await keygen(em, 0);
    const forms: [string, Record<string, string>, string][] = [
      // pan-os-python FirewallCommit.element(): <description> before <partial>; acme.sh/Keyfactor add action=partial.
      ['<commit><description>renewal one</description><partial><admin><member>fwcert-api</member></admin></partial></commit>', { action: 'partial' }, 'renewal one'],
      ['<commit><partial><admin><member>fwcert-api</member></admin></partial></commit>', { action: 'partial' }, ''],
      ['<commit><partial><description>renewal three</description><admin><member>fwcert-api</member></admin></partial></commit>', {}, 'renewal three'],
      ['<commit><description>full four</description></commit>', {}, 'full four'],
    ];
    for (const [i, [cmd, extra, description]] of forms.entries()) {
      await config(em, key, 'set', GP_PROFILE, `<certificate>${i % 2 ? 'gp-portal-default' : 'inbound-web-default'}</certificate>`);
      const r = await call(em, { form: { type: 'commit', cmd, key, ...extra } });
      assert.equal(r.xml.response['@_code'], '19', `${cmd}: ${r.text}`);
      const { job } = await waitJob(em, key, String(r.xml.response.result.job));
      assert.equal(job.result, 'OK', cmd);
      assert.equal(job.description ?? '', description, cmd);
    }
  });

  it('reports job states ACT/PEND -> FIN with progress and details; a second commit meanwhile is busy', async () => {
    const em = await start({ commitDurationMs: 3_600_000 }); // held ACT until the knob is lowered
    const key = await keygen(em);
    await config(em, key, 'set', GP_PROFILE, '<certificate>inbound-web-default</certificate>');
    const r = await commit(em, key);
    const id = String(r.xml.response.result.job);
    const first = (await op(em, key, `<show><jobs><id>${id}</id></jobs></show>`)).xml.response.result.job;
    assert.deepEqual([first.status, first.result, first.queued], ['ACT', 'PEND', 'NO']);
    assert.equal(first.tfin, 'Still Active');
    const busy = await commit(em, key, '<commit><force/></commit>');
    assert.equal(busy.xml.response['@_status'], 'error');
    assert.match(messageOf(busy), /Another commit\/validate is in progress/);
    em.setKnobs({ commitDurationMs: 0 });
    const { job } = await waitJob(em, key, id);
    assert.deepEqual([job.status, job.result, job.progress], ['FIN', 'OK', '100']);
    assert.match(JSON.stringify(job.details), /Configuration committed successfully/);
    const all = (await op(em, key, '<show><jobs><all/></jobs></show>')).xml.response.result.job;
    assert.equal(all.length, 2, 'boot auto-commit + ours');
  });

  it('with commitConcurrency=queue a second commit waits as PEND and runs after the first', async () => {
    const em = await start({ commitDurationMs: 3_600_000, commitConcurrency: 'queue' });
    const key = await keygen(em);
    await config(em, key, 'set', GP_PROFILE, '<certificate>inbound-web-default</certificate>');
    const id1 = String((await commit(em, key)).xml.response.result.job);
    const id2 = String((await commit(em, key, '<commit><force/></commit>')).xml.response.result.job);
    const queued = (await op(em, key, `<show><jobs><id>${id2}</id></jobs></show>`)).xml.response.result.job;
    assert.deepEqual([queued.status, queued.queued, queued.positionInQ, queued.progress], ['PEND', 'YES', '1', '0']);
    em.setKnobs({ commitDurationMs: 0 });
    assert.equal((await waitJob(em, key, id1)).job.result, 'OK');
    const second = await waitJob(em, key, id2);
    assert.equal(second.job.result, 'OK');
  });

  it('failNextCommit ends the job FIN/FAIL with details and keeps the changes pending; bad references fail validation', async () => {
    const em = await start({ failNextCommit: true });
    const key = await keygen(em);
    await config(em, key, 'set', GP_PROFILE, '<certificate>inbound-web-default</certificate>');
    const { job } = await commitAndWait(em, key);
    assert.deepEqual([job.status, job.result], ['FIN', 'FAIL']);
    assert.match(JSON.stringify(job.details), /Commit failed/);
    assert.equal((await lab(em)).serviceProfiles.running['gp-portal-profile'], 'gp-portal-default');

    await config(em, key, 'set', GP_PROFILE, '<certificate>does-not-exist</certificate>');
    const v = await commitAndWait(em, key);
    assert.equal(v.job.result, 'FAIL');
    assert.match(JSON.stringify(v.job.details), /gp-portal-profile -> certificate 'does-not-exist' is not a valid reference/);
  });

  it('refuses commits while another admin holds the commit lock', async () => {
    const em = await start({ commitLocked: true });
    const key = await keygen(em);
    await config(em, key, 'set', GP_PROFILE, '<certificate>inbound-web-default</certificate>');
    const locked = await commit(em, key);
    assert.equal(locked.xml.response['@_status'], 'error');
    assert.match(messageOf(locked), /Commit lock is already held by alice/);
    em.setKnobs({ commitLocked: false });

    const kAlice = await keygen(em, 1);
    assert.equal((await op(em, kAlice, '<request><commit-lock><add><comment>maintenance</comment></add></commit-lock></request>')).xml.response['@_status'], 'success');
    assert.match(messageOf(await commit(em, key)), /Commit lock is already held by alice/);
    await op(em, kAlice, '<request><commit-lock><remove/></commit-lock></request>');
    assert.equal((await commitAndWait(em, key)).job.result, 'OK');
  });

  it('a passive HA peer refuses writes and commits with code 15 and says so in show high-availability state', async () => {
    const em = await start({}, 'passive');
    const key = await keygen(em);
    const ha = (await op(em, key, '<show><high-availability><state/></high-availability></show>')).xml.response.result;
    assert.deepEqual([ha.enabled, ha.group['local-info'].state], ['yes', 'passive']);
    assert.equal((await config(em, key, 'set', GP_PROFILE, '<certificate>x</certificate>')).xml.response['@_code'], '15');
    assert.equal((await commit(em, key, '<commit><force/></commit>')).xml.response['@_code'], '15');
    assert.equal((await op(em, key, GENERATE('n1', 'n1.example.com'))).xml.response['@_code'], '15');
    assert.equal((await config(em, key, 'get', GP_PROFILE)).xml.response['@_code'], '19', 'reads still work');
    em.setKnobs({ haState: 'active' });
    assert.equal((await config(em, key, 'set', GP_PROFILE, '<certificate>inbound-web-default</certificate>')).xml.response['@_code'], '20');
  });

  it('injects faults per request type', async () => {
    const em = await start({ failNext: { 'config.get': { code: 2, count: 1 }, version: { status: 503 } } });
    const key = await keygen(em);
    const e = await config(em, key, 'get', GP_PROFILE);
    assert.deepEqual([e.xml.response['@_status'], e.xml.response['@_code']], ['error', '2']);
    assert.equal((await config(em, key, 'get', GP_PROFILE)).xml.response['@_code'], '19');
    assert.equal((await call(em, { query: { type: 'version', key } })).status, 503);
  });
});

describe('PAN-OS emulator: data plane', () => {
  it('the GlobalProtect portal port serves the new certificate and its CA chain only after the commit', async () => {
    const em = await start();
    const key = await keygen(em);
    const before = await presented(em);
    const s0 = await lab(em);
    assert.equal(s0.serviceProfiles.running['gp-portal-profile'], 'gp-portal-default');

    await op(em, key, GENERATE('gp-2025', 'vpn.example.com'));
    const csrPem = (await call(em, { query: { type: 'export', category: 'certificate', 'certificate-name': 'gp-2025', format: 'pkcs10', key } })).text;
    const root = await createCa({ subject: { cn: 'Lab Root' }, days: 30 });
    const sub = await createCa({ subject: { cn: 'Lab Issuing' }, days: 30, issuer: root });
    const leaf = await issueCertificate({ csrPem, issuerCertPem: sub.certPem, issuerKeyPem: sub.keyPem, days: 30 });
    await importFile(em, key, { category: 'certificate', 'certificate-name': 'gp-2025', format: 'pem' }, { filename: 'l.pem', data: leaf });
    await importFile(em, key, { category: 'certificate', 'certificate-name': 'Lab-Issuing', format: 'pem' }, { filename: 'i.pem', data: sub.certPem });
    await config(em, key, 'set', GP_PROFILE, '<certificate>gp-2025</certificate>');

    assert.equal((await presented(em)).fingerprint, before.fingerprint, 'candidate changes are not served');
    const r = await commit(em, key);
    const id = String(r.xml.response.result.job);
    await waitJob(em, key, id);
    const after = await presented(em);
    assert.equal(after.fingerprint, certFingerprintSha256(leaf));
    assert.deepEqual(after.chain.slice(0, 1), [certFingerprintSha256(sub.certPem)]);
    const del = await config(em, key, 'delete', SHARED_CERT('gp-2025'));
    assert.equal(del.xml.response['@_code'], '10', 'still bound');
  });

  it('PEM certificate then encrypted key (acme.sh order) works; a mismatched key is accepted and breaks the portal after commit', async () => {
    const em = await start();
    const key = await keygen(em);
    const ca = await createCa({ subject: { cn: 'Lab CA' }, days: 30 });
    const mk = async () => {
      const pair = await generateKeyPair({ type: 'ecdsa', curve: 'P-256' });
      const csrPem = await createCsr({ subject: { cn: 'gp.example.com' }, sans: [], key: { type: 'ecdsa', curve: 'P-256' } }, pair.privateKeyPem);
      return { ...pair, certPem: await issueCertificate({ csrPem, issuerCertPem: ca.certPem, issuerKeyPem: ca.keyPem, days: 30 }) };
    };
    const a = await mk();
    const b = await mk();
    const up = (category: string, data: string) =>
      importFile(em, key, { category, 'certificate-name': 'gp-acme', format: 'pem', passphrase: '123456' }, { filename: 'f.pem', data });
    assert.equal((await up('certificate', a.certPem)).xml.response['@_status'], 'success');
    assert.equal((await up('private-key', encryptPrivateKey(a.privateKeyPem, '123456'))).xml.response['@_status'], 'success');
    await config(em, key, 'set', GP_PROFILE, '<certificate>gp-acme</certificate>');
    await commitAndWait(em, key);
    assert.equal((await presented(em)).fingerprint, certFingerprintSha256(a.certPem));

    // acme.sh #4716: a certificate for another key is refused under a name that holds a key ...
    assert.equal((await up('certificate', b.certPem)).xml.response['@_status'], 'error');
    // ... but the private-key import of a non-matching key succeeds, and the commit goes through.
    assert.equal((await up('private-key', b.privateKeyPem)).xml.response['@_status'], 'success');
    assert.equal((await commitAndWait(em, key)).job.result, 'OK');
    await assert.rejects(presented(em), 'the portal cannot serve a mismatched pair');
    const dp = (em.state() as { dataPlane: Record<string, { problem?: string }> }).dataPlane['gp-portal']!;
    assert.match(dp.problem ?? '', /cannot serve gp-acme/);
  });
});

