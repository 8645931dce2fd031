// Builds drivers (Issuer, Target) from validated config entries.
import type { Issuer } from '../ca/issuer.js';
import type { CaEntry, DeviceEntry } from '../config/model.js';
import type { Logger } from '../core/log.js';
import type { Target } from '../devices/target.js';
import type { Ledger } from '../ledger/ledger.js';

export function buildIssuer(entry: CaEntry, log: Logger, ledger: Ledger): Issuer {
  return entry.type.create(
    { name: entry.name, log: log.child({ ca: entry.name }), store: ledger.store(`ca:${entry.name}`) },
    { options: entry.options, credentials: entry.credentials, tls: entry.tls, timeoutMs: entry.timeoutMs },
  );
}

export function buildTarget(entry: DeviceEntry, log: Logger): Target {
  return entry.type.create(
    { name: entry.name, log: log.child({ device: entry.name }) },
    { url: entry.url, options: entry.options, credentials: entry.credentials, tls: entry.tls, timeoutMs: entry.timeoutMs },
  );
}
