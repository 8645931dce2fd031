// Parsers of the FMC's expert-mode output (shapes from Cisco's renewal note and the FTD command
// reference), host key pinning (fingerprints, plain and hashed known_hosts), and the config keys.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { hostVerifier, knownHostKeys, sshFingerprint } from '../../src/sftunnel/host-key.js';
import { parseFailedPush, parseGenerateCerts, parseOpensslDates, parseTunnelStatus } from '../../src/sftunnel/outputs.js';
import { sftunnelAddress } from '../../src/sftunnel/options.js';

// From the note's generate_certs.pl and FAILED_PUSH examples (the file has one entry per line).
const TRANSCRIPT = `setting log file to /var/log/sf/sfca_generation.log

You are about to generate new certificates for FMC and devices.
Do you want to continue? [yes/no]:yes

Current ca_root expires in 3646 days - at Oct  9 10:12:50 2034 GMT
Do you want to continue? [yes/no]:yes

Failed to push to BSNS-1120-1 = /var/sf/peers/cdb123c8-4347-11ef-aca1-f3aa241412a1/cacert.pem
Failed to push to EMEA-FPR3110-08 = /var/sf/peers/cdb123c8-4347-11ef-aca1-f3aa241412a1/sftunnel-cert.pem

Some files were failed to be pushed to remote peers. For more details check /var/tmp/certs/1728915794/FAILED_PUSH

Scalars leaked: 1
`;
const FAILED_PUSH = `
c8d5d5c6-87c9-11ef-a993-b9831565bc4e BSNS-1120-1 10.48.67.54 /etc/sf/ca_root/cacert.pem /var/sf/peers/cdb123c8-4347-11ef-aca1-f3aa241412a1/cacert.pem
c8d5d5c6-87c9-11ef-a993-b9831565bc4e BSNS-1120-1 10.48.67.54 /var/sf/peers/c8d5d5c6-87c9-11ef-a993-b9831565bc4e/certs_pushed//sftunnel-key.pem /var/sf/peers/cdb123c8-4347-11ef-aca1-f3aa241412a1/sftunnel-key.pem
6bf1143a-8a2e-11ef-92d8-fd927e807d77 EMEA FPR3110 08 10.48.189.37 /etc/sf/ca_root/cacert.pem /var/sf/peers/cdb123c8-4347-11ef-aca1-f3aa241412a1/cacert.pem
`;

describe('FMC output parsers', () => {
  it('openssl dates (the note: notAfter=Oct  5 12:16:56 2034 GMT)', () => {
    const d = parseOpensslDates('notBefore=Oct  7 12:16:56 2024 GMT\nnotAfter=Oct  5 12:16:56 2034 GMT\n');
    assert.equal(d.notAfter.toISOString(), '2034-10-05T12:16:56.000Z');
    assert.equal(d.notBefore.toISOString(), '2024-10-07T12:16:56.000Z');
    assert.throws(() => parseOpensslDates('unable to load certificate'), /no notBefore/);
  });

  it('generate_certs.pl transcript: log file, FAILED_PUSH path, failed lines', () => {
    const o = parseGenerateCerts(TRANSCRIPT);
    assert.equal(o.started, true);
    assert.equal(o.logFile, '/var/log/sf/sfca_generation.log');
    assert.equal(o.failedPushFile, '/var/tmp/certs/1728915794/FAILED_PUSH');
    assert.deepEqual(o.failedLines.map((l) => l.name), ['BSNS-1120-1', 'EMEA-FPR3110-08']);
    assert.equal(parseGenerateCerts('setting log file to /x\nCritical operation in progress\n').started, false);
  });

  it('FAILED_PUSH: uuid, name (may hold spaces), ip, source, destination', () => {
    const e = parseFailedPush(FAILED_PUSH);
    assert.equal(e.length, 3);
    assert.deepEqual(e[1], {
      uuid: 'c8d5d5c6-87c9-11ef-a993-b9831565bc4e', name: 'BSNS-1120-1', ip: '10.48.67.54',
      source: '/var/sf/peers/c8d5d5c6-87c9-11ef-a993-b9831565bc4e/certs_pushed//sftunnel-key.pem',
      destination: '/var/sf/peers/cdb123c8-4347-11ef-aca1-f3aa241412a1/sftunnel-key.pem',
    });
    assert.equal(e[2]!.name, 'EMEA FPR3110 08');
  });

  it('sftunnel_status.pl: connected only when both channels are', () => {
    const text = `SFTUNNEL Start Time: Tue Oct 11 21:44:44 2016
**RUN STATUS****10.83.57.41*************
Cipher used = AES256-GCM-SHA384 (strength:256 bits)
ChannelA Connected: Yes, Interface br1
ChannelB Connected: Yes, Interface br1
Registration: Completed.
**RUN STATUS****10.83.57.42*************
ChannelA Connected: Yes, Interface br1
ChannelB Connected: No
`;
    assert.deepEqual(parseTunnelStatus(text), [{ peer: '10.83.57.41', connected: true }, { peer: '10.83.57.42', connected: false }]);
  });
});

