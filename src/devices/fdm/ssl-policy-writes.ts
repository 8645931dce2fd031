// Known-key SSL decryption lists a run's certificates in policy/sslpolicies .internalCertificates[]:
// each renewal adds its new certificate and drops the one it replaced, and every change is a PUT of
// the whole policy. The changes of a run are collected here and written together, one PUT per policy
// (FdmObjects.update re-reads and re-applies them on mismatchedVersion, so another admin's concurrent
// edit of the same list is kept). Reads see them before they are written (listOf / overlay); they are
// written before anything that needs them on the device: the DELETE of a certificate they drop (FDM
// refuses to delete one a policy still lists, 422), the pending-changes check and the deploy, close().
import type { Logger } from '../../core/log.js';
import type { FdmObjects } from './objects.js';
import { OBJECT_PATHS, type FdmRef, type SslPolicy } from './types.js';

interface Staged {
  adds: Map<string, FdmRef>;
  drops: Map<string, FdmRef>;
}

function applied(list: FdmRef[], s: Staged): FdmRef[] {
  return [...list.filter((r) => !s.drops.has(r.id) && !s.adds.has(r.id)), ...s.adds.values()];
}

const ids = (list: FdmRef[]) => list.map((r) => r.id).join();

export class SslPolicyWrites {
  /** By policy id: certificates to add and to drop, not yet written. */
  private readonly staged = new Map<string, Staged>();

  constructor(
    private readonly objects: FdmObjects,
    private readonly device: string,
    private readonly log: Logger,
  ) {}

  get pending(): boolean {
    return this.staged.size > 0;
  }

  /** The list `policy` holds once the staged changes are written. */
  listOf(policy: SslPolicy): FdmRef[] {
    const s = this.staged.get(policy.id);
    return s ? applied(policy.internalCertificates ?? [], s) : (policy.internalCertificates ?? []);
  }

  /** The policies as they will be once written. */
  overlay(policies: SslPolicy[]): SslPolicy[] {
    return policies.map((p) => (this.staged.has(p.id) ? { ...p, internalCertificates: this.listOf(p) } : p));
  }

  private entry(policyId: string): Staged {
    let s = this.staged.get(policyId);
    if (!s) this.staged.set(policyId, (s = { adds: new Map(), drops: new Map() }));
    return s;
  }

  /** Stages `cert` into the policy's list; false when it is (or will be) listed already. */
  add(policy: SslPolicy, cert: FdmRef): boolean {
    if (this.listOf(policy).some((r) => r.id === cert.id)) return false;
    const s = this.entry(policy.id);
    s.drops.delete(cert.id);
    s.adds.set(cert.id, cert);
    return true;
  }

  /** Stages dropping `cert` from the policy's list; false when it is not (or will not be) listed. */
  drop(policy: SslPolicy, cert: FdmRef): boolean {
    if (!this.listOf(policy).some((r) => r.id === cert.id)) return false;
    const s = this.entry(policy.id);
    s.adds.delete(cert.id);
    s.drops.set(cert.id, cert);
    return true;
  }

  /** One PUT per policy whose list changes; returns how many were written. A failed PUT keeps its
   *  policy's changes staged (written by the next flush) and throws. */
  async flush(): Promise<number> {
    if (!this.staged.size) return 0;
    const policies = await this.objects.listAll<SslPolicy>(OBJECT_PATHS.sslPolicies);
    let written = 0;
    for (const [id, s] of [...this.staged]) {
      const policy = policies.find((p) => p.id === id);
      if (!policy || ids(applied(policy.internalCertificates ?? [], s)) === ids(policy.internalCertificates ?? [])) {
        this.staged.delete(id);
        continue;
      }
      await this.objects.update(OBJECT_PATHS.sslPolicies, policy, (p) => ({ ...p, internalCertificates: applied(p.internalCertificates ?? [], s) }));
      this.staged.delete(id);
      written++;
      const what = [...[...s.adds.values()].map((r) => `+${r.name ?? r.id}`), ...[...s.drops.values()].map((r) => `-${r.name ?? r.id}`)].join(' ');
      this.log.info(`${this.device}: SSL policy ${policy.name ?? policy.id} written once for this run's changes (${what})`);
    }
    return written;
  }
}
