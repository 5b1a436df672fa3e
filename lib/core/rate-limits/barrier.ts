import type { RateLimiterBackend } from './rate-limiter-backend.js';

/** Dramatiq's default barrier TTL, in ms (15 minutes); GroupCallbacks uses one day instead. */
export const DEFAULT_BARRIER_TTL = 900_000;

/**
 * Dramatiq's distributed Barrier: a counter created with the number of parties, each arrival
 * lowering it by one. The arrival that cannot lower it below 1 is the last one: it clears the
 * barrier and records "x" in the `<key>@events` list. The counter then stays at 1, so the keys
 * after a group of N read "1" and ["x"], exactly as Python leaves them.
 *
 * Only the non-blocking wait is here: nothing in Node waits on a barrier.
 */
export class Barrier {
  readonly eventsKey: string;

  constructor(
    private readonly backend: RateLimiterBackend,
    readonly key: string,
    readonly ttl: number = DEFAULT_BARRIER_TTL,
  ) {
    this.eventsKey = `${key}@events`;
  }

  /** Creates the barrier for `parties` arrivals; false when one with this key exists. */
  create(parties: number): Promise<boolean> {
    if (!Number.isInteger(parties) || parties < 1) {
      throw new RangeError(`a barrier needs a positive integer number of parties, got ${parties}`);
    }
    return this.backend.add(this.key, parties, this.ttl);
  }

  /** Records one arrival; true when it was the last one (the barrier is cleared). */
  async arrive(): Promise<boolean> {
    const lowered = await this.backend.decr(this.key, 1, 1, this.ttl);
    if (lowered) return false;
    await this.backend.waitNotify(this.eventsKey, this.ttl);
    return true;
  }
}
