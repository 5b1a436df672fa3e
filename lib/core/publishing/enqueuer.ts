import { encodeMessage, messageProperties } from '../message/message-codec.js';
import { type DramatiqMessage, toDelayed } from '../message/message.js';
import type { Middleware } from '../middleware/middleware.js';
import { canonicalQueueName, delayQueueName } from '../naming.js';
import type { Topology } from '../topology/topology.js';
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
  ) {}

  enqueue(message: DramatiqMessage, options: EnqueueOptions = {}): Promise<DramatiqMessage> {
    // Not async: one promise less per send. Synchronous failures still reach the caller as rejections.
    try {
      const outgoing = this.prepare(message, options.delay);
      return this.publisher.publish(this.toPublish(outgoing, options.delay), outgoing);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private prepare(message: DramatiqMessage, delay: number | undefined): DramatiqMessage {
    let outgoing = message;
    for (const m of this.middleware()) {
      if (m.beforeEnqueue) outgoing = m.beforeEnqueue(outgoing, delay) ?? outgoing;
    }
    const queue = canonicalQueueName(message.queue_name);
    if (delay !== undefined && delay > 0) {
      this.topology.assertDelayAllowed(queue, delay);
      return toDelayed(outgoing, Date.now() + delay);
    }
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
      body: encodeMessage(outgoing),
      properties: delayed ? { ...properties, expiration: this.topology.delayExpiration(delay) } : properties,
    };
  }
}
