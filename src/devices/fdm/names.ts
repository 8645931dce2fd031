// FDM object-name rules and the names we derive for chain CA objects.
// Reference §3: `name` is up to 128 characters; the 6.2.3 docs add the pattern ^[a-zA-Z0-9][a-zA-Z0-9.+-]*.
// Newer builds allow more (spaces, underscores), but "conservative names work everywhere", so we
// enforce the old pattern on the whole name: a profile that passes here passes on every FDM version.
import { DeviceError } from '../../core/errors.js';

export const MAX_NAME_LENGTH = 128;
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9.+-]*$/;
export const NAME_RULE = 'start with a letter or digit, then only letters, digits, ".", "+" and "-" (FDM 6.2.3 pattern ^[a-zA-Z0-9][a-zA-Z0-9.+-]*), at most 128 characters';

/** Why `name` is not a valid FDM object name, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (!name) return 'the name is empty';
  if (name.length > MAX_NAME_LENGTH) return `the name is ${name.length} characters long; FDM allows at most ${MAX_NAME_LENGTH}`;
  if (!NAME_PATTERN.test(name)) {
    const bad = [...new Set([...name].filter((c) => !/[a-zA-Z0-9.+-]/.test(c)))].map((c) => JSON.stringify(c)).join(' ');
    return bad ? `the name contains ${bad}` : 'the name must start with a letter or digit';
  }
  return undefined;
}

export function assertValidName(device: string, name: string): void {
  const problem = nameProblem(name);
  if (problem) throw new DeviceError(`${device}: invalid FDM certificate name "${name}": ${problem}. Names must ${NAME_RULE}`);
}

/**
 * A valid, recognisable name for a chain CA object: the subject CN made FDM-safe, plus the first 8 hex
 * digits of the certificate's SHA-256 fingerprint, so the same CA always gets the same name (which lets
 * us find it again on builds that mask `cert` on GET) and two CAs with one CN do not collide.
 */
export function caObjectName(commonName: string | undefined, fingerprintHex: string): string {
  const suffix = fingerprintHex.replace(/[^0-9a-fA-F]/g, '').slice(0, 8).toLowerCase();
  let base = (commonName ?? '')
    .replace(/[^a-zA-Z0-9.+-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-zA-Z0-9]+/, '')
    .replace(/-+$/, '');
  if (!base) base = 'CA';
  base = base.slice(0, MAX_NAME_LENGTH - suffix.length - 1).replace(/-+$/, '');
  return `${base}-${suffix}`;
}

/** `name` if free, else name-2, name-3 ... (kept within the length limit). */
export function uniqueName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  for (let n = 2; ; n++) {
    const tail = `-${n}`;
    const candidate = `${name.slice(0, MAX_NAME_LENGTH - tail.length)}${tail}`;
    if (!taken.has(candidate)) return candidate;
  }
}
