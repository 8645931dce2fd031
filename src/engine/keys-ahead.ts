// Local keys, made on libuv's worker pool (node's async generateKeyPair) so that the network waits of
// other devices are not blocked, and started while a device's inventory is still being read.
// At most one key per core is in the pool at once, and never the whole pool: it also serves fs and
// DNS, which must not queue behind hundreds of RSA keys.
import { availableParallelism } from 'node:os';
import type { Profile } from '../config/model.js';
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import { generateKeyPair } from '../pki/index.js';
import { keySpecLabel, type KeySpec } from '../pki/types.js';
import { Limit } from '../core/limit.js';
import { isDue } from './policy.js';
import type { DeviceRunDeps } from './device-run.js';

const POOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE) || 4;
const keygen = new Limit(Math.max(1, Math.min(availableParallelism(), POOL_SIZE - 1)));

/** A PKCS#8 PEM private key for `spec`, made off the event loop. */
export function makeLocalKey(spec: KeySpec): Promise<string> {
  return keygen.run(async () => (await generateKeyPair(spec)).privateKeyPem);
}

/** Whether the ledger alone says this profile will need a new key on this device in this run. */
function likelyNeedsKey(p: Profile, device: string, deps: DeviceRunDeps): boolean {
  if (deps.ledger.order(p.name, device)) return false;
  if (deps.mode === 'renew' && deps.force) return true;
  const r = deps.ledger.current(p.name, device);
  if (!r || r.state === 'revoked' || r.ca !== p.ca || r.keySpec !== keySpecLabel(p.key)) return deps.mode !== 'renew';
  const names = (a: string[]) => [...a].map((n) => n.toLowerCase()).sort().join(',');
  if (names(r.names) !== names(p.names)) return deps.mode !== 'renew';
  return deps.mode !== 'enroll' && (deps.force || isDue(new Date(r.notBefore), new Date(r.notAfter), p.renewal, deps.now));
}

/** Starts the keys the ledger predicts; a wrong guess costs one unused key, never a wrong certificate. */
export function startLocalKeys(profiles: Profile[], device: string, deps: DeviceRunDeps, log: Logger): Map<string, Promise<string>> {
  const out = new Map<string, Promise<string>>();
  for (const p of profiles) {
    if (!likelyNeedsKey(p, device, deps)) continue;
    const key = makeLocalKey(p.key);
    // Nobody may await an unused guess: keep its failure from becoming an unhandled rejection.
    key.catch((e) => log.debug({ profile: p.name }, `early key generation failed: ${errorMessage(e)}`));
    out.set(p.name, key);
  }
  return out;
}
