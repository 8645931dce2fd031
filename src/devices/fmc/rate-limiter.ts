// One request budget per FMC: at most N requests in any sliding minute (FMC allows 120/min per client;
// go-fmc paces at 1.97 req/s). A caller waits for a free slot instead of provoking 429s.
export class RateLimiter {
  private readonly stamps: number[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly perMinute: number, private readonly windowMs = 60_000) {}

  /** Resolves when one more request fits in the window; callers are served in order. */
  acquire(): Promise<void> {
    const turn = this.queue.then(() => this.waitForSlot());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async waitForSlot(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.stamps.length && now - this.stamps[0]! >= this.windowMs) this.stamps.shift();
      if (this.stamps.length < this.perMinute) {
        this.stamps.push(now);
        return;
      }
      await new Promise((r) => setTimeout(r, this.windowMs - (now - this.stamps[0]!) + 5));
    }
  }

  /** Requests counted in the current window (for logs and tests). */
  get inWindow(): number {
    const now = Date.now();
    return this.stamps.filter((t) => now - t < this.windowMs).length;
  }
}
