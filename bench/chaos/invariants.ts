// What must hold once the lab fleet has converged after faults and kills:
//  1. every (profile, device) pair serves, on its data-plane port, a certificate that a client trusts
//     for each of the profile's names, and it is the one the ledger records as active;
//  2. no key was ordered twice, and every certificate the CA issued is known to the ledger
//     (compared with the SCM emulator's /__lab/state);
//  3. no orphaned or uncommitted objects: one certificate object per pair in the running config,
//     no key + CSR without certificate, nothing pending on any device;
//  4. the ledger passes PRAGMA integrity_check, and no order or key intent is left open.
import { createHash, X509Certificate } from 'node:crypto';
import Database from 'better-sqlite3';
import { ownsName } from '../../src/engine/naming.js';
import type { Lab, LabDevice } from '../../src/lab/fleet.js';
import { handshake } from '../../src/lab/handshake.js';

export interface Pair {
  profile: string;
  device: LabDevice;
  names: string[];
  service: string;
}

/** The lab's profiles (src/lab/fleet.ts, one certificate per device): where each is served. */
export function labPairs(lab: Lab): Pair[] {
  return lab.devices.map((device) =>
    device.type === 'cisco-fdm'
      ? { profile: 'vpn-portal', device, names: ['vpn.lab.example', 'vpn-alt.lab.example'], service: device.services.ravpn! }
      : { profile: 'gp-portal', device, names: ['gp.lab.example'], service: device.services['gp-portal']! },
  );
}

type ScmCert = { sslId: number; status: string; leafPem?: string };
type FdmState = { pendingChanges: number; deployedObjects: { internalcertificates: { name: string }[] }; objects: { internalcertificates: { name: string }[] } };
type PanEntry = { name: string; ca: boolean; csrPending: boolean };
type PanState = { certificates: PanEntry[]; runningCertificates: PanEntry[]; pendingChanges: Record<string, string[]> };

const serialOf = (s: string) => s.replace(/[^0-9a-f]/gi, '').replace(/^0+/, '').toUpperCase();

function spki(pem: string): string {
  const key = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(key).digest('hex');
}

export async function checkInvariants(lab: Lab, ledgerPath: string): Promise<string[]> {
  const bad: string[] = [];
  const db = new Database(ledgerPath);
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') bad.push(`ledger integrity_check: ${String(integrity)}`);
    const openOrders = db.prepare('SELECT profile, device, ca_ref FROM orders').all() as { profile: string; device: string; ca_ref: string }[];
    for (const o of openOrders) bad.push(`ledger: order still open for ${o.profile}@${o.device} (${o.ca_ref})`);
    const hasIntents = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'key_intents'").get() as { n: number }).n > 0;
    if (hasIntents) {
      for (const i of db.prepare('SELECT device, object_name FROM key_intents').all() as { device: string; object_name: string }[]) {
        bad.push(`ledger: key intent for ${i.object_name}@${i.device} never resolved`);
      }
    }

    // 2. The CA's view against the ledger's.
    const certs = (lab.scm.state() as { certificates: ScmCert[] }).certificates;
    const known = new Set<string>();
    for (const r of db.prepare('SELECT ca_ref FROM certificates WHERE ca_ref IS NOT NULL').all() as { ca_ref: string }[]) {
      known.add((JSON.parse(r.ca_ref) as { id: string }).id);
    }
    const byKey = new Map<string, number[]>();
    for (const c of certs) {
      if (!known.has(String(c.sslId))) bad.push(`SCM sslId ${c.sslId} (${c.status}) is unknown to the ledger: ordered but never collected`);
      if (c.leafPem) {
        const k = spki(c.leafPem);
        byKey.set(k, [...(byKey.get(k) ?? []), c.sslId]);
      }
    }
    for (const ids of byKey.values()) if (ids.length > 1) bad.push(`one key ordered ${ids.length} times at SCM: sslIds ${ids.join(', ')}`);

    // 1 and 3, per pair.
    for (const p of labPairs(lab)) {
      const where = `${p.profile}@${p.device.name}`;
      const active = db
        .prepare("SELECT serial, object_name FROM certificates WHERE profile = ? AND device = ? AND state = 'active' ORDER BY id DESC")
        .all(p.profile, p.device.name) as { serial: string; object_name: string }[];
      if (active.length !== 1) bad.push(`${where}: ledger has ${active.length} active records (want 1)`);
      for (const name of p.names) {
        try {
          const s = await handshake(p.service, { servername: name, caPem: lab.ca.bundlePem, timeoutMs: 15_000 });
          if (!s.trusted) bad.push(`${where}: ${name} not trusted on ${p.service}: ${s.verifyError}`);
          if (active[0] && serialOf(s.serial) !== serialOf(active[0].serial)) bad.push(`${where}: serves serial ${s.serial}, the ledger says ${active[0].serial}`);
        } catch (e) {
          bad.push(`${where}: handshake for ${name}: ${(e as Error).message}`);
        }
      }
      const ours = (n: string) => ownsName(p.profile, 63, n) || active.some((a) => a.object_name === n);
      if (p.device.type === 'cisco-fdm') {
        const s = p.device.handle.state() as FdmState;
        if (s.pendingChanges !== 0) bad.push(`${where}: ${s.pendingChanges} change(s) not deployed`);
        const deployed = s.deployedObjects.internalcertificates.map((o) => o.name).filter(ours);
        const candidate = s.objects.internalcertificates.map((o) => o.name).filter(ours);
        if (deployed.length !== 1) bad.push(`${where}: ${deployed.length} certificate objects deployed (${deployed.join(', ')}), want 1`);
        if (candidate.length !== 1) bad.push(`${where}: ${candidate.length} certificate objects in the candidate (${candidate.join(', ')}), want 1`);
      } else {
        const s = p.device.handle.state() as PanState;
        const pending = Object.entries(s.pendingChanges).filter(([, v]) => v.length);
        if (pending.length) bad.push(`${where}: uncommitted changes: ${JSON.stringify(Object.fromEntries(pending))}`);
        for (const [label, list] of [['running', s.runningCertificates], ['candidate', s.certificates]] as const) {
          const mine = list.filter((e) => !e.ca && ours(e.name));
          if (mine.length !== 1) bad.push(`${where}: ${mine.length} certificate objects in the ${label} config (${mine.map((e) => e.name).join(', ')}), want 1`);
          const orphans = list.filter((e) => e.csrPending).map((e) => e.name);
          if (orphans.length) bad.push(`${where}: key + CSR without certificate in the ${label} config: ${orphans.join(', ')}`);
        }
      }
    }
  } finally {
    db.close();
  }
  return bad;
}
