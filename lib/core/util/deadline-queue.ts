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
  private items: Array<T | undefined> = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  /** True while expiring: an expiry settles items (and lets others in), which calls settled() back. */
  private firing = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly isSettled: (item: T) => boolean,
    private readonly expire: (item: T) => void,
  ) {}

  get size(): number {
    return this.items.length - this.head;
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
    while (this.head < items.length && this.isSettled(items[this.head]!)) items[this.head++] = undefined;
    this.compact();
    if (this.head === items.length && this.timer !== undefined) {
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
      while (this.head < items.length) {
        const item = items[this.head]!;
        if (!this.isSettled(item) && item.expiresAt > now) break;
        items[this.head++] = undefined; // off the queue before expire() runs code that may add to it
        if (!this.isSettled(item)) this.expire(item);
      }
    } finally {
      this.firing = false;
    }
    this.compact();
    if (this.head < this.items.length) {
      this.timer = setTimeout(this.onTimer, Math.max(1, this.items[this.head]!.expiresAt - now));
    }
  };

  private compact(): void {
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1_024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
