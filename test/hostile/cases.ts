// The hostile-input table: what a careless or hostile admin can put into fwcert.yaml, a profile or a
// credentials file, and what fwcert must answer (exit 2, file:line, before anything is sent).
// Each case mutates a valid base setup; `expect` is the reason the message must give.

export type Files = Record<string, string>;

export interface HostileCase {
  name: string;
  /** Edits the base files (text) before they are written. */
  files?: (f: Files) => void;
  /** Makes special files (FIFOs, directories, symlinks) after the files are written. */
  prepare?: (dir: string) => void;
  /** Config path to load instead of <dir>/fwcert.yaml (absolute, or relative to the setup folder). */
  config?: string;
  expect: RegExp;
}

export const PEM_SHAPED_GARBAGE = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';

export const BASE_CONFIG = `log: { level: info, file: logs/fwcert.log }
ledger: { path: state/fwcert.db }
secrets: { passphrase_file: secrets/passphrase }
cas:
  sectigo:
    type: sectigo-scm
    url: https://scm.example.com/api/ssl/v1
    customer_uri: example
    org_id: 12345
    credentials: credentials/scm.yaml
    tls: { ca_file: trust/scm.pem }
  acme:
    type: acme
    directory: https://acme.example.com/directory
    agree_tos: true
    challenge: { type: none }
devices:
  ftd-1:
    type: cisco-fdm
    url: https://192.0.2.1
    credentials: credentials/ftd.yaml
    tls: { sha256: "${'AB:'.repeat(31)}AB" }
  pa-1:
    type: paloalto
    url: https://192.0.2.2
    credentials: credentials/pa.yaml
    tls: { sha256: "${'CD:'.repeat(31)}CD" }
profiles_dir: profiles
`;

export const BASE_PROFILE = `name: vpn-portal
ca: sectigo
sectigo: { cert_type: 1234, term: 365 }
subject: { cn: vpn.example.com, o: Example Inc, ou: Network, l: Springfield, st: Oregon, c: US }
sans: [vpn2.example.com]
key: { type: rsa, size: 3072 }
targets:
  - device: ftd-1
    bind: { ravpn: true }
`;

export const BASE_PA_PROFILE = `name: gp-portal
ca: acme
subject: { cn: gp.example.com }
key: { type: ecdsa, curve: P-256 }
targets:
  - device: pa-1
    bind: { ssl_tls_service_profiles: [gp-portal-profile] }
`;

export function baseFiles(caPem: string): Files {
  return {
    'fwcert.yaml': BASE_CONFIG,
    'profiles/vpn-portal.yaml': BASE_PROFILE,
    'profiles/gp-portal.yaml': BASE_PA_PROFILE,
    'credentials/scm.yaml': 'login: api-user\npassword: scm-secret-1\n',
    'credentials/ftd.yaml': 'username: admin\npassword: ftd-secret-1\n',
    'credentials/pa.yaml': 'username: fwcert\npassword: pa-secret-1\n',
    'secrets/passphrase': 'a long passphrase\n',
    'trust/scm.pem': caPem,
  };
}

/** Replaces `from` by `to` in file `f` (and insists it was there, so a case cannot silently test nothing). */
function sub(files: Files, f: string, from: string, to: string): void {
  const text = files[f];
  if (text === undefined || !text.includes(from)) throw new Error(`case setup: "${from}" not in ${f}`);
  files[f] = text.replace(from, to);
}

const q = (s: string) => JSON.stringify(s); // a YAML double-quoted scalar (escapes \0, \r, \n ...)

const cases: HostileCase[] = [];
const add = (c: HostileCase) => cases.push(c);

