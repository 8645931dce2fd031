// Enrollment object names. An enrollment object lives on the FMC (not per device) and the trustpoint it
// creates on a device carries the same name (seed 003). fwcert gives every FTD its own key and
// certificate, so the FMC object of one FTD is "<object name>_<device tag>"; the engine sees "<object name>".
import { DeviceError } from '../../core/errors.js';

/** FMC object names: letters, digits, "." "_" "-", at most 64 characters (FMC UI rule; inferred for the API). */
export const FMC_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const FMC_NAME_MAX = 64;

export function deviceTag(device: string): string {
  return device.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 40);
}

export class ObjectNames {
  readonly suffix: string;

  constructor(readonly device: string) {
    this.suffix = `_${deviceTag(device)}`;
  }

  /** The longest name the engine may give, leaving room for the suffix. */
  get maxLength(): number {
    return FMC_NAME_MAX - this.suffix.length;
  }

  toFmc(name: string): string {
    return `${name}${this.suffix}`;
  }

  /** The engine's name of an FMC object/trustpoint of this device; undefined for objects fwcert did not name. */
  fromFmc(fmcName: string): string | undefined {
    return fmcName.endsWith(this.suffix) && fmcName.length > this.suffix.length ? fmcName.slice(0, -this.suffix.length) : undefined;
  }

  validate(name: string): void {
    const full = this.toFmc(name);
    if (!FMC_NAME.test(full)) {
      throw new DeviceError(`${this.device}: "${name}" cannot name an FMC enrollment object ("${full}"): use letters, digits, ".", "_" or "-", at most ${this.maxLength} characters`);
    }
  }
}
