import type { Channel, ChannelModel, Options } from 'amqplib';

/**
 * A short-lived amqplib channel for declaring, counting, purging and deleting queues. Such
 * operations can fail with a channel error (406 inequivalent arguments, 404 not found) that
 * closes the channel: on a channel of its own, that never breaks a pooled one. After such an
 * error `isOpen` is false; open another for the next operation.
 */
export class QueueChannel {
  private open = true;

  private constructor(private readonly raw: Channel) {
    // A server-side channel close is also emitted as 'error'; unhandled, it would crash the process.
    raw.on('error', () => undefined);
    raw.on('close', () => (this.open = false));
  }

  static async open(connection: ChannelModel): Promise<QueueChannel> {
    return new QueueChannel(await connection.createChannel());
  }

  get isOpen(): boolean {
    return this.open;
  }

  async assertQueue(name: string, options: Options.AssertQueue): Promise<void> {
    await this.raw.assertQueue(name, options);
  }

  /** Ready messages in the queue; rejects with a 404 error (code 404) when it does not exist. */
  async messageCount(name: string): Promise<number> {
    return (await this.raw.checkQueue(name)).messageCount;
  }

  /** Ready messages and consumers (a passive declare: never creates); a 404 error when it does not exist. */
  async check(name: string): Promise<{ messageCount: number; consumerCount: number }> {
    const { messageCount, consumerCount } = await this.raw.checkQueue(name);
    return { messageCount, consumerCount };
  }

  async purgeQueue(name: string): Promise<void> {
    await this.raw.purgeQueue(name);
  }

  async deleteQueue(name: string, options: Options.DeleteQueue): Promise<void> {
    await this.raw.deleteQueue(name, options);
  }

  /** Never rejects: a channel the server closed is closed already. */
  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await this.raw.close().catch(() => undefined);
  }
}
