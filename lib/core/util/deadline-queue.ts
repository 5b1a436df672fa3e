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
  /**
   * A ring of pending items, oldest at `head`. One array for the queue's life (doubling when
   * full, back to its first size once empty after a burst): an array re-made every thousand
   * sends outlives a young-generation collection and gets promoted, and enough of those make
   * V8 run full collections.
   */
  private ring: Array<T | undefined> = new Array<T | undefined>(INITIAL_CAPACITY).fill(undefined);
  private head = 0;
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  /** True while expiring: an expiry settles items (and lets others in), which calls settled() back. */
  private firing = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly isSettled: (item: T) => boolean,
    private readonly expire: (item: T) => void,
  ) {}

  get size(): number {
    return this.count;
  }

  add(item: T): void {
    item.expiresAt = Date.now() + this.timeoutMs;
    if (this.count === this.ring.length) this.grow();
    this.ring[(this.head + this.count) & (this.ring.length - 1)] = item;
    this.count += 1;
    // While expiring, the timer loop sets the next timer itself once it is done.
    if (this.timer === undefined && !this.firing) this.timer = setTimeout(this.onTimer, this.timeoutMs);
  }

  /** An item settled: drops the settled ones at the front (and the timer when none is left). */
  settled(): void {
    if (this.firing) return; // the timer's loop drops the settled front itself
    while (this.count > 0 && this.isSettled(this.ring[this.head]!)) this.dropOldest();
    if (this.count === 0) {
      this.shrinkAfterBurst();
      if (this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    }
  }

  private readonly onTimer = () => {
    this.timer = undefined;
    const now = Date.now();
    this.firing = true;
    try {
      while (this.count > 0) {
        const item = this.ring[this.head]!;
        if (!this.isSettled(item) && item.expiresAt > now) break;
        this.dropOldest(); // off the queue before expire() runs code that may add to it
        if (!this.isSettled(item)) this.expire(item);
      }
    } finally {
      this.firing = false;
    }
    if (this.count > 0) {
      this.timer = setTimeout(this.onTimer, Math.max(1, this.ring[this.head]!.expiresAt - now));
    } else {
      this.shrinkAfterBurst();
    }
  };

  private dropOldest(): void {
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) & (this.ring.length - 1);
    this.count -= 1;
  }

  private grow(): void {
    const old = this.ring;
    const ring = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.count; i++) ring[i] = old[(this.head + i) & (old.length - 1)];
    this.ring = ring;
    this.head = 0;
  }

  /** Empty after a burst that grew the ring far: back to the first size. */
  private shrinkAfterBurst(): void {
    if (this.ring.length > MAX_IDLE_CAPACITY) {
      this.ring = new Array<T | undefined>(INITIAL_CAPACITY).fill(undefined);
      this.head = 0;
    }
  }
}

/** Powers of two (the ring's index is masked). */
const INITIAL_CAPACITY = 1_024;
const MAX_IDLE_CAPACITY = 16_384;
