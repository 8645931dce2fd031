// The lab's certificate authority: a root and an issuing intermediate, the way a public CA
// (Sectigo) signs leaves with an intermediate. Emulated CAs sign with the intermediate and
// hand out intermediate + root as the chain; tests and `fwcert lab` trust the root.
import { createCa } from '../pki/index.js';
import type { KeySpec } from '../pki/types.js';

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface LabCa {
  root: PemPair;
  intermediate: PemPair;
  /** root + intermediate, PEM (what a lab trust store file holds). */
  bundlePem: string;
}

export interface LabCaOptions {
  /** Key of both CA certificates; RSA 2048 by default, as public issuing CAs mostly are. */
  key?: KeySpec;
  rootDays?: number;
  intermediateDays?: number;
}

export async function createLabCa(opts: LabCaOptions = {}): Promise<LabCa> {
  const key: KeySpec = opts.key ?? { type: 'rsa', size: 2048 };
  const root = await createCa({
    subject: { cn: 'fwcert Lab Root CA', o: 'fwcert Lab', c: 'US' },
    key,
    days: opts.rootDays ?? 3650,
  });
  const intermediate = await createCa({
    subject: { cn: 'fwcert Lab Issuing CA', o: 'fwcert Lab', c: 'US' },
    key,
    days: opts.intermediateDays ?? 1825,
    issuer: root,
  });
  const bundlePem = `${root.certPem.trim()}\n${intermediate.certPem.trim()}\n`;
  return { root, intermediate, bundlePem };
}
