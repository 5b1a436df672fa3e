/**
 * Counts permits; callers beyond the permits wait in order. `maxWaiting` bounds the
 * queue: past it, acquire fails at once (the caller decides what that means).
 */
export class Semaphore {
  private available: number;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private permitCount: number,
    private readonly maxWaiting = Infinity,
  ) {
    this.available = permitCount;
  }

  get permits(): number {
    return this.permitCount;
  }

  /**
   * Changes the number of permits. Raising it lets waiters through at once; lowering it below
   * what is held takes effect as holders release (nobody loses a permit they hold).
   */
  setPermits(permits: number): void {
    if (!Number.isInteger(permits) || permits < 1)
      throw new RangeError(`permits must be an integer >= 1, got ${permits}`);
    this.available += permits - this.permitCount;
    this.permitCount = permits;
    while (this.available > 0 && this.waiting.length > 0) {
      this.available -= 1;
      this.waiting.shift()!();
    }
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  get inUse(): number {
    return this.permitCount - this.available;
  }

  /**
   * true: a permit is held now (no promise, so hot paths stay synchronous); a promise: it
   * resolves once a permit is held; false: the wait queue is full, nothing is held.
   */
  tryAcquire(): true | Promise<void> | false {
    if (this.available > 0) {
      this.available -= 1;
      return true;
    }
    if (this.waiting.length >= this.maxWaiting) return false;
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    // More held than permitted (the permits were lowered): this one is not passed on.
    if (this.available < 0) {
      this.available += 1;
      return;
    }
    const next = this.waiting.shift();
    if (next) next();
    else this.available += 1;
  }
}
