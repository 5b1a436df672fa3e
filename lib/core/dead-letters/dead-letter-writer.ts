import { randomUUID } from 'node:crypto';
import type { OperatorChannel } from '../connection/operator-channel.js';
import { deadLetterQueueName } from '../topology/naming.js';
import type { DeadLetterCopy } from './dead-letter-copy.js';
import { type OperatorChannelSource, publishConfirmed } from './operator-access.js';

/**
 * Puts a dead-lettered copy (with its reason) on q.XQ and resolves once RabbitMQ confirmed it.
 * The worker acks the original only after that: a process that dies in between leaves the
 * original in q, redelivered later (a second copy in q.XQ at worst, never none).
 *
 * One confirm channel of its own, opened at the first dead letter and kept: a flood of poison
 * messages costs one publish each, not a channel each. It is dropped when it closes (with its
 * connection, say) and opened again at the next dead letter.
 */
export class DeadLetterWriter {
  private open?: Promise<OperatorChannel>;

  constructor(private readonly source: OperatorChannelSource) {}

  async write(queueName: string, copy: DeadLetterCopy): Promise<void> {
    const target = deadLetterQueueName(queueName);
    // The return of an unroutable copy is matched by messageId: an undecodable body may have none.
    const messageId = copy.properties.messageId ?? `dead-letter-${randomUUID()}`;
    const channel = await this.channel();
    await publishConfirmed(channel, target, copy.body, { ...copy.properties, messageId });
  }

  /** Closes the channel (the consumer stopped). Writes after this open a new one. */
  async close(): Promise<void> {
    const open = this.open;
    this.open = undefined;
    const channel = await open?.catch(() => undefined);
    await channel?.close();
  }

  private channel(): Promise<OperatorChannel> {
    this.open ??= this.openChannel().catch((err: unknown) => {
      this.open = undefined;
      throw err;
    });
    return this.open;
  }

  private async openChannel(): Promise<OperatorChannel> {
    const lease = await this.source.acquireForQueues();
    try {
      const opened = this.open;
      const channel = await lease.openOperatorChannel();
      channel.onClose(() => {
        if (this.open === opened) this.open = undefined;
      });
      return channel;
    } finally {
      // The lease only found the connection: the channel is ours, not one of the pool's.
      lease.release();
    }
  }
}