// ---- special files in every place fwcert reads a path ---------------------------------------------
const SPECIAL: { what: string; path: string; expect: RegExp; prepare?: (dir: string, p: string) => void }[] = [
  { what: '/dev/zero', path: '/dev/zero', expect: /character device, not a regular file/ },
  { what: '/dev/urandom', path: '/dev/urandom', expect: /character device, not a regular file/ },
  { what: 'a FIFO', path: 'special/fifo', expect: /FIFO \(named pipe\), not a regular file/, prepare: (d, p) => mkfifo(`${d}/${p}`) },
  { what: 'a directory', path: 'special/dir', expect: /directory, not a regular file/, prepare: (d, p) => mkdir(`${d}/${p}`) },
  { what: 'a symlink to /dev/zero', path: 'special/zero-link', expect: /character device, not a regular file/, prepare: (d, p) => symlink('/dev/zero', `${d}/${p}`) },
  { what: 'a 2 MiB file', path: 'special/huge', expect: /larger than/, prepare: (d, p) => writeBig(`${d}/${p}`) },
];
let mkfifo: (p: string) => void = () => undefined;
let mkdir: (p: string) => void = () => undefined;
let symlink: (target: string, p: string) => void = () => undefined;
let writeBig: (p: string) => void = () => undefined;
export function setFileMakers(m: { mkfifo: typeof mkfifo; mkdir: typeof mkdir; symlink: typeof symlink; writeBig: typeof writeBig }): void {
  ({ mkfifo, mkdir, symlink, writeBig } = m);
}

for (const s of SPECIAL) {
  const prepare = s.prepare ? (d: string) => s.prepare!(d, s.path) : undefined;
  add({ name: `credentials file is ${s.what}`, files: (f) => sub(f, 'fwcert.yaml', 'credentials/ftd.yaml', s.path), prepare, expect: new RegExp(`fwcert\\.yaml:21: credentials file .*${s.expect.source}`) });
  add({ name: `CA credentials file is ${s.what}`, files: (f) => sub(f, 'fwcert.yaml', 'credentials/scm.yaml', s.path), prepare, expect: new RegExp(`fwcert\\.yaml:10: credentials file .*${s.expect.source}`) });
  add({ name: `passphrase file is ${s.what}`, files: (f) => sub(f, 'fwcert.yaml', 'secrets/passphrase', s.path), prepare, expect: new RegExp(`fwcert\\.yaml:3: passphrase file .*${s.expect.source}`) });
  add({ name: `tls.ca_file is ${s.what}`, files: (f) => sub(f, 'fwcert.yaml', 'trust/scm.pem', s.path), prepare, expect: new RegExp(`fwcert\\.yaml:11: tls\\.ca_file .*${s.expect.source}`) });
  add({ name: `a profile file is ${s.what}`, prepare: (d) => {
    prepare?.(d);
    symlink(s.path.startsWith('/') ? s.path : `${d}/${s.path}`, `${d}/profiles/zz-special.yaml`);
  }, expect: new RegExp(`zz-special\\.yaml:1: this file .*${s.expect.source}`) });
  add({ name: `the config itself is ${s.what}`, prepare, config: s.path, expect: new RegExp(`:1: this file .*${s.expect.source}`) });
}

