import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConnectionStrategy } from '../options/broker-options.js';
import type { BrokerConnectionError } from '../errors/connection.errors.js';
import type { ConsumerRoom } from '../errors/pool.errors.js';
import type { ConnectionInfo, ConnectionRole, ConnectionState } from './connection-info.js';
import type { QueueSubscription } from './consumer-channel.js';
import type { ProducerChannel } from './producer-channel.js';
import type { OperatorChannel } from './operator-channel.js';
import type { QueueChannel } from './queue-channel.js';

export type ChannelRole = 'producer' | 'consumer';

/** What a lease tells of the connection under its channel (read-only). */
export interface ConnectionStatus {
  readonly id: string;
  readonly role: ConnectionRole;
  readonly state: ConnectionState;
  readonly isConnected: boolean;
  readonly lastError: BrokerConnectionError | undefined;
  info(): ConnectionInfo;
}

/** Ends a lease. */
export interface Lease {
  /** Gives the channel back for reuse. Calling it twice is harmless. */
  release(): void;
  /** Closes the channel instead of reusing it (after a channel error, say). */
  discard(): Promise<void>;
}

/**
 * A channel lent out by DramatiqBroker.acquire() (public): amqp-connection-manager's channel
 * wrapper, as an escape hatch for operations the broker does not offer, and the status of its
 * connection. The broker itself uses the narrower leases below.
 */
export interface ChannelLease extends Lease {
  readonly channel: ChannelWrapper;
  readonly connection: ConnectionStatus;
}

/** A producer channel lent out for one publish (many publishes share a channel). */
export interface ProducerLease extends Lease {
  readonly producer: ProducerChannel;
}

/**
 * A place for one consumer on a consumer channel, lent out for as long as one queue is consumed.
 * Other consumers may share the channel: ending the lease ends this consumer only, and the
 * channel closes once its last consumer left.
 */
export interface ConsumerLease extends Lease {
  readonly consumer: QueueSubscription;
  /** The connection it consumes on (its name goes on the dead letters it writes). */
  readonly connection: ConnectionStatus;
}

/** A connection lent out for queue declaration and administration on short-lived channels. */
export interface QueueLease extends Lease {
  /** A new channel of its own on the lease's connection; rejects when the connection is gone. */
  openQueueChannel(): Promise<QueueChannel>;
  /** A new confirm channel of its own for reading, acking and re-publishing queue messages (dead letters). */
  openOperatorChannel(): Promise<OperatorChannel>;
}

/**
 * What the rest of the library knows about connections. The strategies ('pooled',
 * 'shared') implement it; nothing outside `connection/` needs to know which one runs.
 */
export interface ConnectionHolder {
  readonly strategy: ConnectionStrategy;
  /** Lends a channel; opens connections lazily. Rejects with a typed error, never hangs past the retry policy. */
  acquire(role: ChannelRole): Promise<ChannelLease>;
  acquireProducer(): Promise<ProducerLease>;
  /**
   * The synchronous fast path of acquireProducer: a lease at once when a connected channel with
   * room exists (or can be created without waiting), undefined otherwise.
   */
  acquireProducerNow(): ProducerLease | undefined;
  acquireConsumer(): Promise<ConsumerLease>;
  /** Consumers that can still be placed (each consumed queue takes two), and the limits that bound them. */
  consumerRoom(): ConsumerRoom;
  /** A connection for queue declarations and administration (a producer one). */
  acquireForQueues(): Promise<QueueLease>;
  /** Opens the first connection now instead of at first use. */
  connect(): Promise<void>;
  /** The error of the last connection that gave up (retries spent), for health reports. */
  readonly lastFailure: Error | undefined;
  /** Snapshot of the open connections (each tagged with its role). */
  connections(): ConnectionInfo[];
  /** Closes every connection. Idempotent; a later acquire opens new ones. */
  close(): Promise<void>;
}