describe('SSH host key pinning', () => {
  const key = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl', 'base64');
  const fp = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
  const dir = mkdtempSync(join(tmpdir(), 'fwcert-kh-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('fingerprint as ssh-keygen -lf prints it; with or without the SHA256: prefix', () => {
    assert.equal(sshFingerprint(key), fp);
    assert.equal(hostVerifier({ sha256: fp }, 'h', 22).verify(key), true);
    assert.equal(hostVerifier({ sha256: fp.slice(7) }, 'h', 22).verify(key), true);
    const v = hostVerifier({ sha256: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU' }, 'h', 22);
    assert.equal(v.verify(key), false);
    assert.match(v.refusal()!, /stopped before logging in/);
  });

  it('known_hosts: plain names, [host]:port, hashed |1| entries, @revoked never matches', () => {
    const salt = Buffer.from('0123456789abcdef0123');
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[10.0.0.9]:2222').digest('base64')}`;
    const text = `# comment\nfmc.example,10.0.0.1 ssh-ed25519 ${key.toString('base64')}\n${hashed} ssh-ed25519 ${key.toString('base64')}\n@revoked 10.0.0.3 ssh-ed25519 ${key.toString('base64')}\n`;
    assert.equal(knownHostKeys(text, '10.0.0.1', 22).length, 1);
    assert.equal(knownHostKeys(text, '10.0.0.1', 2222).length, 0);
    assert.equal(knownHostKeys(text, '10.0.0.9', 2222).length, 1);
    assert.equal(knownHostKeys(text, '10.0.0.3', 22).length, 0);
    const file = join(dir, 'known_hosts');
    writeFileSync(file, text);
    assert.equal(hostVerifier({ knownHostsFile: file }, '10.0.0.9', 2222).verify(key), true);
    const other = hostVerifier({ knownHostsFile: file }, '10.0.0.5', 22);
    assert.equal(other.verify(key), false);
    assert.match(other.refusal()!, /10\.0\.0\.5 is not in/);
  });
});

describe('sftunnel config keys on an FMC manager entry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fwcert-sftcfg-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (extra: string) => {
    writeFileSync(join(dir, 'fmc.yaml'), 'username: u\npassword: p\n');
    const file = join(dir, 'fwcert.yaml');
    writeFileSync(file, `managers:\n  fmc-1:\n    type: cisco-fmc\n    url: https://10.0.2.1\n    credentials: fmc.yaml\n${extra}`);
    return file;
  };

  it('an SSH entry without a pinned host key is refused at load, with file:line', async () => {
    const file = write('    ssh:\n      address: 10.0.2.1\n      credentials: fmc.yaml\n');
    await assert.rejects(loadConfig({ configPath: file, env: {} }), /fwcert\.yaml:\d+.*pin the SSH host key/s);
  });

  it('accepted keys; the sftunnel address defaults to the url host on 8305', async () => {
    const file = write('    sftunnel: { check: true }\n    ssh:\n      address: 10.0.2.1\n      credentials: fmc.yaml\n      host_key_sha256: "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"\n');
    const cfg = await loadConfig({ configPath: file, env: {} });
    const m = cfg.managers.get('fmc-1')!;
    assert.equal(sftunnelAddress(m, undefined), '10.0.2.1:8305');
    assert.equal(sftunnelAddress(m, { address: '10.9.9.9' }), '10.9.9.9:8305');
    assert.equal(sftunnelAddress(m, { address: '[::1]:9000' }), '[::1]:9000');
    assert.equal(sftunnelAddress(m, { check: false }), undefined);
  });
});
