import { randomUUID } from 'node:crypto';
import { deadLetterQueueName } from '../naming.js';
import type { DeadLetterCopy } from './dead-letter-copy.js';
import { type ChannelSource, publishConfirmed, withConfirmChannel } from './raw-channel.js';

/**
 * Puts a dead-lettered copy (with its reason) on q.XQ and resolves once RabbitMQ confirmed it.
 * The worker acks the original only after that: a process that dies in between leaves the
 * original in q, redelivered later (a second copy in q.XQ at worst, never none).
 */
export class DeadLetterWriter {
  constructor(private readonly source: ChannelSource) {}

  async write(queueName: string, copy: DeadLetterCopy): Promise<void> {
    const target = deadLetterQueueName(queueName);
    // The return of an unroutable copy is matched by messageId: an undecodable body may have none.
    const messageId = copy.properties.messageId ?? `dead-letter-${randomUUID()}`;
    await withConfirmChannel(this.source, (channel) =>
      publishConfirmed(channel, target, copy.body, { ...copy.properties, messageId }),
    );
  }
}
