// One commit for many devices: a manager (FMC, Panorama) deploys/pushes to all the devices that a run
// changed in ONE request. Each device's Target.commit() waits here until every device of the run has
// either asked to commit or finished without a commit (Target.close() -> leave); then `flush` runs
// once for all of them and each device gets its own result or error.
export interface BatchItem {
  device: string;
  note: string;
}

/** flush's answer per device: its result, or the Error that device failed with. */
export type BatchResults<R> = Map<string, R | Error>;

interface Waiter<R> {
  note: string;
  resolve: (r: R) => void;
  reject: (e: Error) => void;
}

export class CommitBatch<R> {
  /** Devices of this run that have not finished (left) yet. */
  private readonly alive = new Set<string>();
  private readonly waiting = new Map<string, Waiter<R>>();
  private flushing = false;

  constructor(private readonly flush: (items: BatchItem[]) => Promise<BatchResults<R>>) {}

  /** The devices taking part in this run (Manager.begin). */
  begin(devices: string[]): void {
    for (const d of devices) this.alive.add(d);
  }

  /** Resolves with this device's result once the batch it belongs to has been flushed. */
  commit(device: string, note: string): Promise<R> {
    this.alive.add(device);
    if (this.waiting.has(device)) return Promise.reject(new Error(`${device} is already waiting for a commit`));
    const p = new Promise<R>((resolve, reject) => this.waiting.set(device, { note, resolve, reject }));
    this.maybeFlush();
    return p;
  }

  /** This device is done for the run (committed or not): the batch no longer waits for it. */
  leave(device: string): void {
    this.alive.delete(device);
    const w = this.waiting.get(device);
    if (w) {
      this.waiting.delete(device);
      w.reject(new Error(`${device} left before its commit ran`));
    }
    this.maybeFlush();
  }

  private maybeFlush(): void {
    if (this.flushing || this.waiting.size === 0) return;
    for (const d of this.alive) if (!this.waiting.has(d)) return;
    const batch = new Map(this.waiting);
    this.waiting.clear();
    this.flushing = true;
    const items = [...batch].map(([device, w]) => ({ device, note: w.note }));
    this.flush(items)
      .then(
        (results) => {
          for (const [device, w] of batch) {
            const r = results.get(device);
            if (r instanceof Error) w.reject(r);
            else if (r === undefined) w.reject(new Error(`the commit gave no result for ${device}`));
            else w.resolve(r);
          }
        },
        (e: unknown) => {
          const err = e instanceof Error ? e : new Error(String(e));
          for (const w of batch.values()) w.reject(err);
        },
      )
      .finally(() => {
        this.flushing = false;
        this.maybeFlush();
      });
  }
}
