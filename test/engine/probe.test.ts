// Probe helpers without a network: addresses and name coverage (wildcards cover one label only).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAddress, uncoveredNames } from '../../src/engine/probe.js';
import type { CertInfo } from '../../src/pki/types.js';

describe('probe helpers', () => {
  it('parses host:port and [v6]:port, refuses the rest', () => {
    assert.deepEqual(parseAddress('vpn.example.com:443'), { host: 'vpn.example.com', port: 443 });
    assert.deepEqual(parseAddress('[::1]:8305'), { host: '::1', port: 8305 });
    assert.throws(() => parseAddress('vpn.example.com'), /not host:port/);
    assert.throws(() => parseAddress('h:70000'), /not host:port/);
  });
  it('a wildcard covers exactly one label', () => {
    const info = { sans: ['*.example.com', 'vpn.example.net'], subject: { cn: 'vpn.example.net' } } as unknown as CertInfo;
    assert.deepEqual(uncoveredNames(info, ['a.example.com', 'VPN.example.net', 'a.b.example.com', 'example.com']), ['a.b.example.com', 'example.com']);
  });
});
