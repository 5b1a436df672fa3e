import type { Channel, ConfirmChannel, Message, Options } from 'amqplib';
import type { ChannelLease, ConnectionHolder } from '../connection/connection-holder.js';
import { isConnectionGone } from '../connection/connection-gone.js';
import { BrokerError } from '../errors/broker-error.js';
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

/** DramatiqBroker.publishStats(). */
export interface PublishStats {
  /** Sends holding a slot: being written, awaiting their confirm, or between retries (a reconnect). */
  readonly inFlight: number;
  /** Sends waiting for a slot (bounded by maxBufferedMessages). */
  readonly waiting: number;
  /**
   * Slots now: what the producer channels can carry (maxPublishesPerChannel times the channels or
   * connections), or while a 'shared' worker runs, the smaller of that and maxPublishesWhileConsuming.
   */
  readonly limit: number;
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
  /** Publish options of a message with neither priority nor expiration (most of them): built once. */
  private readonly plainOptions: Options.Publish & { timeout: number };
  private readonly plainDirectOptions: Options.Publish;

  constructor(
    private readonly holder: ConnectionHolder,
    private readonly declarer: QueueDeclarer,
    private readonly settings: MessagingSettings,
    private readonly logger: BrokerLogger,
    private readonly channelCapacity: number,
  ) {
    // Never ask the channel pool for more than it has: sends beyond that wait here, bounded.
    this.slots = new Semaphore(channelCapacity, settings.maxBufferedMessages);
    this.plainOptions = Object.freeze({ persistent: true, mandatory: true, timeout: settings.confirmTimeout });
    this.plainDirectOptions = Object.freeze({ persistent: true, mandatory: true });
  }

  /**
   * Caps the publishes in progress below what the channels could carry (undefined: back to
   * that). Publishes already in progress keep going; new ones wait for the cap.
   */
  limitInFlight(limit: number | undefined): void {
    this.slots.setPermits(limit === undefined ? this.channelCapacity : Math.min(limit, this.channelCapacity));
  }

  stats(): PublishStats {
    return { inFlight: this.slots.inUse, waiting: this.slots.waitingCount, limit: this.slots.permits };
  }

  /** Resolves with `result` once RabbitMQ confirmed the message (saves the caller a `.then` per send). */
  publish<T>(message: OutgoingMessage, result: T): Promise<T> {
    const slot = this.slots.tryAcquire();
    if (slot === false) return Promise.reject(new PublishBufferFullError(this.settings.maxBufferedMessages));
    if (slot === true) return this.publishHoldingSlot(message, result);
    return slot.then(() => this.publishHoldingSlot(message, result));
  }

  /**
   * The common case goes out synchronously: queue already declared, a connected channel with
   * room, its return listener in place. Only the confirm is awaited. Anything else (first use,
   * reconnecting, a failure) takes the general path with its retries.
   */
  private publishHoldingSlot<T>(message: OutgoingMessage, result: T): Promise<T> {
    const lease = this.declarer.isDeclared(message.canonicalQueue) ? this.holder.acquireNow('producer') : undefined;
    if (lease && this.watched.has(lease.channel)) {
      const raw = this.settings.confirmDelivery ? lease.connection.openChannelOf(lease.channel) : undefined;
      if (raw) return this.publishDirect(raw, lease, message, result);
      const published = this.publishOnce(lease, message).then(
        () => {
          lease.release();
          if (!this.returned.delete(message.messageId)) return this.slots.release();
          return this.settle(this.publishWithRetries(message, 1, this.redeclare(message)));
        },
        (err: unknown) => {
          lease.release();
          const next = this.afterFailure(err, lease, message, 1);
          return this.settle(next.then(() => this.publishWithRetries(message, 2, false)));
        },
      );
      return published.then(() => result);
    }
    lease?.release();
    return this.settle(this.publishWithRetries(message, 1, false)).then(() => result);
  }

