// Device type "paloalto": PAN-OS firewalls (and Panorama's own certificates) over the XML API.
// Not covered: Panorama templates / template stacks / device groups and the commit-all push (a
// Panorama is managed as its own device only); decryption rules are read from one vsys rulebase
// (vsys1 when certificates are shared).
import { ConfigError } from '../../core/errors.js';
import type { TargetType } from '../target.js';
import { PanosTarget } from './device.js';
import { bindSchema, credentialsSchema, optionsSchema, type PanosCredentialsConfig, type PanosOptions } from './options.js';

export const panosTargetType: TargetType<PanosOptions, PanosCredentialsConfig> = {
  type: 'paloalto',
  optionsSchema,
  credentialsSchema,
  bindSchema,
  create(ctx, settings) {
    const options = optionsSchema.parse(settings.options ?? {});
    const credentials = credentialsSchema.parse(settings.credentials);
    const admin = options.commit.admin ?? ('username' in credentials ? credentials.username : undefined);
    if (!admin) {
      // With only a key fwcert cannot know whose changes to commit, and an unscoped commit would
      // publish other admins' pending work too.
      throw new ConfigError(
        `device ${ctx.name}: commit.admin is required with api_key credentials: fwcert commits only that admin's changes, so other admins' pending changes are never committed; set it to the admin the API key belongs to`,
      );
    }
    return new PanosTarget(ctx, { url: settings.url, options, credentials, tls: settings.tls, timeoutMs: settings.timeoutMs, admin });
  },
};

export { PanosTarget } from './device.js';
export { optionsSchema, credentialsSchema, bindSchema } from './options.js';
export type { PanosOptions, PanosCredentialsConfig } from './options.js';
