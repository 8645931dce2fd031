// What a commit checks before it replaces the running config: every certificate or SSL/TLS service
// profile that something uses must exist, and server certificates must have a certificate and a
// private key. Failures end the commit job FIN/FAIL with "Validation Error:" detail lines
// *(line texts inferred from PAN-OS's CLI-path messages; the reference lists only their shape)*.
// The pair itself is NOT checked: a mismatched key commits (acme.sh #4716).
import { findCertificate, readCertObject } from './cert-entry.js';
import { describeLocation } from './config-store.js';
import { entryNamed, memberValues, type XNode } from './xml-tree.js';
import { childSteps, type Step } from './xpath.js';

function walk(n: XNode, steps: Step[], visit: (n: XNode, steps: Step[], parent?: XNode) => void, parent?: XNode): void {
  visit(n, steps, parent);
  for (const c of n.children) walk(c, childSteps(steps, c), visit, n);
}

/** vsys name of a path under /config/devices/entry/vsys/entry[@name=X], else undefined (shared). */
function vsysOf(steps: Step[]): string | undefined {
  const i = steps.findIndex((s) => s.tag === 'vsys');
  return i >= 0 ? steps[i + 1]?.pred?.value : undefined;
}

function profileExists(config: XNode, name: string, vsys: string | undefined): boolean {
  const shared = config.children.find((c) => c.tag === 'shared')?.children.find((c) => c.tag === 'ssl-tls-service-profile');
  if (entryNamed(shared, name)) return true;
  if (!vsys) return false;
  const dev = entryNamed(config.children.find((c) => c.tag === 'devices'), 'localhost.localdomain');
  const v = entryNamed(dev?.children.find((c) => c.tag === 'vsys'), vsys);
  return entryNamed(v?.children.find((c) => c.tag === 'ssl-tls-service-profile'), name) !== undefined;
}

export function validateForCommit(config: XNode): string[] {
  const errors: string[] = [];
  const where = (steps: Step[], value: string, why: string) => errors.push(` ${describeLocation(steps)} '${value}' ${why}`);

  const checkCert = (steps: Step[], name: string, needsKey: boolean) => {
    const entry = findCertificate(config, name, vsysOf(steps));
    if (!entry) return where(steps, name, 'is not a valid reference');
    const obj = readCertObject(entry);
    if (!obj.certPem) return where(steps, name, 'has no certificate (signing request pending)');
    if (needsKey && !obj.keyBlob) where(steps, name, 'has no private key');
  };

  walk(config, [{ tag: config.tag }], (n, steps, parent) => {
    const p = parent?.tag ?? '';
    const inProfileList = steps.length >= 3 && steps[steps.length - 3]!.tag === 'ssl-tls-service-profile';
    if (n.tag === 'certificate' && p === 'entry' && inProfileList && n.text) checkCert(steps, n.text, true);
    if (n.tag === 'ssl-tls-service-profile' && n.children.length === 0 && n.text && !profileExists(config, n.text, vsysOf(steps))) {
      where(steps, n.text, 'is not a valid reference');
    }
    if (n.tag === 'ssl-inbound-inspection') {
      const names = n.children.length ? memberValues(n.children.find((c) => c.tag === 'certificates')) : n.text ? [n.text] : [];
      for (const name of names) checkCert(steps, name, true);
    }
    if ((n.tag === 'rsa' || n.tag === 'ecdsa') && /^forward-(un)?trust-certificate$/.test(p) && n.text) checkCert(steps, n.text, true);
    if (n.tag === 'member' && p === 'trusted-root-CA') checkCert(steps, n.text, false);
  });
  return errors.length ? ['Validation Error:', ...errors] : [];
}
