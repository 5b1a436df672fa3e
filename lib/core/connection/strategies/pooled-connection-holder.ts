import type { BrokerEvents } from '../../observability/events/broker-events.js';
import type { BrokerSettings } from '../../options/broker-settings.js';
import type { ConnectionInfo } from '../connection-info.js';
import type {
  ChannelLease,
  ChannelRole,
  ConnectionHolder,
  ConsumerLease,
  ProducerLease,
  QueueLease,
} from '../connection-holder.js';
import type { ConsumerLimits, ConsumerRoom } from '../../errors/pool.errors.js';
import { ConnectionPool } from '../connection-pool.js';
import { ConsumerConnectionPool } from '../consumer-connection-pool.js';

interface Pools {
  readonly producer: ConnectionPool;
  readonly consumer: ConsumerConnectionPool;
}

/**
 * Strategy 'pooled': separate connection pools for producers and consumers, so a slow
 * consumer connection never holds up publishing and each side can be sized on its own.
 * Consumers share connections and channels (see ConsumerConnectionPool).
 */
export class PooledConnectionHolder implements ConnectionHolder {
  readonly strategy = 'pooled' as const;
  private pools?: Pools;
  lastFailure: Error | undefined;

  constructor(
    private readonly settings: BrokerSettings,
    private readonly events?: BrokerEvents,
  ) {}

  acquire(role: ChannelRole): Promise<ChannelLease> {
    if (role === 'producer') return this.open().producer.acquire();
    // Lent whole: the caller may consume on it, unknown to the worker's ack batches.
    return this.open().consumer.acquire(true) as unknown as Promise<ChannelLease>;
  }

  acquireProducer(): Promise<ProducerLease> {
    return this.open().producer.acquire();
  }

  acquireProducerNow(): ProducerLease | undefined {
    return this.pools?.producer.acquireNow();
  }

  acquireConsumer(): Promise<ConsumerLease> {
    return this.open().consumer.acquire();
  }

  consumerRoom(): ConsumerRoom {
    const { pools } = this.settings;
    const limits: ConsumerLimits = {
      maxConnections: pools.consumers,
      channelsPerConnection: pools.channelsPerConsumerConnection!,
      consumersPerChannel: pools.consumersPerChannel,
    };
    const available =
      this.pools?.consumer.room ?? limits.maxConnections * limits.channelsPerConnection * limits.consumersPerChannel;
    return { strategy: 'pooled', available, limits };
  }

  acquireForQueues(): Promise<QueueLease> {
    return this.open().producer.acquire();
  }

  async connect(): Promise<void> {
    (await this.acquire('producer')).release();
  }

  connections(): ConnectionInfo[] {
    if (!this.pools) return [];
    return [...this.pools.producer.infos(), ...this.pools.consumer.infos()];
  }

  async close(): Promise<void> {
    const pools = this.pools;
    this.pools = undefined;
    if (pools) await Promise.all([pools.producer.close(), pools.consumer.close()]);
  }

  private open(): Pools {
    const { connection, pools, logger } = this.settings;
    const onFailure = (err: Error | undefined) => (this.lastFailure = err);
    this.pools ??= {
      producer: new ConnectionPool(
        connection,
        'producer',
        pools.producers,
        pools.acquireTimeout,
        logger,
        onFailure,
        pools.producerSharing,
        this.events,
      ),
      consumer: new ConsumerConnectionPool(
        connection,
        {
          maxConnections: pools.consumers,
          channelsPerConnection: pools.channelsPerConsumerConnection!,
          consumersPerChannel: pools.consumersPerChannel,
        },
        logger,
        onFailure,
        this.events,
      ),
    };
    return this.pools;
  }
}
