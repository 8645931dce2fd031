// Object names on devices: the profile name for the first certificate, then
// "<profile>-<yyyymmdd-hhmm>" for each renewal so the new one can sit beside the old one.

const SUFFIX = /^-\d{8}-\d{4}(-\d{1,3})?$/;
const SUFFIX_LEN = 14; // "-yyyymmdd-hhmm"

/** The profile part of object names, short enough to leave room for a suffix. */
export function baseName(profile: string, maxLen: number): string {
  const room = Math.max(1, maxLen - SUFFIX_LEN - 4);
  return profile.length <= room ? profile : profile.slice(0, room).replace(/[.-]+$/, '');
}

/** True when `objectName` is one of the names fwcert gives objects of this profile. */
export function ownsName(profile: string, maxLen: number, objectName: string): boolean {
  const base = baseName(profile, maxLen);
  if (objectName === base || objectName === profile) return true;
  return objectName.startsWith(base) && SUFFIX.test(objectName.slice(base.length));
}

function stamp(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}`;
}

/** A fresh name for a new object of `profile` that is not in `taken`. */
export function newObjectName(profile: string, maxLen: number, taken: ReadonlySet<string>, now: Date): string {
  const base = baseName(profile, maxLen);
  if (!taken.has(base)) return base;
  const stamped = `${base}-${stamp(now)}`;
  if (!taken.has(stamped)) return stamped;
  for (let i = 2; i < 1000; i++) if (!taken.has(`${stamped}-${i}`)) return `${stamped}-${i}`;
  throw new Error(`no free object name for profile ${profile}`);
}
