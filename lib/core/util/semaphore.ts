import { RingQueue } from './ring-queue.js';

/**
 * Counts permits; callers beyond the permits wait in order. `maxWaiting` bounds the
 * queue: past it, acquire fails at once (the caller decides what that means).
 */
export class Semaphore {
  private available: number;
  /** Callers waiting for a permit, in order (a ring: no array re-made as the wait comes and goes). */
  private readonly waiting = new RingQueue<() => void>(64);
  private granting = false;

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
    this.grantWaiting();
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  get inUse(): number {
    return this.permitCount - this.available;
  }

  /**
   * true: a permit is held now (no promise, so hot paths stay synchronous); a promise: it
   * resolves once a permit is held; false: the wait queue is full, nothing is held.
   */
  tryAcquire(): true | Promise<void> | false {
    if (this.tryTake()) return true;
    if (this.waiting.size >= this.maxWaiting) return false;
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Takes a permit when one is free now. */
  tryTake(): boolean {
    if (this.available <= 0) return false;
    this.available -= 1;
    return true;
  }

  /**
   * Queues a caller that found no free permit (tryTake() was false), without a promise:
   * `onGranted` is called once it holds a permit (from a release or setPermits). False, with
   * nothing queued, when the wait queue is full. A promise and its continuation cost more than
   * the callback, and more again under an AsyncLocalStorage.
   */
  enqueue(onGranted: () => void): boolean {
    if (this.waiting.size >= this.maxWaiting) return false;
    this.waiting.push(onGranted);
    return true;
  }

  release(): void {
    // More held than permitted (the permits were lowered): this one is not passed on.
    if (this.available < 0) {
      this.available += 1;
      return;
    }
    this.available += 1;
    this.grantWaiting();
  }

  /**
   * Hands free permits to waiters in order. A waiter's callback may release a permit itself (a
   * send that settles at once): that release only counts it, and this loop hands it on, so a
   * long wait queue never turns into a deep chain of nested calls.
   */
  private grantWaiting(): void {
    if (this.granting) return;
    this.granting = true;
    // A callback that throws must not leave free permits with callers still waiting: the loop
    // goes on, and the first error is thrown once every permit that can be handed out was.
    let failed = false;
    let failure: unknown;
    try {
      while (this.available > 0 && this.waiting.size > 0) {
        this.available -= 1;
        try {
          this.waiting.shift()!();
        } catch (err) {
          if (!failed) failure = err;
          failed = true;
        }
      }
    } finally {
      this.granting = false;
    }
    if (failed) throw failure;
  }
}
