// The renewal's progress in the ledger, per FMC node: recorded BEFORE generate_certs.pl is
// answered "yes" (with the InternalCA it replaces), after it (FAILED_PUSH), and after every device
// that got its files and reconnected. A later `sftunnel renew` reads this to continue with exactly
// the devices still failing and to never generate a second InternalCA by accident.
import type { Ledger } from '../ledger/ledger.js';
import type { FailedPushEntry } from './outputs.js';

export interface NodeProgress {
  /** generating: the script was about to be confirmed; generated: FAILED_PUSH known; complete: every device done. */
  phase: 'generating' | 'generated' | 'complete';
  /** SHA-256 of cacert.pem before and after the generation. */
  caBefore: string;
  caAfter?: string;
  caNotAfter?: string;
  /** When fwcert was about to confirm the script (a lost answer's FAILED_PUSH is not older than this). */
  startedAt?: string;
  generatedAt?: string;
  failedPushFile?: string;
  failed: FailedPushEntry[];
  /** Devices that got their files, restarted sftunnel and show connected. */
  done: string[];
}

export class ProgressStore {
  private readonly kv;
  constructor(private readonly ledger: Ledger, private readonly manager: string) {
    this.kv = ledger.store('sftunnel');
  }
  get(node: string): NodeProgress | undefined {
    const v = this.kv.get(`${this.manager}:${node}`);
    return v ? (JSON.parse(v) as NodeProgress) : undefined;
  }
  set(node: string, p: NodeProgress, event?: string): void {
    this.kv.set(`${this.manager}:${node}`, JSON.stringify(p));
    if (event) this.ledger.event('sftunnel', event, undefined, node);
  }
  event(node: string, what: string, detail: string): void {
    this.ledger.event('sftunnel', `${what}: ${detail}`, undefined, node);
  }
  clear(node: string, event: string): void {
    this.kv.set(`${this.manager}:${node}`, '');
    this.ledger.event('sftunnel', event, undefined, node);
  }
}
