import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { AckBatcher } from './ack-batcher.js';
import { ManagedChannel } from './managed-channel.js';
import { settledWithin } from '../util/settled-within.js';

/** How long a new consumer waits for its channel to open on a connected connection. */
const OPEN_WAIT_MS = 10_000;

/** A message as delivered: its body and the tag to settle it with. */
export interface Delivery {
  readonly content: Buffer;
  readonly fields: { readonly deliveryTag: number };
  /** Its AMQP properties (headers, priority, ...), as amqplib decoded them: plain data. */
  readonly properties?: Partial<ConsumeMessage['properties']>;
}

/**
 * The amqplib channel that delivered a message, narrowed to settling deliveries. Acks and nacks
 * must go out on the very channel that delivered: after a reconnect, an old delivery tag is
 * never sent on the new channel (RabbitMQ redelivers the message). Both throw once it closed.
 * Every consumer on the channel settles through the same object, so its ack batches (`acks`)
 * see all the channel's delivery tags: a `multiple` ack never covers another consumer's
 * unfinished delivery.
 */
export class DeliveryChannel {
  readonly acks: AckBatcher = new AckBatcher(this);

  constructor(private readonly raw: Channel) {}

  ack(delivery: { fields: { deliveryTag: number } }, allUpTo = false): void {
    this.raw.ack(delivery as ConsumeMessage, allUpTo);
  }

  nack(delivery: Delivery, requeue: boolean): void {
    this.raw.nack(delivery as ConsumeMessage, false, requeue);
  }
}

export interface ConsumeHandlers {
  delivered(delivery: Delivery, channel: DeliveryChannel): void;
}

/** Why a consumer stopped for good: it will not come back by itself. */
export type ConsumerLossCause = 'connection' | 'channel' | 'cancelled';

/** One consumer on a shared consumer channel: what a ConsumerLease hands out. */
export interface QueueSubscription {
  /** Registers the consumer (now, or when the channel opens after a reconnect) with its own prefetch. */
  consume(queue: string, prefetch: number, handlers: ConsumeHandlers): Promise<void>;
  /** Stops the deliveries (RabbitMQ confirms the cancel; on a stalled connection it never does). */
  cancel(): Promise<void>;
  /** Calls `listener` once the consumer cannot come back by itself; returns a remover. */
  onLost(listener: (cause: ConsumerLossCause, reason: string) => void): () => void;
}

/**
 * A channel that carries several consumers, each with its own prefetch: `basic.qos` with
 * global=false applies to the consumers registered after it on the channel, so each consumer's
 * qos and consume go out as one uninterrupted pair (`serial`). The consumers are registered
 * by us rather than through amqp-connection-manager, so a prefetch failure is caught and a
 * consumer the server cancels (its queue deleted) is reported instead of re-consumed at once:
 * consuming a missing queue is a 404 that would close the channel under its other consumers.
 */
export class ConsumerChannel extends ManagedChannel {
  private readonly slots = new Set<ConsumerSlot>();
  private delivery: DeliveryChannel | undefined;
  private current: ConfirmChannel | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(...args: ConstructorParameters<typeof ManagedChannel>) {
    super(...args);
    // One listener per channel (not per consumer): a connection may carry thousands of consumers.
    this.host.on('failed', this.onConnectionFailed);
    this.host.on('channelDead', this.onChannelDead);
  }

  override close(): Promise<void> {
    this.host.off('failed', this.onConnectionFailed);
    this.host.off('channelDead', this.onChannelDead);
    return super.close();
  }

  private readonly onConnectionFailed = () => this.lose('connection', 'its connection gave up (retries spent)');
  private readonly onChannelDead = (dead: unknown) => {
    if (dead === this) this.lose('channel', 'its channel closed while the connection stayed up');
  };

  /** A new consumer place on this channel (the lease's). */
  subscription(): ConsumerSlot {
    return new ConsumerSlot(this);
  }

  /** Consumers registered (or waiting for the channel to open). */
  get consumerCount(): number {
    return this.slots.size;
  }

  protected override attach(raw: ConfirmChannel): void {
    if (this.isClosed) return super.attach(raw); // closes it
    this.current = raw;
    this.delivery = new DeliveryChannel(raw);
    super.attach(raw);
    // After a reconnect: every consumer again, each with its own prefetch.
    // A failure here closed the channel (a queue deleted meanwhile: 404): the channel's loss
    // restarts its consumers, so nothing is lost by ignoring the rejection itself.
    for (const slot of this.slots) this.start(slot).catch(() => undefined);
  }

  /**
   * @internal Registers the consumer and resolves once RabbitMQ confirmed it, or rejects with
   * the server's refusal (a queue held exclusively by another connection, say). On a connection
   * that is down, it resolves at once: the consumer starts when the channel opens again.
   */
  async add(slot: ConsumerSlot): Promise<void> {
    this.slots.add(slot);
    // A channel just created opens a moment after its connection: wait for it, so that a
    // refusal of this consumer reaches the caller instead of only the log.
    if (!this.isOpen && this.host.isConnected) {
      await settledWithin(this.whenOpen(), OPEN_WAIT_MS);
      if (!this.isOpen && this.host.isConnected) {
        // amqp-connection-manager does not try again after a failed channel open (channel_max
        // reached on the server, say): report it instead of a consumer that never starts.
        this.slots.delete(slot);
        throw new Error(`Consumer channel ${this.name} did not open within ${OPEN_WAIT_MS} ms.`);
      }
    }
    return this.start(slot);
  }

