// A device's observation: per profile, what the device holds, what the ledger and the CA know, and the
// plan that follows. A certificate found under a profile's name but unknown to the ledger is adopted.
import type { Profile } from '../config/model.js';
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import type { Target } from '../devices/target.js';
import { keySpecLabel } from '../pki/types.js';
import { profileCerts, type ParsedCert } from './inventory.js';
import { plan, type Observation, type PlanItem } from './plan.js';
import type { DeviceRunDeps } from './device-run.js';

export async function observeDevice(target: Target, profiles: Profile[], deps: DeviceRunDeps, inventory: ParsedCert[], log: Logger): Promise<PlanItem[]> {
  const items: PlanItem[] = [];
  for (const p of profiles) {
    const record = deps.ledger.current(p.name, target.name);
    const certs = profileCerts(inventory, p.name, target.capabilities.maxNameLength, record);
    const obs: Observation = { profile: p, device: target.name, certs, record, order: deps.ledger.order(p.name, target.name) };
    const issuer = deps.issuers.get(p.ca);
    if (issuer?.status && record?.caRef && record.ca === p.ca && record.state !== 'revoked') {
      try {
        obs.caStatus = await issuer.status(record.caRef);
      } catch (e) {
        log.warn({ profile: p.name }, `cannot check the CA status of ${record.caRef.id}: ${errorMessage(e)}`);
      }
    }
    const item0 = plan(obs, deps.now, { force: deps.force });
    if (issuer?.suggestedWindow && item0.current?.certPem && item0.action === 'ok') {
      try {
        obs.suggestedWindow = await issuer.suggestedWindow(item0.current.certPem);
      } catch (e) {
        log.debug({ profile: p.name }, `no renewal window from the CA: ${errorMessage(e)}`);
      }
    }
    const item = obs.suggestedWindow ? plan(obs, deps.now, { force: deps.force }) : item0;
    // A certificate found under the profile's name but unknown to the ledger is adopted, so that it is
    // tracked and later removed like any other.
    if (!record && item.current?.info && !deps.dryRun) {
      const i = item.current.info;
      deps.ledger.adopt({
        profile: p.name, device: target.name, objectName: item.current.name, ca: p.ca, serial: i.serial,
        notBefore: i.notBefore.toISOString(), notAfter: i.notAfter.toISOString(), names: i.sans,
        keySpec: i.keySpec ? keySpecLabel(i.keySpec) : 'unknown', fingerprint: i.fingerprintSha256,
      });
    }
    items.push(item);
  }
  return items;
}
