import { setMaxListeners } from 'node:events';
import type { ConsumerLease } from '../connection/connection-holder.js';
import type { Delivery, DeliveryChannel } from '../connection/consumer-channel.js';
import { deadLetterCopy } from '../dead-letters/dead-letter-copy.js';
import { buildRecord } from '../dead-letters/dead-letter-reason.js';
import { DeadLetterWriter } from '../dead-letters/dead-letter-writer.js';
import { DeadLetterPublishError } from '../dead-letters/dead-letter.errors.js';
import { decodeMessage, MessageDecodeError } from '../message/message-codec.js';
import { type DramatiqMessage, toDue } from '../message/message.js';
import { canonicalQueueName, isDelayQueue } from '../topology/naming.js';
import { CONSUMER_RESTART } from '../policies/retry-policies.js';
import { LinkedList } from '../util/linked-list.js';
import { Semaphore } from '../util/semaphore.js';
import type { Outcome } from './message-processor.js';
import { MiddlewareFailures } from './middleware-failures.js';
import type { WorkerHost } from './worker-host.js';
import { prefetchFor, type WorkerSettings } from './worker-options.js';
import { settledWithin } from '../util/settled-within.js';

/** Pause before a message is handed back after a transient failure, so it does not spin. */
const REQUEUE_PAUSE_MS = CONSUMER_RESTART.requeuePause;

/** A delivery taken and not yet settled, with the channel it must be settled on. */
interface TakenDelivery {
  readonly delivery: Delivery;
  readonly channel: DeliveryChannel;
  prev: TakenDelivery | undefined;
  next: TakenDelivery | undefined;
}

export interface ConsumerStats {
  received: number;
  acked: number;
  deadLettered: number;
  requeued: number;
  delayed: number;
}

/**
 * Consumes one queue (q or q.DQ) on a consumer channel. The consumer is registered through
 * the channel wrapper, so it comes back after reconnects and can be cancelled on shutdown.
 * Each delivery is acked or nacked on the very channel that delivered it: after a reconnect
 * an old delivery tag is never sent on the new channel (RabbitMQ redelivers the message).
 */
export class QueueConsumer {
  readonly stats: ConsumerStats = { received: 0, acked: 0, deadLettered: 0, requeued: 0, delayed: 0 };
  private readonly delayQueue: boolean;
  private readonly canonical: string;
  private readonly limiter: Semaphore;
  /** Hook failures per message: a message whose hooks keep throwing is dead-lettered, not looped. */
  private readonly hookFailures: MiddlewareFailures;
  /** Deliveries being handled; `drained` is called when the count drops to zero. */
  private running = 0;
  private drained?: () => void;
  private readonly held = new Set<{ timer: NodeJS.Timeout; release(): void }>();
  private readonly abort = new AbortController();
  private lease?: ConsumerLease;
  /** The channel of the latest delivery (its pending acks go out before the consumer stops). */
  private currentChannel?: DeliveryChannel;
  /**
   * Deliveries taken and not yet settled. Settling one twice is a no-op, and those still running
   * when the shutdown timeout passes are handed back at once: the channel may stay open for the
   * other consumers it carries, so closing it no longer returns them.
   */
  private readonly unsettled = new LinkedList<TakenDelivery>();
  private stopped = false;
  private readonly deadLetters: DeadLetterWriter;
  private restartTimer?: NodeJS.Timeout;
  private detachLease?: () => void;

  constructor(
    readonly queueName: string,
    private readonly host: WorkerHost,
    private readonly settings: WorkerSettings,
  ) {
    this.delayQueue = isDelayQueue(queueName);
    this.canonical = canonicalQueueName(queueName);
    this.limiter = new Semaphore(settings.concurrency);
    this.hookFailures = new MiddlewareFailures(settings.maxMiddlewareFailures, host.logger, queueName);
    this.deadLetters = new DeadLetterWriter(host);
    // Every running message listens on this signal; their number is bounded by the prefetch.
    setMaxListeners(0, this.abort.signal);
  }

  get inFlight(): number {
    return this.running;
  }

