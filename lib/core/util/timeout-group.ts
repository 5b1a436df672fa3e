import { DeadlineQueue } from './deadline-queue.js';

interface Bounded {
  expiresAt: number;
  settled: boolean;
  /** Replaced by a no-op once settled, so a settled wait kept in the queue holds nothing of its caller. */
  timedOut: () => void;
}

const NOTHING = () => undefined;

/**
 * withTimeout for many waits that all get the same timeout (the result stores of a worker):
 * one timer for the whole group (a DeadlineQueue) instead of a timer set and cleared per wait.
 * Waits should settle roughly in the order they started, as batched writes do.
 */
export class TimeoutGroup {
  private readonly deadlines: DeadlineQueue<Bounded>;

  constructor(readonly timeoutMs: number) {
    this.deadlines = new DeadlineQueue<Bounded>(
      timeoutMs,
      (item) => item.settled,
      (item) => item.timedOut(),
    );
  }

  /** Settles like `work`, or rejects with `onTimeout()` once timeoutMs pass first. */
  bound<T>(work: Promise<T>, onTimeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const item: Bounded = {
        expiresAt: 0,
        settled: false,
        timedOut: () => {
          item.settled = true;
          item.timedOut = NOTHING;
          let error: unknown;
          try {
            error = onTimeout();
          } catch (err) {
            error = err; // still rejects, and the queue's timer loop goes on
          }
          reject(error);
        },
      };
      const settle = () => {
        if (item.settled) return false;
        item.settled = true;
        item.timedOut = NOTHING;
        this.deadlines.settled();
        return true;
      };
      this.deadlines.add(item);
      work.then(
        (value) => settle() && resolve(value),
        (err: unknown) => settle() && reject(err),
      );
    });
  }

  /** Waits held by the group: the pending ones, and settled ones behind an older pending wait. */
  get held(): number {
    return this.deadlines.size;
  }
}
