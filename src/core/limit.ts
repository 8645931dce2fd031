// A counting semaphore: at most `size` holders at once, the others wait in arrival order. Used for an
// HTTP client's connections, a CA's orders in flight (shared by every device of a run) and, with
// size 1, for one device's writes.
export class Limit {
  private held = 0;
  private readonly waiting: (() => void)[] = [];
  /** The most holders seen at once (reported by the bench). */
  peak = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a limit must be a whole number >= 1, not ${size}`);
  }

  private async acquire(): Promise<void> {
    if (this.held < this.size) {
      this.held++;
    } else {
      // The releasing holder hands its place over directly: `held` stays the same.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.peak = Math.max(this.peak, this.held);
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held--;
  }

  /** Runs `fn` holding one place; the place is given back however `fn` ends. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}
