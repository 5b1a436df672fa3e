import type { BrokerEvents } from '../../observability/events/broker-events.js';
import type { BrokerSettings } from '../../options/broker-settings.js';
import { ChannelPool } from '../channel-pool.js';
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
import type { PoolLease } from '../pool-lease.js';

interface SharedState {
  readonly connection: ManagedConnection;
  readonly pools: Record<ChannelRole, ChannelPool>;
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
    return state.pools.producer.tryAcquire();
  }

  acquireConsumer(): Promise<ConsumerLease> {
    return this.lease('consumer');
  }

  acquireForQueues(): Promise<QueueLease> {
    return this.lease('producer');
  }

  private async lease(role: ChannelRole): Promise<PoolLease<ManagedChannel>> {
    const { connection, pools } = this.open();
    const lease = pools[role].acquire(); // throws at once when the pool is exhausted
    try {
      await connection.ready();
    } catch (err) {
      await lease.discard();
      throw err;
    }
    return lease;
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
      pools: {
        producer: new ChannelPool(connection, 'producer', pools.producers, pools.producerSharing),
        consumer: new ChannelPool(connection, 'consumer', pools.consumers),
      },
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
    await Promise.all([state.pools.producer.close(), state.pools.consumer.close()]);
    await state.connection.close();
  }
}
