// PAN-OS object-name rules, checked before any call so a bad name fails with a clear reason instead of
// a code 17 halfway through a renewal. Limits: 63 characters on a firewall, 31 on Panorama (also for
// objects pushed from Panorama); `*` and a leading `_` or other special character are refused by the
// device (acme.sh #4309, Keyfactor alias-length validation).
import { DeviceError } from '../../core/errors.js';

export const FIREWALL_NAME_MAX = 63;
export const PANORAMA_NAME_MAX = 31;

// Certificate objects: letters, digits, '.', '_' and '-' (domain-like names such as
// "www.example.com" are common, acme.sh maps "*" to "WILDCARD_"); no spaces, quotes or slashes.
const CERT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
// Profiles and rules are created by people in the UI and may contain spaces.
const OBJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]*$/;

/** Throws a DeviceError naming the broken rule. */
export function validateCertName(name: string, maxLength: number): void {
  checkName('certificate', name, maxLength, CERT_NAME, "letters, digits, '.', '_' and '-'");
}

/** For the names of things fwcert binds to (SSL/TLS service profiles, decryption rules). */
export function validateObjectName(kind: string, name: string, maxLength: number): void {
  checkName(kind, name, maxLength, OBJECT_NAME, "letters, digits, spaces, '.', '_' and '-'");
  if (name !== name.trim()) throw new DeviceError(`${kind} name ${JSON.stringify(name)} is invalid: it must not end with a space`);
}

function checkName(kind: string, name: string, maxLength: number, re: RegExp, allowed: string): void {
  const shown = JSON.stringify(name);
  if (typeof name !== 'string' || name.length === 0) throw new DeviceError(`${kind} name is empty`);
  if (name.length > maxLength) {
    throw new DeviceError(
      `${kind} name ${shown} is invalid: ${name.length} characters, PAN-OS allows at most ${maxLength}` +
        (maxLength === PANORAMA_NAME_MAX ? ' on Panorama' : ' on a firewall (31 on Panorama)'),
    );
  }
  if (!/^[A-Za-z0-9]/.test(name)) throw new DeviceError(`${kind} name ${shown} is invalid: it must start with a letter or a digit`);
  if (!re.test(name)) {
    const bad = [...new Set([...name].filter((c) => !re.test(`a${c}`)))].map((c) => JSON.stringify(c)).join(' ');
    throw new DeviceError(`${kind} name ${shown} is invalid: it contains ${bad}; PAN-OS allows only ${allowed}`);
  }
}

/**
 * A certificate-object name made from a CA's common name ("R3", "Sectigo RSA Domain Validation ...").
 * `suffix` (e.g. part of a fingerprint) tells apart two CAs with the same CN. Always passes validateCertName.
 */
export function deriveCertName(commonName: string | undefined, maxLength: number, suffix?: string): string {
  let base = (commonName ?? '')
    .replace(/\*/g, 'WILDCARD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[-.]+$/, '');
  if (!base) base = 'ca';
  const tail = suffix ? `-${suffix.replace(/[^A-Za-z0-9]/g, '')}` : '';
  base = base.slice(0, Math.max(1, maxLength - tail.length)).replace(/[-.]+$/, '') || 'ca';
  return `${base}${tail}`;
}
