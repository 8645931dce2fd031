// Cisco FTD managed by FDM (type: cisco-fdm): schemas and factory for the device registry.
import type { TargetType } from '../target.js';
import { fdmBindSchema, fdmCredentialsSchema, fdmOptionsSchema, type FdmCredentials, type FdmOptions } from './schemas.js';
import { FdmTarget } from './target.js';

export const fdmTargetType: TargetType<FdmOptions, FdmCredentials> = {
  type: 'cisco-fdm',
  optionsSchema: fdmOptionsSchema,
  credentialsSchema: fdmCredentialsSchema,
  bindSchema: fdmBindSchema,
  create(ctx, settings) {
    return new FdmTarget(ctx.name, ctx.log, settings);
  },
};

export { FdmTarget, FDM_KEY_TYPES, type FdmDeviceCert } from './target.js';
export { fdmBindSchema, fdmCredentialsSchema, fdmOptionsSchema, type FdmCredentials, type FdmOptions } from './schemas.js';
