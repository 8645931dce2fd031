// The requests (CSRs) of keys generated on the box, read for several keys at once. An on-box key is
// generated one at a time (the engine gives the device one call at a time); instead of exporting each
// CSR right after its generation (one call per key, each between two generations), the CSRs of every
// key generated so far are read in ONE read of the certificate store as soon as no generation is
// running or about to start. The last key's CSR is read at the moment its own export would have been
// sent, so this never lengthens the device's path; the earlier keys' CSRs wait for the later
// generations instead of making the later generations wait for their exports.
//
// "About to start": the device's next call is started within the same turn of the event loop when
// the previous one ends (a waiter's turn is handed over directly, core/limit.ts), so the read is
// decided one turn later (setImmediate). A generation that starts later (its profile's checks took
// longer) is read by a read of its own: a call more, never a wrong CSR.

interface Waiter {
  resolve(csrPem: string): void;
  reject(e: unknown): void;
}

export interface CsrReadsOptions {
  /** One read of the store: the CSR PEM of every entry that holds one, by object name. */
  readAll(): Promise<Map<string, string>>;
  /** One CSR by itself (the documented export), for a name the store read did not show with a CSR. */
  readOne(name: string): Promise<string>;
  /** Why the store read failed, when it does (each CSR is then read by itself). */
  onReadError?(e: unknown): void;
}

export class CsrReads {
  private generating = 0;
  private waiting = new Map<string, Waiter>();
  private checkScheduled = false;

  constructor(private readonly opts: CsrReadsOptions) {}

  /** Runs one on-box generation: no store read is started while one runs. */
  async generation<T>(generate: () => Promise<T>): Promise<T> {
    this.generating++;
    try {
      return await generate();
    } finally {
      this.generating--;
      // A generation that failed registers no CSR: the keys generated before it are read all the same.
      this.scheduleCheck();
    }
  }

  /** The CSR of `name`, whose key the device has just generated: read with every other key's
   *  generated before the device's generations paused. */
  csrOf(name: string): Promise<string> {
    const csr = new Promise<string>((resolve, reject) => {
      this.waiting.get(name)?.reject(new Error(`the CSR of ${name} was replaced by a newer generation`));
      this.waiting.set(name, { resolve, reject });
    });
    this.scheduleCheck();
    return csr;
  }

  private scheduleCheck(): void {
    if (this.checkScheduled) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      // A generation that runs now schedules the next check when it ends.
      if (this.generating === 0 && this.waiting.size) void this.readWaiting();
    });
  }

  private async readWaiting(): Promise<void> {
    const batch = this.waiting;
    this.waiting = new Map();
    let found = new Map<string, string>();
    try {
      found = await this.opts.readAll();
    } catch (e) {
      this.opts.onReadError?.(e);
    }
    for (const [name, w] of batch) {
      const pem = found.get(name);
      if (pem) w.resolve(pem);
      else this.opts.readOne(name).then(w.resolve, w.reject);
    }
  }
}
