import type { ChannelModel, ConfirmChannel, GetMessage, Options } from 'amqplib';

/** A message fetched with basic.get: body, properties and the tag to ack it with. Plain data. */
export type FetchedMessage = Pick<GetMessage, 'content' | 'fields' | 'properties'>;
/** The AMQP properties of a message as amqplib decodes them (plain data). */
export type FetchedProperties = GetMessage['properties'];
/** Properties for publishing a message: headers, priority, expiration, messageId, ... */
export type PublishProperties = Options.Publish;

/** How a confirmed publish ended: taken by a queue, or returned because no queue took it. */
export type OperatorPublishOutcome = 'confirmed' | 'returned';

/**
 * A confirm channel of its own for operator work on queues outside the consume path: read
 * messages without consuming them (basic.get, unacked: closing the channel puts them back in
 * their places), ack chosen ones, publish with confirm, purge. A server-side channel error ends
 * only this channel, never a pooled one.
 */
export class OperatorChannel {
  private open = true;
  private readonly closeListeners: Array<() => void> = [];

  private constructor(private readonly raw: ConfirmChannel) {
    // A server-side channel close is also emitted as 'error'; unhandled, it would crash the process.
    raw.on('error', () => undefined);
    // One 'return' listener per publish in flight (a requeue batch, a worker's concurrency).
    raw.setMaxListeners(0);
    raw.on('close', () => {
      this.open = false;
      for (const listener of this.closeListeners.splice(0)) listener();
    });
  }

  static async open(connection: ChannelModel): Promise<OperatorChannel> {
    return new OperatorChannel(await connection.createConfirmChannel());
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Called once when the channel closes, whoever closed it. */
  onClose(listener: () => void): void {
    if (this.open) this.closeListeners.push(listener);
    else listener();
  }

  /** Ready messages and consumers (a passive declare: never creates); a 404 error when it does not exist. */
  async check(queue: string): Promise<{ messageCount: number; consumerCount: number }> {
    const { messageCount, consumerCount } = await this.raw.checkQueue(queue);
    return { messageCount, consumerCount };
  }

  /** The next message of the queue, left unacked (undefined when the queue is empty). */
  async get(queue: string): Promise<FetchedMessage | undefined> {
    const message = await this.raw.get(queue, { noAck: false });
    return message === false ? undefined : message;
  }

  /** Acks a fetched message: it leaves the queue for good. Goes out before a later close(). */
  ack(message: FetchedMessage): void {
    this.raw.ack(message as GetMessage);
  }

  /** Messages removed. */
  async purge(queue: string): Promise<number> {
    return (await this.raw.purgeQueue(queue)).messageCount;
  }

  /**
   * Publishes on the default exchange to `queue`, mandatory, and resolves once RabbitMQ confirmed
   * it: 'returned' when no queue took it (the queue was deleted), told apart from other publishes
   * by its messageId property. Rejects on a nack, a closed channel or no confirm within `timeoutMs`.
   */
  publish(
    queue: string,
    body: Buffer,
    properties: PublishProperties & { messageId: string },
    timeoutMs: number,
  ): Promise<OperatorPublishOutcome> {
    return new Promise((resolve, reject) => {
      let returned = false;
      let done = false;
      const onReturn = (msg: { properties: { messageId?: unknown } }) => {
        if (msg.properties.messageId === properties.messageId) returned = true;
      };
      const finish = (err: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.raw.off('return', onReturn);
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve(returned ? 'returned' : 'confirmed');
      };
      const timer = setTimeout(() => finish(new Error(`no confirm within ${timeoutMs} ms`)), timeoutMs);
      this.raw.on('return', onReturn);
      try {
        this.raw.publish('', queue, body, { ...properties, mandatory: true }, (err) => finish(err ?? undefined));
      } catch (err) {
        finish(err);
      }
    });
  }

  /** Never rejects: a channel the server closed is closed already. Unacked messages go back. */
  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await this.raw.close().catch(() => undefined);
  }
}
