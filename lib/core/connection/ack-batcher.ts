/** What the batcher needs of an amqplib channel. */
export interface AckTarget {
  ack(message: { fields: { deliveryTag: number } }, allUpTo?: boolean): void;
}

const PENDING = 0;
const DONE = 1;

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
  /** Unsettled delivery tags in arrival order (tags grow on a channel), with their state. */
  private readonly tags = new Map<number, typeof PENDING | typeof DONE>();
  private finished: number[] = [];
  private scheduled = false;

  constructor(private readonly channel: AckTarget) {}

  /** Deliveries received and not yet settled. */
  get unsettled(): number {
    return this.tags.size;
  }

  /** Registers a delivery as it arrives (before any ack of a later one can be batched). */
  track(deliveryTag: number): void {
    this.tags.set(deliveryTag, PENDING);
  }

  /** Marks the delivery finished; its ack goes out with the turn's batch. */
  ack(deliveryTag: number): void {
    if (!this.tags.has(deliveryTag)) {
      this.send(deliveryTag, false); // not tracked (cannot happen in the consumer): ack it alone
      return;
    }
    this.tags.set(deliveryTag, DONE);
    this.finished.push(deliveryTag);
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  /** Settled some other way (nack): it no longer holds back the batch. */
  forget(deliveryTag: number): void {
    this.tags.delete(deliveryTag);
  }

  /** Sends every ack waiting now (also called before the channel is closed on purpose). */
  flush(): void {
    this.scheduled = false;
    let upTo = -1;
    for (const [tag, state] of this.tags) {
      if (state !== DONE) break;
      this.tags.delete(tag);
      upTo = tag;
    }
    if (upTo >= 0) this.send(upTo, true);
    const finished = this.finished;
    this.finished = [];
    for (const tag of finished) {
      // Not covered by the batch (an older delivery is still running): ack it alone.
      if (this.tags.delete(tag)) this.send(tag, false);
    }
  }

  /** Drops everything waiting: the channel is gone, and RabbitMQ redelivers what it did not get. */
  discard(): void {
    this.tags.clear();
    this.finished = [];
  }

  private send(deliveryTag: number, allUpTo: boolean): void {
    try {
      this.channel.ack({ fields: { deliveryTag } }, allUpTo);
    } catch {
      // The channel closed meanwhile: RabbitMQ already put these messages back.
    }
  }
}
