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
import { ConnectionPool } from '../connection-pool.js';

/**
 * Strategy 'pooled': separate connection pools for producers and consumers, so a slow
 * consumer connection never holds up publishing and each side can be sized on its own.
 */
export class PooledConnectionHolder implements ConnectionHolder {
  readonly strategy = 'pooled' as const;
  private pools?: Record<ChannelRole, ConnectionPool>;
  lastFailure: Error | undefined;

  constructor(
    private readonly settings: BrokerSettings,
    private readonly events?: BrokerEvents,
  ) {}

  acquire(role: ChannelRole): Promise<ChannelLease> {
    return this.open()[role].acquire();
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

  private open(): Record<ChannelRole, ConnectionPool> {
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
      consumer: new ConnectionPool(
        connection,
        'consumer',
        pools.consumers,
        pools.acquireTimeout,
        logger,
        onFailure,
        1,
        this.events,
      ),
    };
    return this.pools;
  }
}
