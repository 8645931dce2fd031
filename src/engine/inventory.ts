// What a device holds, read once per run: certificates with their parsed details, and which of
// them belong to a profile. Shared by the run pipeline and the fleet status.
import type { Logger } from '../core/log.js';
import { errorMessage } from '../core/errors.js';
import type { DeviceCert } from '../devices/target.js';
import type { CertRecord } from '../ledger/ledger.js';
import { parseCertificate } from '../pki/index.js';
import type { CertInfo } from '../pki/types.js';
import { ownsName } from './naming.js';

export type ParsedCert = DeviceCert & { info?: CertInfo };

/** Parses each certificate the driver did not; one that cannot be parsed is kept without info. */
export function withInfo(certs: DeviceCert[], log?: Logger): ParsedCert[] {
  return certs.map((c) => {
    if (c.info || !c.certPem) return c;
    try {
      return { ...c, info: parseCertificate(c.certPem) };
    } catch (e) {
      log?.warn(`cannot parse certificate object ${c.name}: ${errorMessage(e)}`);
      return c;
    }
  });
}

/** The objects of `profile` on a device: named by fwcert's naming rule, or the one the ledger records. */
export function profileCerts(inventory: ParsedCert[], profile: string, maxNameLength: number, record?: CertRecord): ParsedCert[] {
  return inventory.filter((c) => !c.isCa && (ownsName(profile, maxNameLength, c.name) || c.name === record?.objectName));
}
