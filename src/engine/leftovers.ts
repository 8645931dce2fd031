// Objects an interrupted or failed attempt left on a device: fwcert records the name of every key it
// is about to generate on a device (Ledger.recordKeyIntent) before generating it. An intent whose
// object never became a recorded certificate and is no longer waiting for its CA order is a
// leftover: deleted here, before new names are chosen, so it neither stays in the configuration
// (the next commit would make it part of the running config) nor pushes the profile's first real
// certificate to "<profile>-<date>". Only objects that are fwcert's by name AND by ledger, and
// that nothing uses, are touched.
import type { Profile } from '../config/model.js';
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import type { Target } from '../devices/target.js';
import type { Ledger } from '../ledger/ledger.js';
import type { ParsedCert } from './inventory.js';
import { ownsName } from './naming.js';

export interface Cleanup {
  cleaned: string[];
  warnings: string[];
}

export async function removeLeftovers(target: Target, profiles: Profile[], inventory: ParsedCert[], ledger: Ledger, log: Logger): Promise<Cleanup> {
  const out: Cleanup = { cleaned: [], warnings: [] };
  const device = target.name;
  for (const intent of ledger.keyIntents(device)) {
    const name = intent.objectName;
    if (ledger.intentBecameCertificate(device, name, intent.createdAt)) {
      ledger.clearKeyIntent(device, name);
      continue;
    }
    if (ledger.order(intent.profile, device)?.objectName === name) continue; // still waiting for its certificate
    const obj = inventory.find((c) => c.name === name);
    if (!obj) {
      ledger.clearKeyIntent(device, name);
      continue;
    }
    const ours = profiles.some((p) => p.name === intent.profile) && ownsName(intent.profile, target.capabilities.maxNameLength, name);
    if (!ours || obj.bindings.length || obj.isCa) {
      out.warnings.push(`${name} was left by an interrupted attempt but is ${obj.bindings.length ? 'in use' : 'not named like profile ' + intent.profile}; left in place`);
      continue;
    }
    try {
      await target.remove(name);
      ledger.clearKeyIntent(device, name);
      ledger.setNeedsCommit(device, true);
      ledger.event('cleaned', `${name}: ${obj.certPem ? 'certificate' : 'key + CSR'} left by an interrupted or failed attempt`, intent.profile, device);
      log.info({ profile: intent.profile }, `removed ${name}, left on the device by an interrupted or failed attempt`);
      out.cleaned.push(name);
    } catch (e) {
      out.warnings.push(`could not remove the leftover ${name}: ${errorMessage(e)} (retried next run)`);
    }
  }
  return out;
}
