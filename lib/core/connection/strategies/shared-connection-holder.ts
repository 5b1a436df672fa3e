import type { BrokerEvents } from '../../observability/events/broker-events.js';
import type { BrokerSettings } from '../../options/broker-settings.js';
import { ConsumerCapacityError, type ConsumerLimits, type ConsumerRoom } from '../../errors/pool.errors.js';
import { ChannelPool } from '../channel-pool.js';
import { ConsumerChannelPool } from '../consumer-channel-pool.js';
import type { ConnectionInfo } from '../connection-info.js';
import type {
  ChannelLease,
  ChannelRole,
  ConnectionHolder,
  ConsumerLease,
  ProducerLease,
  QueueLease,
} from '../connection-holder.js';
import type { ManagedChannel } from '../managed-channel.js';
import { ManagedConnection } from '../managed-connection.js';
import { whenConnected } from '../when-connected.js';
import type { PoolLease } from '../pool-lease.js';

interface SharedState {
  readonly connection: ManagedConnection;
  readonly producers: ChannelPool;
  readonly consumers: ConsumerChannelPool;
}

/**
 * Strategy 'shared': exactly one connection, multiplexed by two bounded channel pools
 * (producers and consumers). Cheapest on the server; an exhausted pool fails at once.
 */
export class SharedConnectionHolder implements ConnectionHolder {
  readonly strategy = 'shared' as const;
  private state?: SharedState;
  private generation = 0;
  lastFailure: Error | undefined;

  constructor(
    private readonly settings: BrokerSettings,
    private readonly events?: BrokerEvents,
  ) {}

  acquire(role: ChannelRole): Promise<ChannelLease> {
    return this.lease(role);
  }

  acquireProducer(): Promise<ProducerLease> {
    return this.lease('producer');
  }

  acquireProducerNow(): ProducerLease | undefined {
    const state = this.state;
    if (!state?.connection.isConnected) return undefined;
    return state.producers.tryAcquire();
  }

  acquireConsumer(): Promise<ConsumerLease> {
    return this.consumerLease(false);
  }

  /** `dedicated`: a channel of its own (broker.acquire('consumer'): the caller may consume on it). */
  private consumerLease(dedicated: boolean): Promise<ConsumerLease> {
    const { connection, consumers } = this.open();
    const lease = consumers.tryAcquire(dedicated);
    if (!lease) throw new ConsumerCapacityError('shared', 1, 0, this.consumerLimits()); // at once, never queued
    return whenConnected(connection, lease);
  }

  consumerRoom(): ConsumerRoom {
    const limits = this.consumerLimits();
    const available = this.state
      ? this.state.consumers.room
      : limits.channelsPerConnection * limits.consumersPerChannel;
    return { strategy: 'shared', available, limits };
  }

  private consumerLimits(): ConsumerLimits {
    const { pools } = this.settings;
    return {
      maxConnections: 1,
      channelsPerConnection: pools.consumers,
      consumersPerChannel: pools.consumersPerChannel,
    };
  }

  acquireForQueues(): Promise<QueueLease> {
    return this.lease('producer');
  }

  private async lease(role: ChannelRole): Promise<PoolLease<ManagedChannel>> {
    const { connection, producers } = this.open();
    if (role === 'consumer') return (await this.consumerLease(true)) as PoolLease<ManagedChannel>;
    return whenConnected(connection, producers.acquire()); // acquire throws at once when the pool is exhausted
  }

  async connect(): Promise<void> {
    await this.open().connection.ready();
  }

  connections(): ConnectionInfo[] {
    return this.state ? [this.state.connection.info()] : [];
  }

  async close(): Promise<void> {
    const state = this.state;
    this.state = undefined;
    if (state) await this.shutdown(state);
  }

  private open(): SharedState {
    if (this.state) return this.state;
    const { connection: settings, pools, logger } = this.settings;
    this.generation += 1;
    const connection = new ManagedConnection(settings, 'shared', `shared-${this.generation}`, logger, this.events);
    const state: SharedState = {
      connection,
      producers: new ChannelPool(connection, 'producer', pools.producers, pools.producerSharing),
      consumers: new ConsumerChannelPool(connection, pools.consumers, pools.consumersPerChannel),
    };
    // Retries spent: forget this connection so the next use starts afresh.
    connection.once('connected', () => (this.lastFailure = undefined));
    connection.once('failed', (err: Error) => {
      this.lastFailure = err;
      if (this.state === state) {
        this.state = undefined;
        void this.shutdown(state);
      }
    });
    this.state = state;
    return state;
  }

  private async shutdown(state: SharedState): Promise<void> {
    await Promise.all([state.producers.close(), state.consumers.close()]);
    await state.connection.close();
  }
}