// ---- where fwcert writes --------------------------------------------------------------------------
const OUTPUT_TARGETS: { what: string; path: string; expect: RegExp; prepare?: (dir: string) => void }[] = [
  { what: 'the config file', path: 'fwcert.yaml', expect: /is the configuration file, which fwcert reads/ },
  { what: 'a profile', path: 'profiles/vpn-portal.yaml', expect: /is a profile file, which fwcert reads/ },
  { what: 'a credentials file', path: 'credentials/ftd.yaml', expect: /is a credentials file, which fwcert reads/ },
  { what: 'the passphrase file', path: 'secrets/passphrase', expect: /is the passphrase file, which fwcert reads/ },
  { what: 'a trust file', path: 'trust/scm.pem', expect: /is a tls\.ca_file, which fwcert reads/ },
  { what: 'the config through ../', path: 'profiles/../fwcert.yaml', expect: /is the configuration file/ },
  { what: 'a directory', path: 'profiles', expect: /is a directory; it must be a regular file/ },
  { what: '/dev/null', path: '/dev/null', expect: /is a character device; it must be a regular file/ },
  { what: 'a FIFO', path: 'special/out-fifo', expect: /is a FIFO \(named pipe\); it must be a regular file/, prepare: (d) => mkfifo(`${d}/special/out-fifo`) },
];
for (const o of OUTPUT_TARGETS) {
  add({ name: `log.file is ${o.what}`, files: (f) => sub(f, 'fwcert.yaml', 'file: logs/fwcert.log', `file: ${o.path}`), prepare: o.prepare, expect: new RegExp(`fwcert\\.yaml:1: log\\.file: .*${o.expect.source}`) });
  add({ name: `ledger.path is ${o.what}`, files: (f) => sub(f, 'fwcert.yaml', 'path: state/fwcert.db', `path: ${o.path}`), prepare: o.prepare, expect: new RegExp(`fwcert\\.yaml:2: ledger\\.path: .*${o.expect.source}`) });
}
add({ name: 'ledger.path is :memory:', files: (f) => sub(f, 'fwcert.yaml', 'path: state/fwcert.db', 'path: ":memory:"'), expect: /fwcert\.yaml:2: ledger\.path: ":memory:" is not allowed: an in-memory or URI database forgets every order/ });
add({ name: 'ledger.path is a SQLite URI', files: (f) => sub(f, 'fwcert.yaml', 'path: state/fwcert.db', 'path: "file::memory:?cache=shared"'), expect: /fwcert\.yaml:2: ledger\.path: .*not allowed/ });
add({ name: 'log.file is the ledger', files: (f) => sub(f, 'fwcert.yaml', 'file: logs/fwcert.log', 'file: state/fwcert.db'), expect: /fwcert\.yaml:1: log\.file: .* is the ledger, which fwcert reads/ });
add({ name: 'log.file is the run lock', files: (f) => sub(f, 'fwcert.yaml', 'file: logs/fwcert.log', 'file: state/fwcert.db.lock'), expect: /fwcert\.yaml:1: log\.file: .* is the ledger \(\.lock\)/ });

