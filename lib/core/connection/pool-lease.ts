import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ChannelLease, ConnectionStatus, ConsumerLease, ProducerLease, QueueLease } from './connection-holder.js';
import type { ConsumerChannel, ConsumerSlot, QueueSubscription } from './consumer-channel.js';
import type { ManagedChannel } from './managed-channel.js';
import type { ProducerChannel } from './producer-channel.js';
import type { OperatorChannel } from './operator-channel.js';
import type { QueueChannel } from './queue-channel.js';

/** What a pool does when one of its leases ends. */
export interface LeaseOwner<R> {
  /** The lease was given back: the channel may serve others. */
  returnLease(resource: R, channel: ManagedChannel): void;
  /** The lease ended with the channel unfit for reuse: close it. */
  discardLease(resource: R, channel: ManagedChannel): void;
}

/** The connection under a lease, as the lease uses it. */
export interface LeasedConnection extends ConnectionStatus {
  openQueueChannel(): Promise<QueueChannel>;
  openOperatorChannel(): Promise<OperatorChannel>;
}

/**
 * A lease handed out by a pool: ends once, whichever of release or discard comes first. A
 * class rather than an object of closures, because one is made for every publish. The pool's
 * role decides which kind of channel it holds: a producer pool's leases are only handed out as
 * ProducerLease, a consumer pool's as ConsumerLease.
 */
export class PoolLease<R> implements ChannelLease, ProducerLease, ConsumerLease, QueueLease {
  private ended = false;
  private slot: ConsumerSlot | undefined;

  constructor(
    private readonly owner: LeaseOwner<R>,
    private readonly resource: R,
    private readonly managed: ManagedChannel,
    readonly connection: LeasedConnection,
  ) {}

  get channel(): ChannelWrapper {
    return this.managed.wrapper;
  }

  get producer(): ProducerChannel {
    return this.managed as ProducerChannel;
  }

  /** The lease's own consumer on the (possibly shared) consumer channel. */
  get consumer(): QueueSubscription {
    return (this.slot ??= (this.managed as ConsumerChannel).subscription());
  }

  openQueueChannel(): Promise<QueueChannel> {
    return this.connection.openQueueChannel();
  }

  openOperatorChannel(): Promise<OperatorChannel> {
    return this.connection.openOperatorChannel();
  }

  release(): void {
    if (this.ended) return;
    this.ended = true;
    this.slot?.end();
    this.owner.returnLease(this.resource, this.managed);
  }

  async discard(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.slot?.end();
    this.owner.discardLease(this.resource, this.managed);
  }
}
