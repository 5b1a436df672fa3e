/**
 * A first-in first-out queue on one array kept for the queue's life: it doubles when full, goes
 * back to its first size once emptied after a burst, and a queue that never empties keeps its
 * largest size. Hot-path queues (sends awaiting their deadline, sends awaiting a publish slot) use
 * it instead of push/shift or re-made arrays: an array re-made every thousand items outlives a
 * young-generation collection and gets promoted, and enough of those make V8 run full collections.
 */
export class RingQueue<T> {
  private slots: Array<T | undefined>;
  private head = 0;
  private count = 0;

  constructor(
    /** A power of two. */
    private readonly initialCapacity = 1_024,
    /** Emptied while larger than this, the ring goes back to `initialCapacity`. */
    private readonly maxIdleCapacity = 16_384,
  ) {
    // Indexes are masked with capacity - 1: anything but a power of two would lose items.
    if (!Number.isInteger(initialCapacity) || initialCapacity < 1 || (initialCapacity & (initialCapacity - 1)) !== 0)
      throw new RangeError(`initialCapacity must be a power of two, got ${initialCapacity}`);
    if (!(maxIdleCapacity >= initialCapacity))
      throw new RangeError(
        `maxIdleCapacity must be at least initialCapacity (${initialCapacity}), got ${maxIdleCapacity}`,
      );
    this.slots = new Array<T | undefined>(initialCapacity).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.slots.length) this.grow();
    this.slots[(this.head + this.count) & (this.slots.length - 1)] = item;
    this.count += 1;
  }

  /** The oldest item, left in place; undefined when empty. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  /** Removes and returns the oldest item; undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.count -= 1;
    if (this.count === 0 && this.slots.length > this.maxIdleCapacity) {
      this.slots = new Array<T | undefined>(this.initialCapacity).fill(undefined);
      this.head = 0;
    }
    return item;
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.count; i++) slots[i] = old[(this.head + i) & (old.length - 1)];
    this.slots = slots;
    this.head = 0;
  }
}