// ---- YAML itself ----------------------------------------------------------------------------------
const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`)].join('\n');
add({ name: 'alias bomb in the config', files: (f) => (f['fwcert.yaml'] = `${bomb}\n${f['fwcert.yaml']}`), expect: /fwcert\.yaml:2: YAML aliases expand too much/ });
add({ name: 'alias bomb in a profile', files: (f) => (f['profiles/vpn-portal.yaml'] = `${f['profiles/vpn-portal.yaml']}${bomb.replace(/^a:/, 'x:')}\n`), expect: /vpn-portal\.yaml:\d+: YAML aliases expand too much/ });
add({ name: 'alias bomb in a credentials file', files: (f) => (f['credentials/ftd.yaml'] = `${f['credentials/ftd.yaml']}${bomb.replace(/^a:/, 'x:')}\n`), expect: /ftd\.yaml.*:\d+: YAML aliases expand too much/ });
add({ name: 'an alias to an anchor that does not exist', files: (f) => (f['fwcert.yaml'] = `x: *nowhere\n${f['fwcert.yaml']}`), expect: /fwcert\.yaml:1: malformed YAML/ });
add({ name: 'nesting 20000 deep', files: (f) => (f['fwcert.yaml'] = `x: ${'['.repeat(20000)}${']'.repeat(20000)}\n`), expect: /fwcert\.yaml:\d+: malformed YAML/ });
add({ name: 'a duplicate key', files: (f) => (f['fwcert.yaml'] = `${f['fwcert.yaml']}profiles_dir: elsewhere\n`), expect: /fwcert\.yaml:29: malformed YAML: map keys must be unique \(duplicate key "profiles_dir"\)/ });
add({ name: 'a duplicate device', files: (f) => sub(f, 'fwcert.yaml', '  pa-1:\n', '  ftd-1:\n'), expect: /fwcert\.yaml:23: malformed YAML: .*duplicate key "ftd-1"/ });
add({ name: 'tabs for indentation', files: (f) => sub(f, 'fwcert.yaml', '  ftd-1:\n    type', '  ftd-1:\n\ttype'), expect: /fwcert\.yaml:\d+: malformed YAML/ });
add({ name: 'binary garbage as config', files: (f) => (f['fwcert.yaml'] = '\x00\x01\x02\xff\xfe\x7f'), expect: /fwcert\.yaml:1: / });
add({ name: 'a YAML list as config', files: (f) => (f['fwcert.yaml'] = '- a\n- b\n'), expect: /fwcert\.yaml:1: .*expected object/ });
add({ name: 'a YAML list as profile', files: (f) => (f['profiles/vpn-portal.yaml'] = '- a\n'), expect: /vpn-portal\.yaml:1: a profile must be a mapping/ });
add({ name: 'a scalar as credentials', files: (f) => (f['credentials/ftd.yaml'] = 'just a string\n'), expect: /ftd\.yaml:1: credentials must be a YAML mapping/ });
add({ name: 'a config over 1 MiB', files: (f) => (f['fwcert.yaml'] = `${f['fwcert.yaml']}${'#'.repeat(1024 * 1024)}\n`), expect: /fwcert\.yaml:1: this file is larger than 1 MiB/ });
add({ name: '60000 unknown keys: the first 50 and a count', files: (f) => (f['fwcert.yaml'] = `${f['fwcert.yaml']}${Array.from({ length: 60000 }, (_, i) => `k${i}: 1`).join('\n')}\n`), expect: /fwcert\.yaml:29: unknown key "k0"[\s\S]*\.\.\. and 59950 more problem\(s\) not shown/ });
add({ name: 'a JS function tag', files: (f) => (f['fwcert.yaml'] = `${f['fwcert.yaml']}hook: !!js/function "function(){}"\n`), expect: /fwcert\.yaml:29: unknown key "hook"/ });

// ---- names: prototype keys, injection into names -----------------------------------------------------
for (const n of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']) {
  add({ name: `target device "${n}" that is not defined`, files: (f) => sub(f, 'profiles/vpn-portal.yaml', 'device: ftd-1', `device: ${n}`), expect: new RegExp(`vpn-portal\\.yaml:8: target device "${n}" is not defined`) });
  add({ name: `profile CA "${n}" that is not defined`, files: (f) => sub(f, 'profiles/vpn-portal.yaml', 'ca: sectigo', `ca: ${n}`), expect: new RegExp(`vpn-portal\\.yaml:2: ca "${n}" is not defined`) });
}
add({ name: 'a device named __proto__', files: (f) => sub(f, 'fwcert.yaml', '  pa-1:\n', '  __proto__:\n'), expect: /fwcert\.yaml:23: devices\.__proto__: the name "__proto__" is reserved/ });
add({ name: 'a CA named __proto__', files: (f) => sub(f, 'fwcert.yaml', '  acme:\n', '  __proto__:\n'), expect: /fwcert\.yaml:12: cas\.__proto__: the name "__proto__" is reserved/ });
add({ name: 'a profile named __proto__', files: (f) => sub(f, 'profiles/vpn-portal.yaml', 'name: vpn-portal', 'name: __proto__'), expect: /vpn-portal\.yaml:1: name: a profile name/ });
add({ name: 'a top-level __proto__ key', files: (f) => (f['fwcert.yaml'] = `${f['fwcert.yaml']}__proto__: { concurrency: 0 }\n`), expect: /fwcert\.yaml:29: unknown key "__proto__"/ });
add({ name: 'the same device twice in one profile', files: (f) => (f['profiles/vpn-portal.yaml'] = `${f['profiles/vpn-portal.yaml']}  - device: ftd-1\n    bind: { webui: true }\n`), expect: /vpn-portal\.yaml:10: targets\.1\.device: device "ftd-1" is already a target of this profile/ });
for (const n of ['../../etc/passwd', 'a/b', 'a b', 'a;rm -rf', "a'b", 'a"b', '-lead', 'x'.repeat(64), '.hidden']) {
  add({ name: `device name ${q(n)}`, files: (f) => sub(f, 'fwcert.yaml', '  pa-1:\n', `  ${q(n)}:\n`), expect: /fwcert\.yaml:24: devices\..*: a device name: letters, digits/ });
}
for (const n of ['../etc', 'a b', "a'b", 'a<b', '_x', 'x'.repeat(48), 'a/b']) {
  add({ name: `profile name ${q(n)}`, files: (f) => sub(f, 'profiles/vpn-portal.yaml', 'name: vpn-portal', `name: ${q(n)}`), expect: /vpn-portal\.yaml:1: name: a profile name/ });
}
const XPATH_NAMES = ["gp' or '1'='1", 'gp"]/x', 'gp<b>', 'gp&amp;', 'gp]', 'gp[1]', 'gp/../x', 'gp|x', 'gp*', '_gp', 'gp ', 'x'.repeat(64), "gp'"];
for (const n of XPATH_NAMES) {
  add({ name: `PAN-OS bind name ${q(n)}`, files: (f) => sub(f, 'profiles/gp-portal.yaml', '[gp-portal-profile]', `[${q(n)}]`), expect: /gp-portal\.yaml:7: targets\.0\.bind\.ssl_tls_service_profiles\.0: object name .* is invalid/ });
}
add({ name: 'PAN-OS decryption rule with XML', files: (f) => sub(f, 'profiles/gp-portal.yaml', 'bind: { ssl_tls_service_profiles: [gp-portal-profile] }', 'bind: { decryption_rules: ["</entry><entry name=\'x\'>"] }'), expect: /gp-portal\.yaml:7: targets\.0\.bind\.decryption_rules\.0: object name .* is invalid/ });

// ---- subject fields and SANs ------------------------------------------------------------------------
const SUBJECT_BAD: [string, string][] = [['NUL', 'a\0b'], ['CR', 'a\rb'], ['LF', 'a\nb'], ['<', 'a<b'], ["'", "a'b"], ['"', 'a"b'], ['&', 'a&b'], ['backslash', 'a\\b']];
for (const field of ['o', 'ou', 'l', 'st']) {
  const from = { o: 'o: Example Inc', ou: 'ou: Network', l: 'l: Springfield', st: 'st: Oregon' }[field]!;
  for (const [what, v] of SUBJECT_BAD) {
    add({ name: `subject.${field} with ${what}`, files: (f) => sub(f, 'profiles/vpn-portal.yaml', from, `${field}: ${q(v)}`), expect: new RegExp(`vpn-portal\\.yaml:4: subject\\.${field}: |vpn-portal\\.yaml:4: subject\\.${field}: control characters`) });
  }
}
for (const [what, v] of [...SUBJECT_BAD, ['a space', 'vpn example.com'], ['an IP out of range', '192.168.1.300'], ['a slash', 'vpn/x.example.com'], ['a trailing dot label', 'vpn..example.com']] as [string, string][]) {
  add({ name: `subject.cn with ${what}`, files: (f) => sub(f, 'profiles/vpn-portal.yaml', 'cn: vpn.example.com', `cn: ${q(v)}`), expect: /vpn-portal\.yaml:4: subject\.cn: / });
}
const BAD_SANS = ['192.168.1.300', '10.0.0.256', '1.2.3', '999', 'a\0b.example.com', 'a\r\nb.example.com', 'a<b.example.com', "a'b.example.com", 'a b.example.com', '*.*.example.com', 'vpn..example.com', '-vpn.example.com', 'vpn-.example.com', 'vpn_x.example.com', '../etc/passwd', 'x'.repeat(64) + '.example.com', `${'a.'.repeat(130)}com`, 'http://vpn.example.com', 'vpn.example.com/path', 'user@vpn.example.com', 'vpn.example.com:443', ''];
for (const s of BAD_SANS) {
  add({ name: `SAN ${q(s.length > 40 ? `${s.slice(0, 40)}...` : s)}`, files: (f) => sub(f, 'profiles/vpn-portal.yaml', 'sans: [vpn2.example.com]', `sans: [vpn2.example.com, ${q(s)}]`), expect: /vpn-portal\.yaml:5: sans\.1: / });
}
add({ name: 'subject.c that is not a country code', files: (f) => sub(f, 'profiles/vpn-portal.yaml', 'c: US', 'c: "U<"'), expect: /vpn-portal\.yaml:4: subject\.c: a two-letter country code/ });
add({ name: 'subject.email with CRLF', files: (f) => sub(f, 'profiles/vpn-portal.yaml', 'c: US', `c: US, email: ${q('a@b.com\r\nBcc: x@y.com')}`), expect: /vpn-portal\.yaml:4: subject\.email: / });

// ---- URLs ---------------------------------------------------------------------------------------------
const BAD_URLS: [string, string, RegExp][] = [
  ['userinfo', 'https://admin:secret@192.0.2.1', /must not carry user:password@/],
  ['user only', 'https://admin@192.0.2.1', /must not carry user:password@/],
  ['a query', 'https://192.0.2.1/?debug=1', /must not have a query/],
  ['a fragment', 'https://192.0.2.1/#x', /must not have a fragment/],
  ['CR LF', 'https://192.0.2.1/\r\nX-Injected: 1', /must not contain spaces or control characters|control characters \(NUL, CR, LF, tab \.\.\.\) are not allowed/],
  ['LF', 'https://192.0.2.1\n.evil.example', /must not contain spaces or control characters|control characters \(NUL, CR, LF, tab \.\.\.\) are not allowed/],
  ['NUL', 'https://192.0.2.1\0.evil', /must not contain spaces or control characters|control characters \(NUL, CR, LF, tab \.\.\.\) are not allowed/],
  ['tab', 'https://192.0.2.1\t/', /must not contain spaces or control characters|control characters \(NUL, CR, LF, tab \.\.\.\) are not allowed/],
  ['a space', 'https://192.0.2.1 /', /must not contain spaces or control characters|an https:\/\/ URL/],
  ['http', 'http://192.0.2.1', /an https:\/\/ URL|must be an https/],
  ['ftp', 'ftp://192.0.2.1', /an https:\/\/ URL|must be an https/],
  ['javascript', 'javascript:alert(1)', /an https:\/\/ URL|must be an https/],
  ['file', 'file:///etc/passwd', /an https:\/\/ URL|must be an https/],
  ['no host', 'https://', /an https:\/\/ URL|must be an https/],
];
for (const [what, url, expect] of BAD_URLS) {
  add({ name: `device url with ${what}`, files: (f) => sub(f, 'fwcert.yaml', 'url: https://192.0.2.1\n', `url: ${q(url)}\n`), expect: new RegExp(`fwcert\\.yaml:20: devices\\.ftd-1\\.url: .*(${expect.source})`) });
  const scm = url.replace('192.0.2.1', 'scm.example.com').replace(/^(https:\/\/[^/?#\s]*)(.*)$/, '$1/api/ssl/v1$2');
  add({ name: `SCM url with ${what}`, files: (f) => sub(f, 'fwcert.yaml', 'url: https://scm.example.com/api/ssl/v1', `url: ${q(scm)}`), expect: new RegExp(`fwcert\\.yaml:7: cas\\.sectigo\\.url: .*(${expect.source}|url must be)`) });
  add({ name: `ACME directory with ${what}`, files: (f) => sub(f, 'fwcert.yaml', 'directory: https://acme.example.com/directory', `directory: ${q(url.replace('192.0.2.1', 'acme.example.com'))}`), expect: new RegExp(`fwcert\\.yaml:14: cas\\.acme\\.directory: .*(${expect.source})`) });
}

// ---- credentials and CA login fields -----------------------------------------------------------------
for (const [what, c] of [['NUL', '\0'], ['CR', '\r'], ['LF', '\n'], ['CRLF header', '\r\nX-Evil: 1']] as [string, string][]) {
  add({ name: `SCM login with ${what}`, files: (f) => (f['credentials/scm.yaml'] = `login: ${q(`api${c}user`)}\npassword: scm-secret-1\n`), expect: /scm\.yaml:1: credentials of cas\.sectigo: login: control characters/ });
  add({ name: `SCM password with ${what}`, files: (f) => (f['credentials/scm.yaml'] = `login: api-user\npassword: ${q(`scm${c}secret`)}\n`), expect: /scm\.yaml:2: credentials of cas\.sectigo: password: control characters/ });
  add({ name: `SCM customer_uri with ${what}`, files: (f) => sub(f, 'fwcert.yaml', 'customer_uri: example', `customer_uri: ${q(`exa${c}mple`)}`), expect: /fwcert\.yaml:8: cas\.sectigo\.customer_uri: / });
  add({ name: `device username with ${what}`, files: (f) => (f['credentials/ftd.yaml'] = `username: ${q(`ad${c}min`)}\npassword: ftd-secret-1\n`), expect: /ftd\.yaml:1: credentials of devices\.ftd-1: username: control characters/ });
  add({ name: `PAN-OS password with ${what}`, files: (f) => (f['credentials/pa.yaml'] = `username: fwcert\npassword: ${q(`pa${c}secret`)}\n`), expect: /pa\.yaml:2: credentials of devices\.pa-1: password: control characters/ });
}
add({ name: 'credentials with an unknown field', files: (f) => (f['credentials/ftd.yaml'] += 'token: x\n'), expect: /ftd\.yaml:3: unknown key "token"/ });
add({ name: 'credentials with a wrong type', files: (f) => (f['credentials/ftd.yaml'] = 'username: [a]\npassword: x\n'), expect: /ftd\.yaml:1: credentials of devices\.ftd-1: username: / });
add({ name: 'credentials_env naming a bad variable', files: (f) => sub(f, 'fwcert.yaml', 'credentials: credentials/ftd.yaml', 'credentials: credentials/ftd.yaml\n    credentials_env: { password: "A B" }'), expect: /fwcert\.yaml:22: devices\.ftd-1\.credentials_env\.password: an environment variable name/ });
add({ name: 'a missing credentials file through ../', files: (f) => sub(f, 'fwcert.yaml', 'credentials/ftd.yaml', '../../../../nonexistent/creds.yaml'), expect: /fwcert\.yaml:21: credentials file .*creds\.yaml does not exist/ });

// ---- TLS settings -------------------------------------------------------------------------------------
add({ name: 'a garbage ca_file', files: (f) => (f['trust/scm.pem'] = 'this is not a certificate\n'), expect: /fwcert\.yaml:11: tls\.ca_file .*scm\.pem: holds no PEM certificate/ });
add({ name: 'a PEM-shaped garbage ca_file', files: (f) => (f['trust/scm.pem'] = PEM_SHAPED_GARBAGE), expect: /fwcert\.yaml:11: tls\.ca_file .*scm\.pem: certificate 1 of 1 is not a valid X\.509 certificate/ });
add({ name: 'a ca_file with one good and one bad block', files: (f) => (f['trust/scm.pem'] += PEM_SHAPED_GARBAGE), expect: /certificate 2 of 2 is not a valid X\.509 certificate/ });
add({ name: 'a private key as ca_file', files: (f) => (f['trust/scm.pem'] = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), expect: /holds no PEM certificate/ });
add({ name: 'an empty ca_file', files: (f) => (f['trust/scm.pem'] = ''), expect: /holds no PEM certificate/ });
add({ name: 'a missing ca_file', files: (f) => sub(f, 'fwcert.yaml', 'trust/scm.pem', 'trust/none.pem'), expect: /fwcert\.yaml:11: tls\.ca_file .*none\.pem does not exist/ });
add({ name: 'a short sha256 pin', files: (f) => sub(f, 'fwcert.yaml', `${'AB:'.repeat(31)}AB`, 'AB:CD'), expect: /fwcert\.yaml:22: devices\.ftd-1\.tls\.sha256: a SHA-256 fingerprint/ });
add({ name: 'a sha256 pin with XML', files: (f) => sub(f, 'fwcert.yaml', `${'AB:'.repeat(31)}AB`, '<x/>'), expect: /fwcert\.yaml:22: devices\.ftd-1\.tls\.sha256: a SHA-256 fingerprint/ });
add({ name: 'ca_file and insecure together', files: (f) => sub(f, 'fwcert.yaml', 'tls: { ca_file: trust/scm.pem }', 'tls: { ca_file: trust/scm.pem, insecure: true }'), expect: /fwcert\.yaml:11: cas\.sectigo\.tls: use one of ca_file, sha256 or insecure: true/ });
add({ name: 'insecure as a string', files: (f) => sub(f, 'fwcert.yaml', `sha256: "${'AB:'.repeat(31)}AB"`, 'insecure: "yes"'), expect: /fwcert\.yaml:22: devices\.ftd-1\.tls\.insecure: / });
add({ name: 'an unknown tls key', files: (f) => sub(f, 'fwcert.yaml', 'tls: { ca_file: trust/scm.pem }', 'tls: { ca_file: trust/scm.pem, verify: false }'), expect: /fwcert\.yaml:11: unknown key "verify"/ });

// ---- numbers and limits -------------------------------------------------------------------------------
for (const [key, v] of [['concurrency', '0'], ['concurrency', '100000'], ['concurrency', '1.5'], ['max_run_s', '0'], ['max_run_s', '-1'], ['max_run_s', '1e12'], ['max_run_s', '"forever"']] as [string, string][]) {
  add({ name: `${key}: ${v}`, files: (f) => (f['fwcert.yaml'] = `${f['fwcert.yaml']}${key}: ${v}\n`), expect: new RegExp(`fwcert\\.yaml:29: ${key}: `) });
}
for (const v of ['0', '-5', '1e9', '"60"']) {
  add({ name: `device timeout_s: ${v}`, files: (f) => sub(f, 'fwcert.yaml', 'credentials: credentials/ftd.yaml', `credentials: credentials/ftd.yaml\n    timeout_s: ${v}`), expect: /fwcert\.yaml:22: devices\.ftd-1\.timeout_s: / });
  add({ name: `CA timeout_s: ${v}`, files: (f) => sub(f, 'fwcert.yaml', 'credentials: credentials/scm.yaml', `credentials: credentials/scm.yaml\n    timeout_s: ${v}`), expect: /fwcert\.yaml:11: cas\.sectigo\.timeout_s: / });
}
add({ name: 'renewal.before_fraction: 2', files: (f) => (f['fwcert.yaml'] = `${f['fwcert.yaml']}renewal: { before_fraction: 2 }\n`), expect: /fwcert\.yaml:29: renewal\.before_fraction: / });
add({ name: 'PAN-OS vsys with XPath', files: (f) => sub(f, 'fwcert.yaml', 'credentials: credentials/pa.yaml', "credentials: credentials/pa.yaml\n    vsys: \"vsys1']/x\""), expect: /fwcert\.yaml:27: devices\.pa-1\.vsys: / });
add({ name: 'control characters in a commit description', files: (f) => sub(f, 'fwcert.yaml', 'credentials: credentials/pa.yaml', `credentials: credentials/pa.yaml\n    commit: { description: ${q('fwcert\r\n<x/>')} }`), expect: /fwcert\.yaml:27: devices\.pa-1\.commit\.description: control characters/ });
add({ name: 'a NUL in a key', files: (f) => (f['fwcert.yaml'] = `${f['fwcert.yaml']}${q('a\0b')}: 1\n`), expect: /fwcert\.yaml:1: \(top level\): control characters/ });
add({ name: 'profiles_dir that does not exist', files: (f) => sub(f, 'fwcert.yaml', 'profiles_dir: profiles', 'profiles_dir: nowhere'), expect: /fwcert\.yaml:28: profiles_dir .*nowhere cannot be read/ });
add({ name: 'profiles_dir that is a file', files: (f) => sub(f, 'fwcert.yaml', 'profiles_dir: profiles', 'profiles_dir: fwcert.yaml'), expect: /fwcert\.yaml:28: profiles_dir .*cannot be read/ });
add({ name: 'two profiles with one name', files: (f) => (f['profiles/copy.yaml'] = f['profiles/vpn-portal.yaml']!), expect: /profile name "vpn-portal" is already used at/ });

export const HOSTILE_CASES = cases;
