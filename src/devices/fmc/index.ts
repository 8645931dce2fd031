// Cisco Secure Firewall Management Center: the manager type (cisco-fmc) and the FTDs it manages
// (cisco-fmc-ftd), registered in devices/registry.ts.
import { DeviceError } from '../../core/errors.js';
import type { ManagerType } from '../manager.js';
import type { TargetType } from '../target.js';
import { KNOWN_KEY } from './known-key.js';
import { createdKnownKeyObjects } from './known-key-retire.js';
import { FmcManager } from './manager.js';
import { deviceTag } from './names.js';
import {
  fmcBindSchema, fmcCredentialsSchema, fmcFtdOptionsSchema, fmcManagerOptionsSchema, type FmcCredentials, type FmcFtdOptions, type FmcManagerOptions,
} from './schemas.js';
import { FmcFtdTarget } from './target.js';
import { createdTrustAnchors, loadTrustAnchors, trustAnchorNameClash } from './trust-anchor-config.js';
import { z } from 'zod';

export const fmcManagerType: ManagerType<FmcManagerOptions, FmcCredentials> = {
  type: 'cisco-fmc',
  optionsSchema: fmcManagerOptionsSchema,
  credentialsSchema: fmcCredentialsSchema,
  create(ctx, settings) {
    return new FmcManager(ctx.name, ctx.log, settings);
  },
};

/** Managed FTDs carry no credentials of their own: the FMC's are used. */
const noCredentials = z.strictObject({});

export const fmcFtdTargetType: TargetType<FmcFtdOptions, Record<string, never>> = {
  type: 'cisco-fmc-ftd',
  managed: true,
  optionsSchema: fmcFtdOptionsSchema,
  credentialsSchema: noCredentials,
  bindSchema: fmcBindSchema,
  loadOptionFiles(options, files) {
    return { ...options, trust_anchors: loadTrustAnchors(options.trust_anchors, files) };
  },
  objectNameTag: deviceTag,
  perManagerBindings: [KNOWN_KEY],
  hasOwnObjects: (store) => createdTrustAnchors(store).length > 0 || createdKnownKeyObjects(store).length > 0,
  profileNameProblem(options, profile, device) {
    return trustAnchorNameClash(options.trust_anchors, device, profile);
  },
  create(ctx, settings) {
    if (!(settings.manager instanceof FmcManager)) throw new DeviceError(`${ctx.name}: a cisco-fmc-ftd device needs a manager of type cisco-fmc`);
    return new FmcFtdTarget(ctx.name, ctx.log, settings.manager, settings.options, ctx.store);
  },
};

export { FmcManager } from './manager.js';
export { FmcFtdTarget } from './target.js';
