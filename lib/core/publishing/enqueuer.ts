import { encodeMessage, messageProperties } from '../message/message-codec.js';
import { type DramatiqMessage, toDelayed } from '../message/message.js';
import type { Middleware } from '../middleware/middleware.js';
import { canonicalQueueName, delayQueueName } from '../naming.js';
import type { Topology } from '../topology/topology.js';
import type { Publisher } from './publisher.js';

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

  async enqueue(message: DramatiqMessage, options: EnqueueOptions = {}): Promise<DramatiqMessage> {
    const { delay } = options;
    const queue = canonicalQueueName(message.queue_name);
    let outgoing = message;
    for (const m of this.middleware()) outgoing = m.beforeEnqueue?.(outgoing, delay) ?? outgoing;

    let expiration: string | undefined;
    if (delay !== undefined && delay > 0) {
      this.topology.assertDelayAllowed(queue, delay);
      outgoing = toDelayed(outgoing, Date.now() + delay);
      expiration = this.topology.delayExpiration(delay);
    } else if (outgoing.queue_name !== queue) {
      outgoing = { ...outgoing, queue_name: queue };
    }
    const properties = messageProperties(outgoing);
    await this.publisher.publish({
      queueName: delay !== undefined && delay > 0 ? delayQueueName(queue) : queue,
      canonicalQueue: queue,
      messageId: outgoing.message_id,
      body: encodeMessage(outgoing),
      properties: expiration === undefined ? properties : { ...properties, expiration },
    });
    return outgoing;
  }
}
