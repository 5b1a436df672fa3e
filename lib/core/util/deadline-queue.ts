import { RingQueue } from './ring-queue.js';

/**
 * Deadlines for items that all expire the same time after they were added (the sends of a
 * publisher: confirmTimeout). Added in order, they expire in order, so one timer for the oldest
 * pending item serves them all, instead of a timer (created, then cleared) per item.
 *
 * Settled items are dropped from the front as soon as they settle (`settled()`), so in the
 * usual case (items settle roughly in order) nothing is kept alive; an old pending item keeps
 * the settled ones behind it referenced until it settles or expires.
 */
export class DeadlineQueue<T extends { expiresAt: number }> {
  /** Pending items, oldest first (a ring: no array re-made per thousand items). */
  private readonly items = new RingQueue<T>();
  private timer: NodeJS.Timeout | undefined;
  /** True while expiring: an expiry settles items (and lets others in), which calls settled() back. */
  private firing = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly isSettled: (item: T) => boolean,
    private readonly expire: (item: T) => void,
  ) {}

  get size(): number {
    return this.items.size;
  }

  add(item: T): void {
    item.expiresAt = Date.now() + this.timeoutMs;
    this.items.push(item);
    // While expiring, the timer loop sets the next timer itself once it is done.
    if (this.timer === undefined && !this.firing) this.timer = setTimeout(this.onTimer, this.timeoutMs);
  }

  /** An item settled: drops the settled ones at the front (and the timer when none is left). */
  settled(): void {
    if (this.firing) return; // the timer's loop drops the settled front itself
    const { items } = this;
    while (items.size > 0 && this.isSettled(items.peek()!)) items.shift();
    if (items.size === 0 && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private readonly onTimer = () => {
    this.timer = undefined;
    const now = Date.now();
    const { items } = this;
    this.firing = true;
    try {
      while (items.size > 0) {
        const item = items.peek()!;
        if (!this.isSettled(item) && item.expiresAt > now) break;
        items.shift(); // off the queue before expire() runs code that may add to it
        if (!this.isSettled(item)) this.expire(item);
      }
    } finally {
      this.firing = false;
    }
    if (items.size > 0) this.timer = setTimeout(this.onTimer, Math.max(1, items.peek()!.expiresAt - now));
  };
}
