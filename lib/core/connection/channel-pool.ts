import type { ChannelWrapper } from 'amqp-connection-manager';
import { ChannelLimitExceededError } from '../errors/pool.errors.js';
import type { ChannelLease, ChannelRole } from './connection-holder.js';
import type { ManagedConnection } from './managed-connection.js';

/**
 * A bounded set of channels on one connection. Channels are created on demand and reused;
 * when all are lent out, acquire fails at once (no queueing), as the Python original does.
 */
export class ChannelPool {
  private readonly idle: ChannelWrapper[] = [];
  private readonly all = new Set<ChannelWrapper>();
  private closed = false;

  constructor(
    private readonly connection: ManagedConnection,
    private readonly role: ChannelRole,
    readonly limit: number,
  ) {}

  get size(): number {
    return this.all.size;
  }

  get inUse(): number {
    return this.all.size - this.idle.length;
  }

  acquire(): ChannelLease {
    let channel = this.idle.pop();
    if (!channel) {
      if (this.all.size >= this.limit) throw new ChannelLimitExceededError(this.role, this.limit);
      channel = this.connection.createChannel({ name: `${this.role}-${this.all.size + 1}` });
      this.all.add(channel);
    }
    return this.lease(channel);
  }

  async close(): Promise<void> {
    this.closed = true;
    const channels = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(channels.map((c) => c.close().catch(() => undefined)));
  }

  private lease(channel: ChannelWrapper): ChannelLease {
    let returned = false;
    return {
      channel,
      connection: this.connection,
      release: () => {
        if (returned) return;
        returned = true;
        if (!this.closed && this.all.has(channel)) this.idle.push(channel);
      },
      discard: async () => {
        if (returned) return;
        returned = true;
        this.all.delete(channel);
        // Not awaited: on a connection RabbitMQ blocks, the close-ok never comes.
        void channel.close().catch(() => undefined);
      },
    };
  }
}
