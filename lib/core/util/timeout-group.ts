import { DeadlineQueue } from './deadline-queue.js';

interface Bounded {
  expiresAt: number;
  settled: boolean;
  readonly timedOut: () => void;
}

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
          reject(onTimeout());
        },
      };
      this.deadlines.add(item);
      work.then(
        (value) => {
          if (item.settled) return;
          item.settled = true;
          this.deadlines.settled();
          resolve(value);
        },
        (err: unknown) => {
          if (item.settled) return;
          item.settled = true;
          this.deadlines.settled();
          reject(err);
        },
      );
    });
  }

  /** Waits not settled yet. */
  get pending(): number {
    return this.deadlines.size;
  }
}