  /**
   * @internal The consumer stops for good (cancel, or its lease ended): it is no longer
   * registered again after a reconnect, and RabbitMQ is told to cancel it. Read in the chain,
   * after any registration still in progress, so a consume that was under way is cancelled too.
   */
  retire(slot: ConsumerSlot): Promise<void> {
    this.slots.delete(slot);
    return this.serial(async () => {
      const raw = this.current;
      const tag = raw ? slot.tagOn(raw) : undefined;
      slot.forgetTag();
      if (raw && tag !== undefined && this.isOpen) await raw.cancel(tag);
    });
  }

  private start(slot: ConsumerSlot): Promise<void> {
    const raw = this.current;
    if (!raw || !this.isOpen) return Promise.resolve(); // registered when the channel (re)opens
    // Once per amqplib channel: the channel's setup and the subscriber may both ask, and both
    // must see the same outcome (a refusal closes the channel; a second try would only report that).
    const pending = slot.startOn(raw);
    if (pending) return pending;
    return slot.starting(
      raw,
      this.serial(async () => {
        if (this.current !== raw || !this.slots.has(slot) || slot.tagOn(raw) !== undefined) return;
        const delivery = this.delivery!;
        await raw.prefetch(slot.prefetch, false);
        const { consumerTag } = await raw.consume(
          slot.queue,
          (msg) => {
            if (msg) slot.deliver(msg, delivery);
            else slot.serverCancelled(raw);
          },
          { noAck: false },
        );
        slot.startedOn(raw, consumerTag);
        // Retired while its consume was on the way: cancel it now rather than leave it delivering.
        if (!this.slots.has(slot) && slot.tagOn(raw) !== undefined) {
          slot.forgetTag();
          await raw.cancel(consumerTag);
        }
      }),
    );
  }

  /** Runs `step` after the steps before it on this channel; its failure does not block later ones. */
  private serial(step: () => Promise<void>): Promise<void> {
    const run = this.chain.then(step);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private lose(cause: ConsumerLossCause, reason: string): void {
    for (const slot of [...this.slots]) slot.lost(cause, reason);
  }
}

/** A consumer's place on a ConsumerChannel (see QueueSubscription). */
export class ConsumerSlot implements QueueSubscription {
  queue = '';
  prefetch = 1;
  private handlers: ConsumeHandlers | undefined;
  private raw: ConfirmChannel | undefined;
  private tag: string | undefined;
  private listener: ((cause: ConsumerLossCause, reason: string) => void) | undefined;
  private ended = false;
  private startRaw: ConfirmChannel | undefined;
  private start: Promise<void> | undefined;
  private cancelledOn: ConfirmChannel | undefined;

  constructor(private readonly channel: ConsumerChannel) {}

  consume(queue: string, prefetch: number, handlers: ConsumeHandlers): Promise<void> {
    this.queue = queue;
    this.prefetch = prefetch;
    this.handlers = handlers;
    return this.channel.add(this);
  }

  cancel(): Promise<void> {
    return this.channel.retire(this);
  }

  onLost(listener: (cause: ConsumerLossCause, reason: string) => void): () => void {
    this.listener = listener;
    return () => {
      if (this.listener === listener) this.listener = undefined;
    };
  }

  /** The lease ended: the channel forgets this consumer (and cancels it if still registered). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.channel.retire(this).catch(() => undefined);
  }

  /** @internal */ tagOn(raw: ConfirmChannel): string | undefined {
    return this.raw === raw ? this.tag : undefined;
  }

  /** @internal The registration in progress or done on `raw`, if any. */
  startOn(raw: ConfirmChannel): Promise<void> | undefined {
    return this.startRaw === raw ? this.start : undefined;
  }

  /** @internal */ starting(raw: ConfirmChannel, start: Promise<void>): Promise<void> {
    this.startRaw = raw;
    this.start = start;
    return start;
  }

  /** @internal */ startedOn(raw: ConfirmChannel, tag: string): void {
    this.raw = raw;
    // Cancelled by the server in the same read as its consume-ok: not registered any more.
    this.tag = this.cancelledOn === raw ? undefined : tag;
  }

  /** @internal */ forgetTag(): void {
    this.tag = undefined;
  }

  /** @internal */ deliver(msg: ConsumeMessage, channel: DeliveryChannel): void {
    // Not gated on the tag: deliveries can arrive in the same socket read as the consume-ok,
    // before the consume call's promise has resolved.
    if (this.handlers !== undefined && !this.ended) {
      this.handlers.delivered(msg, channel);
      return;
    }
    // Cancelled or ended meanwhile: nobody handles it here, so it goes straight back.
    try {
      channel.nack(msg, true);
    } catch {
      // The channel closed: RabbitMQ put it back already.
    }
  }

  /** @internal */ serverCancelled(raw: ConfirmChannel): void {
    // startRaw, not raw: the cancel may come before the consume call has resolved.
    if (this.startRaw !== raw) return;
    this.cancelledOn = raw;
    this.tag = undefined;
    this.lost('cancelled', 'RabbitMQ cancelled the consumer (its queue was deleted?)');
  }

  /** @internal */ lost(cause: ConsumerLossCause, reason: string): void {
    if (!this.ended) this.listener?.(cause, reason);
  }
}