  async start(): Promise<void> {
    await this.host.declareQueue(this.canonical);
    const lease = await this.host.acquireConsumer();
    this.lease = lease;
    if (this.stopped) {
      lease.release();
      return;
    }
    const prefetch = prefetchFor(this.settings.concurrency, this.delayQueue);
    // Listening before consuming: a consumer the server cancels at once is still restarted.
    this.detachLease = lease.consumer.onLost((cause, reason) =>
      this.scheduleRestart(
        lease,
        reason,
        cause === 'connection' ? this.host.restartDelayMs : CONSUMER_RESTART.channelClosedDelay,
      ),
    );
    try {
      await lease.consumer.consume(this.queueName, prefetch, {
        delivered: (delivery, channel) => this.onDelivery(delivery, channel),
      });
    } catch (err) {
      // Refused (or its channel failed): this lease is done; the caller decides about a retry,
      // and a late loss report of the same channel must not schedule a second one.
      this.detachLease?.();
      this.detachLease = undefined;
      if (this.lease === lease) this.lease = undefined;
      await lease.discard();
      throw err;
    }
    this.host.logger.log(`Consuming "${this.queueName}" (prefetch ${prefetch}).`);
  }

  /** Stops taking messages, lets running ones finish up to the timeout, then lets the rest go back. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const lease = this.lease;
    this.lease = undefined;
    this.detachLease?.();
    // Bounded: on a black-holed connection the cancel-ok never comes.
    if (lease) await settledWithin(lease.consumer.cancel(), CONSUMER_RESTART.cancelTimeout);
    for (const hold of this.held) {
      clearTimeout(hold.timer);
      hold.release();
    }
    this.held.clear();
    if (this.running > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      const done = new Promise<'done'>((resolve) => (this.drained = () => resolve('done')));
      const outcome = await Promise.race([done, timedOut]);
      clearTimeout(timer);
      this.drained = undefined;
      if (outcome === 'timeout') {
        this.host.logger.warn(
          `${this.running} message(s) on "${this.queueName}" not finished after ${timeoutMs} ms; they go back to the queue.`,
        );
        this.abort.abort(new Error('worker shutdown'));
        this.handBackUnsettled();
      }
    }
    // Acks of finished messages go out before the channel closes (or the lease leaves it).
    this.currentChannel?.acks.flush();
    if (lease) await lease.discard();
    await this.deadLetters.close();
  }

  private scheduleRestart(old: ConsumerLease, reason: string, delay: number): void {
    if (this.stopped || this.lease !== old) return;
    this.lease = undefined;
    this.detachLease?.();
    // The queue may have been deleted under us: declare it again on restart.
    this.host.forgetQueue(this.canonical);
    void old.discard();
    this.host.logger.warn(`The consumer of "${this.queueName}" stopped: ${reason}. Restarting it in ${delay} ms.`);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.start().catch((err: Error) => {
        this.host.logger.error(`Restarting the consumer of "${this.queueName}" failed: ${err.message}`);
        if (!this.stopped) this.scheduleRestartAfterFailure();
      });
    }, delay);
  }

  private scheduleRestartAfterFailure(): void {
    if (this.stopped) return;
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.start().catch(() => this.scheduleRestartAfterFailure());
    }, this.host.restartDelayMs);
  }

  private onDelivery(delivery: Delivery, channel: DeliveryChannel): void {
    this.stats.received += 1;
    channel.acks.track(delivery.fields.deliveryTag);
    const taken: TakenDelivery = { delivery, channel, prev: undefined, next: undefined };
    this.unsettled.push(taken);
    this.currentChannel = channel;
    this.running += 1;
    void this.handle(taken);
  }

  /** Returns every delivery still running to RabbitMQ now; their later outcome is ignored. */
  private handBackUnsettled(): void {
    for (const { delivery, channel } of this.unsettled.toArray()) {
      channel.acks.forget(delivery.fields.deliveryTag);
      try {
        channel.nack(delivery, true);
      } catch {
        // The channel closed: RabbitMQ put it back already.
      }
    }
    this.unsettled.clear();
  }

