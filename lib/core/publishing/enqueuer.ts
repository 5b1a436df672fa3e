import { BrokerClosedError, BrokerConnectionError } from '../errors/connection.errors.js';
import { ChannelLimitExceededError, ConnectionPoolTimeoutError } from '../errors/pool.errors.js';
import { encodeMessage, messageProperties } from '../message/message-codec.js';
import { type DramatiqMessage, toDelayed } from '../message/message.js';
import type { Middleware } from '../middleware/middleware.js';
import type { BrokerEvents } from '../observability/events/broker-events.js';
import { canonicalQueueName, delayQueueName } from '../topology/naming.js';
import { DelayTooLongError } from '../topology/errors.js';
import type { Topology } from '../topology/topology.js';
import {
  PublishBufferFullError,
  PublishConfirmTimeoutError,
  PublishFailedError,
  PublishRejectedError,
} from './publish.errors.js';
import type { OutgoingMessage, Publisher } from './publisher.js';

export interface EnqueueOptions {
  /** Run no earlier than this many ms from now (through q.DQ). */
  delay?: number;
}

/**
 * Turns a message into a publish: middleware's beforeEnqueue, the delay (q.DQ with eta,
 * as Dramatiq does), Dramatiq's exact encoding, AMQP properties. Resolves with the message
 * as it went on the wire, once RabbitMQ confirmed it.
 */
export class Enqueuer {
  constructor(
    private readonly publisher: Publisher,
    private readonly topology: Topology,
    private readonly middleware: () => readonly Middleware[],
    private readonly events?: BrokerEvents,
  ) {
    if (events !== undefined) publisher.reportSettledTo(this.reportSettled);
  }

  enqueue(message: DramatiqMessage, options: EnqueueOptions = {}): Promise<DramatiqMessage> {
    // Not async: one promise less per send. Synchronous failures still reach the caller as rejections.
    let outgoing: DramatiqMessage | undefined;
    try {
      outgoing = this.prepare(message, options.delay);
      // One property read per send while nobody listens.
      const events = this.events;
      const report = events !== undefined && (events.has('published') || events.has('publishFailed'));
      return this.publisher.publish(this.toPublish(outgoing, options.delay), outgoing, report);
    } catch (err) {
      // Failed after the middleware saw it (an unencodable argument, say): listeners hear of it too.
      const events = this.events;
      if (outgoing !== undefined && events?.has('publishFailed')) {
        const queueName = canonicalQueueName(outgoing.queue_name);
        events.emit('publishFailed', {
          message: outgoing,
          queueName,
          error: err,
          reason: publishFailureReason(err),
          durationMs: 0,
        });
      }
      return Promise.reject(err);
    }
  }

  private prepare(message: DramatiqMessage, delay: number | undefined): DramatiqMessage {
    const queue = canonicalQueueName(message.queue_name);
    const delayed = delay !== undefined && delay > 0;
    // Checked before the middleware: a send refused here never started a span or counted.
    if (delayed) this.topology.assertDelayAllowed(queue, delay);
    let outgoing = message;
    for (const m of this.middleware()) {
      if (m.beforeEnqueue) outgoing = m.beforeEnqueue(outgoing, delay) ?? outgoing;
    }
    if (delayed) return toDelayed(outgoing, Date.now() + delay);
    return outgoing.queue_name === queue ? outgoing : { ...outgoing, queue_name: queue };
  }

  private toPublish(outgoing: DramatiqMessage, delay: number | undefined): OutgoingMessage {
    const delayed = delay !== undefined && delay > 0;
    const queue = canonicalQueueName(outgoing.queue_name);
    const properties = messageProperties(outgoing);
    return {
      queueName: delayed ? delayQueueName(queue) : queue,
      canonicalQueue: queue,
      messageId: outgoing.message_id,
      delayMs: delay,
      body: encodeMessage(outgoing),
      properties: delayed ? { ...properties, expiration: this.topology.delayExpiration(delay) } : properties,
    };
  }

  /** 'published' or 'publishFailed', from the publisher as the send settles (before its caller resumes). */
  private readonly reportSettled = (
    sent: OutgoingMessage,
    message: unknown,
    error: Error | undefined,
    durationMs: number,
  ): void => {
    const events = this.events!;
    const outgoing = message as DramatiqMessage;
    const queueName = sent.canonicalQueue;
    if (error === undefined) {
      events.emit('published', { message: outgoing, queueName, delayMs: sent.delayMs, durationMs });
    } else {
      events.emit('publishFailed', {
        message: outgoing,
        queueName,
        error,
        reason: publishFailureReason(error),
        durationMs,
      });
    }
  };
}

/** A short, low-cardinality name for why a send failed (a metric label). */
export function publishFailureReason(error: unknown): string {
  if (error instanceof PublishConfirmTimeoutError) return 'confirm_timeout';
  if (error instanceof PublishRejectedError) return 'rejected';
  if (error instanceof PublishBufferFullError) return 'buffer_full';
  if (error instanceof PublishFailedError) return 'connection_lost';
  if (error instanceof BrokerConnectionError) return 'connection';
  if (error instanceof ChannelLimitExceededError || error instanceof ConnectionPoolTimeoutError)
    return 'pool_exhausted';
  if (error instanceof BrokerClosedError) return 'closed';
  if (error instanceof DelayTooLongError) return 'delay_too_long';
  return 'other';
}
