import { BrokerClosedError } from '../errors/connection.errors.js';
import { ConsumerCapacityError, type ConsumerLimits } from '../errors/pool.errors.js';
import type { BrokerLogger } from '../logging/broker-logger.js';
import type { BrokerEvents } from '../observability/events/broker-events.js';
import type { ConnectionSettings } from '../options/connection-settings.js';
import type { ConnectionInfo } from './connection-info.js';
import type { ConsumerLease } from './connection-holder.js';
import { ConsumerChannelPool } from './consumer-channel-pool.js';
import { ManagedConnection } from './managed-connection.js';
import { whenConnected } from './when-connected.js';

interface ConsumerConnection {
  readonly connection: ManagedConnection;
  readonly channels: ConsumerChannelPool;
}

/**
 * Strategy 'pooled', consumer side: consumers fill one connection's channels before another
 * connection opens, so a worker for a thousand queues needs one or two connections, not one per
 * queue. A connection closes when its last consumer left; one whose retries are spent leaves
 * the pool (its consumers are told, and start again on another).
 */
export class ConsumerConnectionPool {
  private readonly open: ConsumerConnection[] = [];
  private created = 0;
  private closed = false;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly placement: ConsumerLimits,
    private readonly logger: BrokerLogger,
    /** Told of a connection that gave up (its error) and of one that connected (undefined). */
    private readonly onOutcome: (failure: Error | undefined) => void,
    private readonly events?: BrokerEvents,
  ) {}

  /** Consumers that can still be placed without exceeding the pool's maxima. */
  get room(): number {
    const { maxConnections, channelsPerConnection, consumersPerChannel } = this.placement;
    let room = (maxConnections - this.open.length) * channelsPerConnection * consumersPerChannel;
    for (const c of this.open) room += c.channels.room;
    return room;
  }

  /**
   * A place for one consumer; fails at once when the pool is full (waiting would not free one).
   * `dedicated`: a channel of its own (see ConsumerChannelPool.tryAcquire).
   */
  async acquire(dedicated = false): Promise<ConsumerLease> {
    if (this.closed) throw new BrokerClosedError('a consumer connection request');
    let target: ConsumerConnection | undefined;
    let lease: ConsumerLease | undefined;
    // A copy: a dead channel dropped on the way may empty (and remove) its connection.
    for (const c of [...this.open]) {
      lease = c.channels.tryAcquire(dedicated);
      if (lease) {
        target = c;
        break;
      }
    }
    if (!lease) {
      if (this.open.length >= this.placement.maxConnections) {
        throw new ConsumerCapacityError('pooled', 1, 0, this.placement);
      }
      target = this.create();
      lease = target.channels.tryAcquire(dedicated)!;
    }
    return whenConnected(target!.connection, lease);
  }

  infos(): ConnectionInfo[] {
    return this.open.map((c) => c.connection.info());
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = this.open.splice(0);
    await Promise.all(all.map(async (c) => (await c.channels.close(), await c.connection.close())));
  }

  private create(): ConsumerConnection {
    this.created += 1;
    const connection = new ManagedConnection(
      this.settings,
      'consumer',
      `consumer-${this.created}`,
      this.logger,
      this.events,
    );
    const entry: ConsumerConnection = {
      connection,
      channels: new ConsumerChannelPool(
        connection,
        this.placement.channelsPerConnection,
        this.placement.consumersPerChannel,
        () => this.remove(entry),
      ),
    };
    connection.on('connected', () => this.onOutcome(undefined));
    connection.once('failed', (err: Error) => {
      this.onOutcome(err);
      this.remove(entry);
    });
    this.open.push(entry);
    return entry;
  }

  private remove(entry: ConsumerConnection): void {
    const i = this.open.indexOf(entry);
    if (i < 0) return;
    this.open.splice(i, 1);
    void entry.channels.close().then(() => entry.connection.close());
  }
}
