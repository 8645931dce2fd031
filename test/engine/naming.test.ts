import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseName, newObjectName, ownsName } from '../../src/engine/naming.js';

const NOW = new Date('2026-11-23T09:05:00Z');

describe('object names', () => {
  it('the first certificate takes the profile name, a renewal gets a timestamped one beside it', () => {
    assert.equal(newObjectName('vpn-portal', 63, new Set(), NOW), 'vpn-portal');
    assert.equal(newObjectName('vpn-portal', 63, new Set(['vpn-portal']), NOW), 'vpn-portal-20261123-0905');
    assert.equal(newObjectName('vpn-portal', 63, new Set(['vpn-portal', 'vpn-portal-20261123-0905']), NOW), 'vpn-portal-20261123-0905-2');
  });

  it('fits the device limit (Panorama: 31 characters)', () => {
    const long = 'a-very-long-certificate-profile-name';
    const name = newObjectName(long, 31, new Set([baseName(long, 31)]), NOW);
    assert.ok(name.length <= 31, name);
    assert.ok(ownsName(long, 31, name));
  });

  it("recognises only its own profile's objects", () => {
    assert.ok(ownsName('vpn', 63, 'vpn'));
    assert.ok(ownsName('vpn', 63, 'vpn-20261123-0905'));
    assert.ok(!ownsName('vpn', 63, 'vpn-portal'));
    assert.ok(!ownsName('vpn', 63, 'vpn-2026'));
  });
});
