import type { ConnectionHolder, ProducerLease } from '../connection/connection-holder.js';
import { isConnectionGone } from '../connection/connection-gone.js';
import type { PublishOutcome } from '../connection/producer-channel.js';
import { BrokerClosedError, BrokerConnectionError } from '../errors/connection.errors.js';
import type { BrokerLogger } from '../logging/broker-logger.js';
import type { MessagingSettings } from '../options/messaging-settings.js';
import { PUBLISH_RETRY } from '../policies/retry-policies.js';
import type { QueueDeclarer } from '../queues/queue-declarer.js';
import { DeadlineQueue } from '../util/deadline-queue.js';
import { Semaphore } from '../util/semaphore.js';
import {
  PublishBufferFullError,
  PublishConfirmTimeoutError,
  PublishFailedError,
  PublishRejectedError,
} from './publish.errors.js';
import { type OutgoingMessage, Send } from './send.js';

export type { OutgoingMessage } from './send.js';

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
 * Told how a send ended, just before its promise settles (so before the caller's continuation):
 * `error` is undefined once confirmed. Called only for sends published with `report` set.
 */
export type SendSettledListener = (
  message: OutgoingMessage,
  result: unknown,
  error: Error | undefined,
  durationMs: number,
) => void;

/** What ends an attempt: the channel's outcome of a write, or a failure before anything was written. */
type AttemptOutcome = PublishOutcome | 'failed';

/**
 * Publishes encoded messages. Each send takes a slot (a bounded number are in the air, a
 * bounded number wait), then runs one loop: attempt (declare the queue if needed, lease a
 * producer channel, write) -> outcome (from the channel) -> decide (settle, or attempt again:
 * once after a return, with the queue declared again; after an interruption, on the
 * reconnected channel). Every send settles within confirmTimeout of the call: its deadline
 * covers the wait for a slot, every attempt and every reconnect.
 */
export class Publisher {
  private readonly slots: Semaphore;
  /** Each send's deadline (confirmTimeout from the call): one timer for all of them. */
  private readonly deadlines: DeadlineQueue<Send>;
  /** Bumped by close(): sends begun before it are not retried on the connections opened after. */
  private generation = 0;
  private readonly onOutcome = (send: Send, outcome: AttemptOutcome, error: unknown) =>
    this.decide(send, outcome, error);
  private settledListener: SendSettledListener | undefined;

  constructor(
    private readonly holder: ConnectionHolder,
    private readonly declarer: QueueDeclarer,
    private readonly settings: MessagingSettings,
    private readonly logger: BrokerLogger,
    private readonly channelCapacity: number,
  ) {
    // Never ask the channel pool for more than it has: sends beyond that wait here, bounded.
    this.slots = new Semaphore(channelCapacity, settings.maxBufferedMessages);
    this.deadlines = new DeadlineQueue<Send>(settings.confirmTimeout, (send) => send.settled, this.expire);
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

  /** Sends in progress are not retried on the connections a later use opens (they reject with BrokerClosedError). */
  close(): void {
    this.generation += 1;
  }

  /** The one listener told of the end of every send published with `report` (the Enqueuer's events). */
  reportSettledTo(listener: SendSettledListener): void {
    this.settledListener = listener;
  }

  /**
   * Resolves with `result` once RabbitMQ confirmed the message (saves the caller a `.then` per
   * send). With `report`, the settled listener hears of the end first: no second promise per send.
   */
  publish<T>(message: OutgoingMessage, result: T, report = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const send = new Send(message, result, resolve as (r: unknown) => void, reject, this.generation, this.onOutcome);
      if (report && this.settledListener !== undefined) send.startedAt = performance.now();
      if (this.slots.tryTake()) {
        this.deadlines.add(send);
        this.granted(send);
      } else if (this.slots.enqueue(() => this.grantedAfterWait(send))) {
        // A closure (no promise) only for a send that has to wait for its slot.
        this.deadlines.add(send);
      } else {
        send.settled = true;
        this.report(send, new PublishBufferFullError(this.settings.maxBufferedMessages));
      }
    });
  }

  /**
   * A waiting send got its slot, possibly from an expiry loop that has not reached it yet: one
   * whose deadline passed is expired here rather than written and then rejected as timed out.
   */
  private grantedAfterWait(send: Send): void {
    if (!send.settled && send.expiresAt <= Date.now()) {
      send.holdsSlot = true;
      this.expire(send);
      return;
    }
    this.granted(send);
  }

  private granted(send: Send): void {
    send.holdsSlot = true;
    // Its deadline passed while it waited for the slot: nothing to do but give it back.
    if (send.settled) this.returnSlot(send);
    else this.attempt(send);
  }

  /** One attempt: the common case (queue declared, a connected channel with room) writes synchronously. */
  private attempt(send: Send): void {
    if (send.settled) return;
    // Begun before close(): not attempted on the connections a later use would open.
    if (send.generation !== this.generation) return this.finish(send, new BrokerClosedError('a send'));
    send.attempt += 1;
    const { canonicalQueue } = send;
    if (!this.declarer.isDeclared(canonicalQueue)) {
      this.declarer.ensure(canonicalQueue).then(
        () => this.leaseAndWrite(send),
        (err: unknown) => this.decide(send, 'failed', err),
      );
      return;
    }
    this.leaseAndWrite(send);
  }

  private leaseAndWrite(send: Send): void {
    if (send.settled) return;
    const lease = this.holder.acquireProducerNow();
    if (lease) {
      this.write(send, lease);
      return;
    }
    this.holder.acquireProducer().then(
      (acquired) => this.write(send, acquired),
      (err: unknown) => this.decide(send, 'failed', err),
    );
  }

  /** Writes on the leased channel; a channel not open yet (new, or reconnecting) is waited for. */
  private write(send: Send, lease: ProducerLease): void {
    send.lease = lease;
    if (send.settled) {
      this.returnLease(send);
      return;
    }
    if (lease.producer.publish(send.queueName, send.body, send.properties, send)) {
      if (!this.settings.confirmDelivery) this.finish(send, undefined); // its outcome is only logged
      return;
    }
    lease.producer.whenOpen().then(
      () => this.write(send, lease),
      (err: unknown) => this.decide(send, 'interrupted', err),
    );
  }

  /** The one place an attempt's outcome is turned into what happens next. */
  private decide(send: Send, outcome: AttemptOutcome, error: unknown): void {
    this.returnLease(send);
    if (send.settled) {
      if (outcome !== 'confirmed' && !this.settings.confirmDelivery)
        this.logger.warn(`Unconfirmed publish of ${send.messageId} failed: ${describe(outcome, error)}`);
      return; // settled earlier: by its deadline, or at the write without confirms
    }
    switch (outcome) {
      case 'confirmed':
        return this.finish(send, undefined);
      case 'returned':
        return this.redeclareAndRetry(send);
      case 'nacked':
        return this.finish(send, new PublishRejectedError(send.queueName, send.messageId, 'message nacked', error));
      case 'refused':
        // The server closed the channel over this publish (403 access refused, say): retrying
        // would be refused the same way. Report the server's own reason.
        return this.finish(
          send,
          new PublishRejectedError(send.queueName, send.messageId, (error as Error).message, error),
        );
      case 'interrupted':
        return this.retryAfterInterruption(send, error);
      case 'failed':
        // Declaring the queue or leasing a channel failed. A connection whose retries are spent
        // reports its own typed error; a connection lost meanwhile is worth another attempt.
        if (error instanceof BrokerConnectionError || error instanceof BrokerClosedError)
          return this.finish(send, error);
        if (isConnectionGone(error)) return this.retryAfterInterruption(send, error);
        return this.finish(send, failed(send, error));
    }
  }

  /**
   * Returned as unroutable (312 NO_ROUTE): the queue was deleted. Declare it again and publish
   * once more; a second return means it cannot be routed at all.
   */
  private redeclareAndRetry(send: Send): void {
    if (send.redeclared) {
      const detail = 'unroutable even after re-declaring the queue';
      return this.finish(send, new PublishRejectedError(send.queueName, send.messageId, detail));
    }
    send.redeclared = true;
    this.logger.warn(`Queue "${send.queueName}" was missing when ${send.messageId} was published; declaring it again.`);
    this.declarer.forget(send.canonicalQueue);
    this.attempt(send);
  }

  private retryAfterInterruption(send: Send, error: unknown): void {
    const { maxEnqueueAttempts } = this.settings;
    if (send.attempt >= maxEnqueueAttempts) return this.finish(send, failed(send, error));
    this.logger.debug?.(
      `Publish of ${send.messageId} interrupted (${describe('interrupted', error)}); attempt ${send.attempt + 1} of ${maxEnqueueAttempts}.`,
    );
    // amqplib reports the closed channel before the connection's own close: pause so the
    // next attempt waits for the reconnect instead of hitting the same dead channel.
    const pause = Math.min(PUBLISH_RETRY.firstPause * 2 ** (send.attempt - 1), PUBLISH_RETRY.maxPause);
    setTimeout(this.attemptAgain, pause, send);
  }

  private readonly attemptAgain = (send: Send) => this.attempt(send);

  private readonly expire = (send: Send) => {
    this.finish(send, new PublishConfirmTimeoutError(send.queueName, send.messageId, this.settings.confirmTimeout));
  };

  /** Settles a send once; whatever it holds goes back here. */
  private finish(send: Send, error: Error | undefined): void {
    if (send.settled) return;
    send.settled = true;
    this.deadlines.settled();
    // A write still in flight keeps no share of its channel: its late outcome is ignored.
    this.returnLease(send);
    this.report(send, error);
    // Last: the release may start waiting sends at once; this one is reported and settled first.
    this.returnSlot(send);
  }

  /** Tells the listener (when the send asked for it), then settles the send's promise. */
  private report(send: Send, error: Error | undefined): void {
    try {
      if (send.startedAt >= 0) this.settledListener?.(send, send.result, error, performance.now() - send.startedAt);
    } catch (err) {
      // The listener is the Enqueuer's event emitter, which catches its listeners' errors.
      this.logger.error(`Reporting the end of a publish failed: ${String(err)}`);
    } finally {
      if (error) send.reject(error);
      else send.resolve(send.result);
    }
  }

  private returnSlot(send: Send): void {
    if (!send.holdsSlot) return;
    send.holdsSlot = false;
    this.slots.release();
  }

  private returnLease(send: Send): void {
    const lease = send.lease;
    if (lease === undefined) return;
    send.lease = undefined;
    lease.release();
  }
}

function failed(send: Send, cause: unknown): PublishFailedError {
  return new PublishFailedError(send.queueName, send.messageId, send.attempt, cause);
}

function describe(outcome: AttemptOutcome, error: unknown): string {
  return error instanceof Error ? error.message : outcome;
}
