/** What the batcher needs of an amqplib channel. */
export interface AckTarget {
  ack(message: { fields: { deliveryTag: number } }, allUpTo?: boolean): void;
}

const PENDING = 0;
const DONE = 1;
/** Nacked, or acked on its own: the next batch skips it. */
const GONE = 2;
const FIRST_SIZE = 256;
/** Emptied while larger than this, the ring goes back to its first size. */
const MAX_IDLE_SIZE = 4_096;

/**
 * Acks the deliveries of one channel in batches. A finished delivery is not acked at once but
 * once the current burst of work settled (process.nextTick, after the promise jobs of this
 * turn): the deliveries of one socket read that finish together share one frame, and it still
 * reaches amqplib's writer in the same event-loop turn (a later turn would slow the prefetch
 * refill). The longest run of finished deliveries from the oldest
 * unsettled one goes out as a single `multiple` ack, any other finished one on its own. So a
 * worker sends one ack frame per batch instead of one per message (less work for RabbitMQ as
 * well), and a slow delivery never holds back the acks of later ones. Nothing is acked before
 * its actor finished: `multiple` only ever covers deliveries already settled here.
 */
export class AckBatcher {
  /**
   * The tracked delivery tags in arrival order (ascending: tags grow on a channel) and their
   * states, in a ring over two typed arrays kept for the channel's life. Not a Map: a Map with
   * a set and a delete per delivery had its tables promoted by V8's young-generation
   * collections, batch after batch (docs/performance.md).
   */
  private tags = new Float64Array(FIRST_SIZE);
  private states = new Uint8Array(FIRST_SIZE);
  private head = 0;
  /** Entries in the ring, GONE ones behind a pending delivery included. */
  private count = 0;
  /** Entries PENDING or DONE. */
  private live = 0;
  private finished: number[] = [];
  private scheduled = false;

  constructor(private readonly channel: AckTarget) {}

  /** Deliveries received and not yet settled. */
  get unsettled(): number {
    return this.live;
  }

  /** Registers a delivery as it arrives (before any ack of a later one can be batched). */
  track(deliveryTag: number): void {
    if (this.count === this.tags.length && !this.compact()) this.grow();
    const at = (this.head + this.count) & (this.tags.length - 1);
    this.tags[at] = deliveryTag;
    this.states[at] = PENDING;
    this.count += 1;
    this.live += 1;
  }

  /** Marks the delivery finished; its ack goes out with the turn's batch. */
  ack(deliveryTag: number): void {
    const at = this.slotOf(deliveryTag);
    if (at < 0 || this.states[at] === GONE) {
      this.send(deliveryTag, false); // not tracked (cannot happen in the consumer): ack it alone
      return;
    }
    if (this.states[at] === DONE) return; // already waiting for the batch
    this.states[at] = DONE;
    this.finished.push(deliveryTag);
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  /** Settled some other way (nack): it no longer holds back the batch. */
  forget(deliveryTag: number): void {
    const at = this.slotOf(deliveryTag);
    if (at < 0 || this.states[at] === GONE) return;
    // (DONE and then nacked cannot happen in the consumer: the nack wins, the ack is dropped.)
    this.states[at] = GONE;
    this.live -= 1;
    // Without this, a consumer that only ever nacks would grow the ring without end.
    while (this.count > 0 && this.states[this.head] === GONE) this.dropFront();
    this.shrinkIfIdle();
  }

  /** Sends every ack waiting now (also called before the channel is closed on purpose). */
  flush(): void {
    this.scheduled = false;
    let upTo = -1;
    while (this.count > 0) {
      const state = this.states[this.head];
      if (state === PENDING) break;
      if (state === DONE) {
        upTo = this.tags[this.head]!;
        this.live -= 1;
      }
      this.dropFront();
    }
    this.shrinkIfIdle();
    if (upTo >= 0) this.send(upTo, true);
    const finished = this.finished;
    this.finished = [];
    for (const tag of finished) {
      // Not covered by the batch (an older delivery is still running): ack it alone.
      const at = this.slotOf(tag);
      if (at >= 0 && this.states[at] === DONE) {
        this.states[at] = GONE;
        this.live -= 1;
        this.send(tag, false);
      }
    }
  }

  /** Drops everything waiting: the channel is gone, and RabbitMQ redelivers what it did not get. */
  discard(): void {
    this.head = this.count = this.live = 0;
    this.finished = [];
  }

  /** The ring index of a tracked tag, or -1. */
  private slotOf(tag: number): number {
    const mask = this.tags.length - 1;
    const count = this.count;
    if (count === 0) return -1;
    // Tags on a channel are consecutive when every delivery is tracked here: one look.
    const offset = tag - this.tags[this.head]!;
    if (offset >= 0 && offset < count) {
      const at = (this.head + offset) & mask;
      if (this.tags[at] === tag) return at;
    }
    // A gap (a delivery not tracked here): the tags are ascending, so a binary search.
    let lo = 0;
    let hi = count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = (this.head + mid) & mask;
      const t = this.tags[at]!;
      if (t === tag) return at;
      if (t < tag) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private dropFront(): void {
    this.head = (this.head + 1) & (this.tags.length - 1);
    this.count -= 1;
  }

  /**
   * Deliveries acked on their own behind a slow one stay in the ring (GONE) until it settles; a
   * full ring at least half GONE is compacted in place (order kept) rather than grown, so the
   * ring follows the deliveries unsettled, not every tag since the oldest of them.
   */
  private compact(): boolean {
    if (this.count - this.live < this.count >>> 1) return false;
    const mask = this.tags.length - 1;
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) & mask;
      if (this.states[from] === GONE) continue;
      const to = (this.head + kept) & mask;
      this.tags[to] = this.tags[from]!;
      this.states[to] = this.states[from]!;
      kept += 1;
    }
    this.count = kept;
    return true;
  }

  /** After a burst that grew it, an empty ring goes back to its first size. */
  private shrinkIfIdle(): void {
    if (this.count !== 0 || this.tags.length <= MAX_IDLE_SIZE) return;
    this.tags = new Float64Array(FIRST_SIZE);
    this.states = new Uint8Array(FIRST_SIZE);
    this.head = 0;
  }

  private grow(): void {
    const size = this.tags.length;
    const tags = new Float64Array(size * 2);
    const states = new Uint8Array(size * 2);
    for (let i = 0; i < this.count; i++) {
      const at = (this.head + i) & (size - 1);
      tags[i] = this.tags[at]!;
      states[i] = this.states[at]!;
    }
    this.tags = tags;
    this.states = states;
    this.head = 0;
  }

  private send(deliveryTag: number, allUpTo: boolean): void {
    try {
      this.channel.ack({ fields: { deliveryTag } }, allUpTo);
    } catch {
      // The channel closed meanwhile: RabbitMQ already put these messages back.
    }
  }
}
