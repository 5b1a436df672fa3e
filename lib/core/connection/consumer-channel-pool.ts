import type { ConsumerChannel } from './consumer-channel.js';
import type { ManagedChannel } from './managed-channel.js';
import type { ManagedConnection } from './managed-connection.js';
import { type LeaseOwner, PoolLease } from './pool-lease.js';

/**
 * The consumer channels of one connection. A consumer gets a channel of its own while fewer
 * than `maxChannels` are open (a channel error then touches one consumer only); past that,
 * consumers share the least busy channel, up to `consumersPerChannel` on each, every one with
 * its own prefetch. A channel closes when its last consumer leaves, so a stopped worker leaves
 * no channel behind.
 */
export class ConsumerChannelPool implements LeaseOwner<ConsumerChannel> {
  private readonly consumers = new Map<ConsumerChannel, number>();
  /** Channels lent whole (broker.acquire('consumer')): no worker consumer is placed on them. */
  private readonly dedicated = new Set<ConsumerChannel>();
  private created = 0;
  private closed = false;

  constructor(
    private readonly connection: ManagedConnection,
    readonly maxChannels: number,
    readonly consumersPerChannel: number,
    /** Told when the last channel closed (the pool is empty). */
    private readonly onEmpty: () => void = () => undefined,
  ) {}

  /** Channels open. */
  get size(): number {
    return this.consumers.size;
  }

  /** Consumers that can still be placed on this connection. */
  get room(): number {
    let room = (this.maxChannels - this.consumers.size) * this.consumersPerChannel;
    for (const [channel, n] of this.consumers) {
      if (channel.usable && !this.dedicated.has(channel)) room += this.consumersPerChannel - n;
    }
    return room;
  }

  /**
   * A lease for one consumer, or undefined when every channel is full and no more may open.
   * `dedicated`: a channel of its own, shared with nobody (code outside the worker may consume
   * on it, which the worker's ack batches would not know of).
   */
  tryAcquire(dedicated = false): PoolLease<ConsumerChannel> | undefined {
    if (this.closed) return undefined;
    let channel: ConsumerChannel | undefined;
    // A dedicated channel is always a new one: make room among the dead first.
    if (dedicated && this.consumers.size >= this.maxChannels) this.dropDead();
    if (this.consumers.size < this.maxChannels) {
      this.created += 1;
      channel = this.connection.createChannel('consumer', `consumer-${this.created}`);
      this.consumers.set(channel, 0);
      if (dedicated) this.dedicated.add(channel);
    } else if (dedicated) {
      return undefined;
    } else {
      let fewest = this.consumersPerChannel;
      for (const [candidate, n] of this.consumers) {
        if (this.dedicated.has(candidate)) continue;
        if (!candidate.usable) {
          this.drop(candidate);
          continue;
        }
        if (n < fewest) {
          fewest = n;
          channel = candidate;
        }
      }
      // A dead channel dropped above frees a place for a new one.
      if (!channel && this.consumers.size < this.maxChannels) return this.tryAcquire();
      if (!channel) return undefined;
    }
    this.consumers.set(channel, this.consumers.get(channel)! + 1);
    return new PoolLease<ConsumerChannel>(this, channel, channel, this.connection);
  }

  async close(): Promise<void> {
    this.closed = true;
    const channels = [...this.consumers.keys()];
    this.consumers.clear();
    await Promise.all(channels.map((c) => c.close()));
  }

  returnLease(channel: ConsumerChannel): void {
    this.leave(channel);
  }

  discardLease(channel: ConsumerChannel, _managed: ManagedChannel): void {
    // A dead channel goes at once; a live one only when its last consumer left (others may run on it).
    if (!channel.usable) this.drop(channel);
    else this.leave(channel);
  }

  private leave(channel: ConsumerChannel): void {
    const n = this.consumers.get(channel);
    if (n === undefined) return;
    if (n <= 1 || !channel.usable) this.drop(channel);
    else this.consumers.set(channel, n - 1);
  }

  private dropDead(): void {
    for (const channel of [...this.consumers.keys()]) if (!channel.usable) this.drop(channel);
  }

  private drop(channel: ConsumerChannel): void {
    if (!this.consumers.delete(channel)) return;
    this.dedicated.delete(channel);
    // Not awaited: on a connection RabbitMQ blocks, the close-ok never comes.
    void channel.close();
    if (this.consumers.size === 0 && !this.closed) this.onEmpty();
  }
}