  /** Never rejects: every path settles the delivery, and the running count always drops. */
  private async handle(taken: TakenDelivery): Promise<void> {
    try {
      await this.handleMessage(taken);
    } catch (err) {
      this.host.logger.error(
        `Unexpected failure handling a message from "${this.queueName}": ${(err as Error).message}`,
      );
      this.settle(taken, { kind: 'requeue', reason: (err as Error).message });
    } finally {
      this.running -= 1;
      if (this.running === 0) this.drained?.();
    }
  }

  private async handleMessage(taken: TakenDelivery): Promise<void> {
    let message: DramatiqMessage;
    try {
      message = decodeMessage(taken.delivery.content, { maxBytes: this.host.maxMessageBytes });
    } catch (err) {
      const reason = err instanceof MessageDecodeError ? err.message : String(err);
      await this.deadLetter(taken, {
        kind: 'dead-letter',
        reason,
        cause: { reason: 'undecodable_body', error: err },
      });
      return;
    }
    const eta = typeof message.options.eta === 'number' ? message.options.eta : undefined;
    if (eta !== undefined && eta > Date.now()) {
      const events = this.host.events;
      const watched = events?.has('delayHeld') === true;
      const delayEvent = watched ? { message, queueName: this.canonical, actorName: message.actor_name } : undefined;
      if (delayEvent) events!.emit('delayHeld', delayEvent);
      let due: boolean;
      try {
        due = await this.holdUntil(eta);
      } finally {
        if (delayEvent) events!.emit('delayReleased', delayEvent);
      }
      if (this.stopped) {
        this.settle(taken, { kind: 'requeue', reason: 'worker stopping' }, message, true);
        return;
      }
      if (!due) {
        // Held as long as allowed (RabbitMQ's consumer_timeout must not fire): back to q.DQ, same eta.
        await this.republish(taken, toDue(message), Math.max(0, eta - Date.now()));
        return;
      }
    }
    if (this.delayQueue) {
      // Due: publish the copy to q, then ack the q.DQ delivery (Dramatiq's order: nothing lost).
      await this.republish(taken, toDue(message), undefined);
      return;
    }
    const actor = this.host.getActor(message.actor_name);
    if (!actor) {
      const reason = `no actor named "${message.actor_name}" in this worker`;
      await this.deadLetter(taken, { kind: 'dead-letter', reason, cause: { reason: 'unknown_actor' } }, message);
      return;
    }
    const slot = this.limiter.tryAcquire(); // never false: the limiter has no wait bound
    if (slot !== true) await slot;
    if (this.stopped) {
      // Waited for a slot past shutdown: it goes back to the queue unprocessed.
      this.limiter.release();
      this.settle(taken, { kind: 'requeue', reason: 'worker stopping' }, message, true);
      return;
    }
    try {
      let outcome = await this.host.processor.process(message, actor, this.abort.signal);
      // An ack costs one comparison here while no message has a hook failure counted.
      if (outcome.kind !== 'ack' || this.hookFailures.size !== 0) outcome = this.hookFailures.decide(message, outcome);
      if (outcome.kind === 'requeue') await pause(REQUEUE_PAUSE_MS);
      if (outcome.kind === 'dead-letter') {
        await this.deadLetter(taken, outcome, message);
        return;
      }
      // A counted hook failure was logged once, at the message's first: not at every return.
      this.settle(taken, outcome, message, outcome.kind === 'requeue' && outcome.hookFailure !== undefined);
    } finally {
      this.limiter.release();
    }
  }

  private async republish(taken: TakenDelivery, message: DramatiqMessage, delay: number | undefined): Promise<void> {
    try {
      await this.host.enqueue(message, delay === undefined ? {} : { delay });
      this.stats.delayed += delay === undefined ? 0 : 1;
      this.settle(taken, { kind: 'ack' }, message);
    } catch (err) {
      await pause(REQUEUE_PAUSE_MS);
      this.settle(taken, { kind: 'requeue', reason: `could not move the message: ${(err as Error).message}` }, message);
    }
  }