  /**
   * Writes to the open amqplib channel under the wrapper and waits for the confirm there: no
   * queue, record or promise of amqp-connection-manager's per message. Whatever goes wrong
   * (the channel closes under it, a nack, a return) continues on the general path, which
   * goes through the wrapper and so waits for a reconnect. A confirm that does not come
   * within confirmTimeout rejects, as on the general path.
   */
  private publishDirect<T>(raw: ConfirmChannel, lease: ChannelLease, message: OutgoingMessage, result: T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        lease.release();
        this.slots.release();
        reject(new PublishConfirmTimeoutError(message.queueName, message.messageId, this.settings.confirmTimeout));
      }, this.settings.confirmTimeout);
      const onConfirm = (err: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        lease.release();
        if (err == null) {
          if (!this.returned.delete(message.messageId)) {
            this.slots.release();
            resolve(result);
            return;
          }
          const again = Promise.resolve().then(() => this.publishWithRetries(message, 1, this.redeclare(message)));
          resolve(this.settle(again).then(() => result));
          return;
        }
        const next = this.afterFailure(err, lease, message, 1).then(() => this.publishWithRetries(message, 2, false));
        resolve(this.settle(next).then(() => result));
      };
      try {
        const { properties } = message;
        const options =
          properties.priority === undefined && properties.expiration === undefined
            ? this.plainDirectOptions
            : { ...properties, mandatory: true };
        // A false return only means amqplib's buffer is past its mark: the slots bound what we put there.
        raw.publish('', message.queueName, message.body, options, onConfirm);
      } catch (err) {
        onConfirm(err); // the channel closed between the check and the write
      }
    });
  }

  /** Gives the slot back once `work` settled, passing its outcome on. */
  private settle(work: Promise<void>): Promise<void> {
    return work.then(
      () => this.slots.release(),
      (err: unknown) => {
        this.slots.release();
        throw err;
      },
    );
  }

  private async publishWithRetries(message: OutgoingMessage, firstAttempt: number, redeclared: boolean): Promise<void> {
    for (let attempt = firstAttempt; ; attempt += 1) {
      let lease: ChannelLease | undefined;
      try {
        if (!this.declarer.isDeclared(message.canonicalQueue)) await this.declarer.ensure(message.canonicalQueue);
        // A connection that cannot be (re)opened already went through its own retry policy.
        lease = await this.holder.acquire('producer');
        if (!this.watched.has(lease.channel)) await this.watchReturns(lease);
        await this.publishOnce(lease, message);
        lease.release();
      } catch (err) {
        // The channel is shared by other publishes: give it back; the pool drops it if it died.
        lease?.release();
        await this.afterFailure(err, lease, message, attempt);
        continue;
      }
      if (!this.returned.delete(message.messageId)) return;
      redeclared = this.redeclare(message, redeclared);
    }
  }

  /**
   * Decides on a failed attempt: throws the error to report, or resolves (after a pause) when
   * the next attempt should go.
   */
  private async afterFailure(
    err: unknown,
    lease: ChannelLease | undefined,
    message: OutgoingMessage,
    attempt: number,
  ): Promise<void> {
    // amqp-connection-manager and amqplib report a confirm timeout and a nack as plain errors.
    const text = err instanceof Error && !(err instanceof BrokerError) ? err.message : undefined;
    if (text === 'timeout')
      throw new PublishConfirmTimeoutError(message.queueName, message.messageId, this.settings.confirmTimeout);
    if (text === 'message nacked') throw new PublishRejectedError(message.queueName, message.messageId, text, err);
    if (err instanceof PublishConfirmTimeoutError || err instanceof PublishRejectedError) throw err;
    if (err instanceof BrokerConnectionError) throw err;
    // The server closed the channel over this publish (403 access refused, say): retrying
    // would be refused the same way. Report the server's own reason.
    const refused = lease?.connection.serverCloseReason(lease.channel);
    if (refused) throw new PublishRejectedError(message.queueName, message.messageId, refused.message, err);
    const { maxEnqueueAttempts } = this.settings;
    if (!isConnectionGone(err) || attempt >= maxEnqueueAttempts) {
      throw new PublishFailedError(message.queueName, message.messageId, attempt, err);
    }
    this.logger.debug?.(
      `Publish of ${message.messageId} interrupted (${(err as Error).message}); attempt ${attempt + 1} of ${maxEnqueueAttempts}.`,
    );
    // amqplib reports the closed channel before the connection's own close: pause so the
    // next attempt waits for the reconnect instead of hitting the same dead channel.
    await pause(Math.min(100 * 2 ** (attempt - 1), 2_000));
  }

  /**
   * Returned as unroutable (312 NO_ROUTE): the queue was deleted. Declare it again and publish
   * once more; a second return means it cannot be routed at all.
   */
  private redeclare(message: OutgoingMessage, alreadyRedeclared = false): true {
    if (alreadyRedeclared)
      throw new PublishRejectedError(
        message.queueName,
        message.messageId,
        'unroutable even after re-declaring the queue',
      );
    this.logger.warn(
      `Queue "${message.queueName}" was missing when ${message.messageId} was published; declaring it again.`,
    );
    this.declarer.forget(message.canonicalQueue);
    return true;
  }

  /** Hands the message to the channel; resolves on the confirm (at once without confirms). */
  private publishOnce(lease: ChannelLease, message: OutgoingMessage): Promise<unknown> {
    const { properties } = message;
    const options =
      properties.priority === undefined && properties.expiration === undefined
        ? this.plainOptions
        : { ...properties, mandatory: true, timeout: this.settings.confirmTimeout };
    const sent = lease.channel.publish('', message.queueName, message.body, options);
    if (this.settings.confirmDelivery) return sent;
    sent.catch((err: Error) => this.logger.warn(`Unconfirmed publish of ${message.messageId} failed: ${err.message}`));
    return Promise.resolve();
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
