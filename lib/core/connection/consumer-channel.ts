import type { Channel, ConsumeMessage } from 'amqplib';
import { ManagedChannel } from './managed-channel.js';

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
 */
export class DeliveryChannel {
  constructor(private readonly raw: Channel) {}

  ack(delivery: Delivery, allUpTo = false): void {
    this.raw.ack(delivery as ConsumeMessage, allUpTo);
  }

  nack(delivery: Delivery, requeue: boolean): void {
    this.raw.nack(delivery as ConsumeMessage, false, requeue);
  }
}

export interface ConsumeHandlers {
  /** A new amqplib channel opened (the first, or after a reconnect); its deliveries follow. */
  opened(channel: DeliveryChannel): void;
  delivered(delivery: Delivery, channel: DeliveryChannel): void;
}

/**
 * A channel that consumes one queue. The consumer is registered through amqp-connection-manager,
 * so it comes back after reconnects; the prefetch is set on every new amqplib channel before
 * the consumer is registered on it.
 */
export class ConsumerChannel extends ManagedChannel {
  private current: DeliveryChannel | undefined;
  private consumerTag: string | undefined;

  async consume(queue: string, prefetch: number, handlers: ConsumeHandlers): Promise<void> {
    // Awaited and caught here: amqp-connection-manager's own `prefetch` option fires the call
    // without awaiting it, so a connection lost at that moment is an unhandled rejection.
    await this.wrapper.addSetup(async (raw: Channel) => {
      this.current = new DeliveryChannel(raw);
      handlers.opened(this.current);
      await raw.prefetch(prefetch, false).catch(() => undefined);
    });
    const { consumerTag } = await this.wrapper.consume(
      queue,
      (msg) => {
        // Setups run before consumers, so `current` is the channel that delivered.
        if (this.current) handlers.delivered(msg, this.current);
      },
      { noAck: false },
    );
    this.consumerTag = consumerTag;
  }

  /** Stops the deliveries (RabbitMQ confirms the cancel; on a stalled connection it never does). */
  async cancel(): Promise<void> {
    if (this.consumerTag) await this.wrapper.cancel(this.consumerTag);
  }

  /**
   * Calls `listener` once the consumer cannot come back by itself: its connection gave up
   * (retries spent), or its channel closed while the connection stayed up (a channel error,
   * RabbitMQ's consumer_timeout: amqp-connection-manager only re-creates channels on reconnect).
   * Returns a function that removes the listener.
   */
  onLost(listener: (cause: 'connection' | 'channel', reason: string) => void): () => void {
    const onFailed = () => listener('connection', 'its connection gave up (retries spent)');
    const onDead = (dead: unknown) => {
      if (dead === this) listener('channel', 'its channel closed while the connection stayed up');
    };
    this.host.on('failed', onFailed);
    this.host.on('channelDead', onDead);
    return () => {
      this.host.off('failed', onFailed);
      this.host.off('channelDead', onDead);
    };
  }
}