  /**
   * Dead-letters with the reason on the message: a copy carrying the record goes to q.XQ and,
   * once RabbitMQ confirmed it, the delivery is acked. A process that dies in between leaves the
   * original unacked, so RabbitMQ delivers it again (a duplicate in q.XQ at worst, never a loss).
   * When the copy cannot be published the delivery is nacked without requeue instead: RabbitMQ
   * dead-letters it itself (x-death headers, no record), as before.
   */
  private async deadLetter(
    taken: TakenDelivery,
    outcome: Extract<Outcome, { kind: 'dead-letter' }>,
    message?: DramatiqMessage,
  ): Promise<void> {
    const record = buildRecord({
      cause: outcome.cause ?? { reason: 'failed' },
      detail: outcome.reason,
      attempts: message ? Number(message.options.retries ?? 0) + 1 : 1,
      worker: this.lease?.connection.info().name ?? 'unknown',
      queue: this.queueName,
    });
    const copy = deadLetterCopy(taken.delivery, message, record);
    try {
      await this.deadLetters.write(this.canonical, copy).catch(async (err: unknown) => {
        // q.XQ deleted under the worker: declare the queues again and try once more.
        if (!(err instanceof DeadLetterPublishError && err.unroutable)) throw err;
        this.host.forgetQueue(this.canonical);
        await this.host.declareQueue(this.canonical);
        await this.deadLetters.write(this.canonical, copy);
      });
    } catch (err) {
      this.host.logger.warn(
        `Could not put the dead-letter reason on ${message?.message_id ?? 'a message'} from "${this.queueName}" ` +
          `(${(err as Error).message}); RabbitMQ dead-letters it without it.`,
      );
      this.settle(taken, outcome, message);
      return;
    }
    this.settle(taken, outcome, message, false, true);
  }

  /** Waits until `eta` or maxHoldTime, whichever first; true when due. False also when stopping. */
  private holdUntil(eta: number): Promise<boolean> {
    const wait = Math.min(eta - Date.now(), this.settings.maxHoldTime);
    return new Promise((resolve) => {
      const hold = {
        timer: setTimeout(() => {
          this.held.delete(hold);
          resolve(eta <= Date.now() + 5);
        }, wait),
        release: () => resolve(false),
      };
      this.held.add(hold);
    });
  }

  private settle(
    taken: TakenDelivery,
    outcome: Outcome,
    message?: DramatiqMessage,
    quiet = false,
    /** A dead letter whose copy is on q.XQ already: the delivery is acked, not nacked. */
    copied = false,
  ): void {
    // Settled already (handed back at the shutdown timeout): RabbitMQ has it again.
    if (!this.unsettled.remove(taken)) return;
    const { delivery, channel } = taken;
    try {
      const batcher = channel.acks;
      if (outcome.kind === 'ack' || copied) {
        batcher.ack(delivery.fields.deliveryTag);
        if (outcome.kind === 'ack') {
          this.stats.acked += 1;
          return;
        }
      }
      if (!copied) batcher.forget(delivery.fields.deliveryTag);
      const id = message ? `${message.message_id} (${message.actor_name})` : 'message';
      if (outcome.kind === 'dead-letter') {
        if (!copied) channel.nack(delivery, false);
        this.stats.deadLettered += 1;
        this.host.logger.error(
          `Dead-lettered ${id} from "${this.queueName}" to "${this.canonical}.XQ": ${outcome.reason}`,
        );
        const events = this.host.events;
        if (events?.has('deadLettered')) {
          events.emit('deadLettered', {
            message,
            queueName: this.canonical,
            actorName: message?.actor_name,
            reason: outcome.reason,
          });
        }
      } else {
        channel.nack(delivery, true);
        this.stats.requeued += 1;
        if (!quiet) this.host.logger.warn(`Returned ${id} to "${this.queueName}" for redelivery: ${outcome.reason}`);
      }
    } catch {
      // The delivering channel closed meanwhile: RabbitMQ already put the message back.
    }
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
