import type { Channel, Message } from 'amqplib';
import type { ChannelLease, ConnectionHolder } from '../connection/connection-holder.js';
import { isConnectionGone } from '../connection/connection-gone.js';
import { BrokerConnectionError } from '../errors/connection.errors.js';
import type { BrokerLogger } from '../logging/broker-logger.js';
import type { MessagingSettings } from '../options/messaging-settings.js';
import { Semaphore } from '../util/semaphore.js';
import {
  PublishBufferFullError,
  PublishConfirmTimeoutError,
  PublishFailedError,
  PublishRejectedError,
} from './publish.errors.js';
import type { QueueDeclarer } from './queue-declarer.js';

export interface OutgoingMessage {
  readonly queueName: string;
  /** Canonical queue (without .DQ), whose declaration covers `queueName`. */
  readonly canonicalQueue: string;
  readonly messageId: string;
  readonly body: Buffer;
  readonly properties: { persistent: true; priority?: number; expiration?: string };
}


/**
 * Publishes encoded messages: one producer channel per publish, confirm awaited (with a
 * timeout), mandatory so that a deleted queue is noticed and re-declared, bounded retries
 * when the connection fails mid-publish, and a bounded number of sends in the air.
 */
export class Publisher {
  private readonly slots: Semaphore;
  private readonly returned = new Set<string>();
  private readonly watched = new WeakSet<object>();

  constructor(
    private readonly holder: ConnectionHolder,
    private readonly declarer: QueueDeclarer,
    private readonly settings: MessagingSettings,
    private readonly logger: BrokerLogger,
    channelCapacity: number,
  ) {
    // Never ask the channel pool for more than it has: sends beyond that wait here, bounded.
    this.slots = new Semaphore(channelCapacity, settings.maxBufferedMessages);
  }

  /** Sends waiting for a channel or a confirm, for tests and metrics. */
  get pending(): number {
    return this.slots.inUse + this.slots.waitingCount;
  }

  async publish(message: OutgoingMessage): Promise<void> {
    const slot = this.slots.tryAcquire();
    if (slot === false) throw new PublishBufferFullError(this.settings.maxBufferedMessages);
    await slot;
    try {
      await this.publishWithRetries(message);
    } finally {
      this.slots.release();
    }
  }

  private async publishWithRetries(message: OutgoingMessage): Promise<void> {
    const { maxEnqueueAttempts } = this.settings;
    let redeclared = false;
    for (let attempt = 1; ; attempt += 1) {
      let lease: ChannelLease | undefined;
      try {
        if (!this.declarer.isDeclared(message.canonicalQueue)) await this.declarer.ensure(message.canonicalQueue);
        // A connection that cannot be (re)opened already went through its own retry policy.
        lease = await this.holder.acquire('producer');
        await this.publishOnce(lease, message);
        lease.release();
      } catch (err) {
        // The channel is shared by other publishes: give it back; the pool drops it if it died.
        lease?.release();
        if (err instanceof PublishConfirmTimeoutError || err instanceof PublishRejectedError) throw err;
        if (err instanceof BrokerConnectionError) throw err;
        // The server closed the channel over this publish (403 access refused, say): retrying
        // would be refused the same way. Report the server's own reason.
        const refused = lease?.connection.serverCloseReason(lease.channel);
        if (refused) throw new PublishRejectedError(message.queueName, message.messageId, refused.message, err);
        const retryable = isConnectionGone(err);
        if (!retryable || attempt >= maxEnqueueAttempts) {
          throw new PublishFailedError(message.queueName, message.messageId, attempt, err);
        }
        this.logger.debug?.(`Publish of ${message.messageId} interrupted (${(err as Error).message}); attempt ${attempt + 1} of ${maxEnqueueAttempts}.`);
        // amqplib reports the closed channel before the connection's own close: pause so the
        // next attempt waits for the reconnect instead of hitting the same dead channel.
        await pause(Math.min(100 * 2 ** (attempt - 1), 2_000));
        continue;
      }
      if (!this.returned.delete(message.messageId)) return;
      // Returned as unroutable (312 NO_ROUTE): the queue was deleted. Declare it again, publish once more.
      if (redeclared) throw new PublishRejectedError(message.queueName, message.messageId, 'unroutable even after re-declaring the queue');
      redeclared = true;
      this.logger.warn(`Queue "${message.queueName}" was missing when ${message.messageId} was published; declaring it again.`);
      this.declarer.forget(message.canonicalQueue);
    }
  }

  private async publishOnce(lease: ChannelLease, message: OutgoingMessage): Promise<void> {
    if (!this.watched.has(lease.channel)) await this.watchReturns(lease);
    const { confirmDelivery, confirmTimeout } = this.settings;
    const sent = lease.channel.publish('', message.queueName, message.body, {
      ...message.properties,
      mandatory: true,
      timeout: confirmTimeout,
    });
    if (!confirmDelivery) {
      sent.catch((err: Error) => this.logger.warn(`Unconfirmed publish of ${message.messageId} failed: ${err.message}`));
      return;
    }
    try {
      await sent;
    } catch (err) {
      const text = String((err as Error)?.message);
      if (text === 'timeout') throw new PublishConfirmTimeoutError(message.queueName, message.messageId, confirmTimeout);
      if (/nack/i.test(text)) throw new PublishRejectedError(message.queueName, message.messageId, text, err);
      throw err;
    }
  }

  /** Records returned (unroutable) messages by id; RabbitMQ sends the return before the confirm. */
  private async watchReturns(lease: ChannelLease): Promise<void> {
    this.watched.add(lease.channel);
    // A setup runs again on every reconnect, so the listener follows the channel.
    await lease.channel.addSetup((raw: Channel) => {
      raw.on('return', (msg: Message) => {
        // Callbacks and pipelines nest whole messages in args/options, which come before the
        // top-level message_id in Dramatiq's key order: the last occurrence is this message's.
        const text = msg.content.toString('latin1');
        const at = text.lastIndexOf('"message_id":"');
        const id = at < 0 ? undefined : text.slice(at + 14, text.indexOf('"', at + 14));
        if (id && this.settings.confirmDelivery) this.returned.add(id);
      });
    });
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
