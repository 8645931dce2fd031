// max_run_s: a run that is still working when its time is up abandons what is left, reports each
// unfinished device as failed with the reason, and returns, so the process ends and frees its lock.
// Abandoning is as safe as a kill: every step is recorded before it is taken, and the next run
// continues from the ledger.
import type { Profile } from '../config/model.js';
import type { DeviceResult } from './report.js';

export class RunDeadline {
  private readonly at: number;
  private timer?: NodeJS.Timeout;
  private readonly expired: Promise<'expired'>;

  constructor(private readonly ms: number) {
    this.at = Date.now() + ms;
    this.expired = new Promise((resolve) => {
      this.timer = setTimeout(() => resolve('expired'), ms);
    });
  }

  get passed(): boolean {
    return Date.now() >= this.at;
  }

  /** The device's own result, or a failed one naming max_run_s when the deadline comes first. */
  async race(device: string, profiles: Profile[], work: () => Promise<DeviceResult>): Promise<DeviceResult> {
    if (this.passed) return this.abandoned(device, profiles, 'not started');
    const running = work();
    running.catch(() => undefined); // an abandoned device may still fail later: nobody is waiting for it
    const r = await Promise.race([running, this.expired]);
    return r === 'expired' ? this.abandoned(device, profiles, 'abandoned while in progress') : r;
  }

  private abandoned(device: string, profiles: Profile[], how: string): DeviceResult {
    const error = `run time limit reached (max_run_s: ${Math.round(this.ms / 1000)} s): ${how}; the next run continues from here`;
    return {
      device, reachable: true, error, committed: false, removed: [], warnings: [],
      items: profiles.map((p) => ({ profile: p.name, device, action: 'unknown' as const, reason: 'run time limit', outcome: 'failed' as const, error })),
    };
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
