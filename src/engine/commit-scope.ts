// Which objects on a device are fwcert's, for a commit that must not push anyone else's changes:
// the names fwcert gives the objects of the device's profiles, and every object the ledger records.
import type { Profile } from '../config/model.js';
import type { CommitScope, Target } from '../devices/target.js';
import type { Ledger } from '../ledger/ledger.js';
import { ownsName } from './naming.js';

export function commitScope(target: Target, profiles: Profile[], ledger: Ledger): CommitScope {
  const recorded = new Set(ledger.objectNames(target.name));
  const maxLen = target.capabilities.maxNameLength;
  return { owns: (name) => recorded.has(name) || profiles.some((p) => ownsName(p.name, maxLen, name)) };
}
