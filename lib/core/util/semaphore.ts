/**
 * Counts permits; callers beyond the permits wait in order. `maxWaiting` bounds the
 * queue: past it, acquire fails at once (the caller decides what that means).
 */
export class Semaphore {
  private available: number;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly permits: number,
    private readonly maxWaiting = Infinity,
  ) {
    this.available = permits;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  get inUse(): number {
    return this.permits - this.available;
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
    const next = this.waiting.shift();
    if (next) next();
    else this.available += 1;
  }
}
