import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ChannelLease } from './connection-holder.js';
import type { ManagedConnection } from './managed-connection.js';

/** What a pool does when one of its leases ends. */
export interface LeaseOwner<R> {
  /** The lease was given back: the channel may serve others. */
  returnLease(resource: R, channel: ChannelWrapper): void;
  /** The lease ended with the channel unfit for reuse: close it. */
  discardLease(resource: R, channel: ChannelWrapper): void;
}

/**
 * A lease handed out by a pool: ends once, whichever of release or discard comes first. A
 * class rather than an object of closures, because one is made for every publish.
 */
export class PoolLease<R> implements ChannelLease {
  private ended = false;

  constructor(
    private readonly owner: LeaseOwner<R>,
    private readonly resource: R,
    readonly channel: ChannelWrapper,
    readonly connection: ManagedConnection,
  ) {}

  release(): void {
    if (this.ended) return;
    this.ended = true;
    this.owner.returnLease(this.resource, this.channel);
  }

  async discard(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.owner.discardLease(this.resource, this.channel);
  }
}
