// "Self-signed" as a CA: type `self-signed`, for labs. Nothing is ordered anywhere: a device that makes
// its own certificate (an FMC-managed FTD with a SELF_SIGNED enrollment object, seed 003 "Installing a
// Certificate Using Self-Signed Enrollment") is told to do so. Devices that cannot cannot use it.
import { z } from 'zod';
import { CaError } from '../../core/errors.js';
import { ALL_KEY_SPECS } from '../../pki/types.js';
import type { DeviceEnrollment } from '../../devices/target.js';
import type { CollectResult, Issuer, IssuerType } from '../issuer.js';

const optionsSchema = z.strictObject({});

class SelfSignedIssuer implements Issuer {
  readonly capabilities = { keyTypes: [...ALL_KEY_SPECS], revoke: false, renewById: false };

  constructor(readonly name: string) {}

  private refuse(): never {
    throw new CaError(`${this.name}: a self-signed CA signs nothing for fwcert; only devices that make their own self-signed certificate (FMC-managed FTDs) can use it`);
  }

  async submit(): Promise<never> {
    this.refuse();
  }

  async collect(): Promise<CollectResult> {
    this.refuse();
  }

  async revoke(): Promise<void> {
    throw new CaError(`${this.name}: a self-signed certificate cannot be revoked; remove it from the device instead`);
  }

  async deviceEnrollment(): Promise<DeviceEnrollment> {
    return { protocol: 'self-signed' };
  }
}

export const selfSignedIssuerType: IssuerType<z.output<typeof optionsSchema>, never> = {
  type: 'self-signed',
  optionsSchema,
  credentialsSchema: null,
  create(ctx) {
    return new SelfSignedIssuer(ctx.name);
  },
};
