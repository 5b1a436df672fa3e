import { ChannelLimitExceededError } from '../errors/pool.errors.js';
import type { ChannelRole } from './connection-holder.js';
import { LeaseCounter } from './lease-counter.js';
import type { ManagedChannel } from './managed-channel.js';
import type { ManagedConnection } from './managed-connection.js';
import { type LeaseOwner, PoolLease } from './pool-lease.js';

/**
 * A bounded set of producer channels on one connection. Channels are created on demand and
 * reused; a channel serves up to `sharing` leases at once (many publishes in flight share one).
 * When every channel is full and the limit is reached, acquire fails at once (no queueing), as
 * the Python original does. Consumer channels have their own pool (ConsumerChannelPool).
 */
export class ChannelPool implements LeaseOwner<ManagedChannel> {
  private readonly leases: LeaseCounter<ManagedChannel>;
  private created = 0;
  private closed = false;

  constructor(
    private readonly connection: ManagedConnection,
    private readonly role: ChannelRole,
    readonly limit: number,
    sharing = 1,
  ) {
    this.leases = new LeaseCounter(sharing);
  }

  get size(): number {
    return this.leases.size;
  }

  get inUse(): number {
    return this.leases.busy;
  }

  /** A lease on a channel with room, a new channel when below the limit; throws when exhausted. */
  acquire(): PoolLease<ManagedChannel> {
    const lease = this.tryAcquire();
    if (!lease) throw new ChannelLimitExceededError(this.role, this.limit);
    return lease;
  }

  /** As acquire, but undefined instead of an error when every channel is full. */
  tryAcquire(): PoolLease<ManagedChannel> | undefined {
    let channel = this.leases.pickWithRoom(isUsable, this.dropChannel);
    if (!channel) {
      if (this.leases.size >= this.limit) return undefined;
      this.created += 1;
      channel = this.connection.createChannel(this.role, `${this.role}-${this.created}`);
      this.leases.add(channel);
    }
    this.leases.take(channel);
    return new PoolLease(this, channel, channel, this.connection);
  }

  async close(): Promise<void> {
    this.closed = true;
    const channels = this.leases.resources();
    for (const c of channels) this.leases.delete(c);
    await Promise.all(channels.map((c) => c.close()));
  }

  /** Made once: tryAcquire runs for every publish. */
  private readonly dropChannel = (channel: ManagedChannel) => this.drop(channel);

  private drop(channel: ManagedChannel): void {
    this.leases.delete(channel);
    // Not awaited: on a connection RabbitMQ blocks, the close-ok never comes.
    void channel.close();
  }

  returnLease(channel: ManagedChannel): void {
    if (this.closed || !this.leases.give(channel)) return;
    if (!channel.usable) this.drop(channel);
  }

  discardLease(channel: ManagedChannel): void {
    if (this.leases.has(channel)) this.drop(channel);
  }
}

function isUsable(channel: ManagedChannel): boolean {
  return channel.usable;
}
