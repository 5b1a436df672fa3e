import { BrokerError } from './broker-error.js';

/** The shared strategy's channel pool is exhausted; it fails at once rather than queueing. */
export class ChannelLimitExceededError extends BrokerError {
  constructor(
    readonly role: 'producer' | 'consumer',
    readonly limit: number,
    message?: string,
  ) {
    super(
      'CHANNEL_LIMIT_EXCEEDED',
      message ??
        `All ${limit} ${role} channels of the shared connection are in use. ` +
          `Raise max${role === 'producer' ? 'Producer' : 'Consumer'}Channels, or lower the number of concurrent ` +
          (role === 'producer' ? 'sends.' : 'consumed queues.'),
    );
  }
}

/** How consumers are placed: the maxima that bound them (see docs/connections.md). */
export interface ConsumerLimits {
  /** 'pooled': consumer connections; 'shared': always 1. */
  readonly maxConnections: number;
  readonly channelsPerConnection: number;
  readonly consumersPerChannel: number;
}

/** Room for more consumers, and what bounds it. */
export interface ConsumerRoom {
  readonly strategy: 'pooled' | 'shared';
  readonly available: number;
  readonly limits: ConsumerLimits;
}

/**
 * No place is left for a consumer (each consumed queue takes two: q and q.DQ). Raised at once,
 * before anything opens, when a worker starts with more queues than the limits allow, and by a
 * consumer start that finds every channel full. A ChannelLimitExceededError, so code that
 * catches that one keeps working.
 */
export class ConsumerCapacityError extends ChannelLimitExceededError {
  constructor(
    readonly strategy: 'pooled' | 'shared',
    readonly needed: number,
    readonly available: number,
    readonly limits: ConsumerLimits,
  ) {
    const { maxConnections, channelsPerConnection, consumersPerChannel } = limits;
    const total = maxConnections * channelsPerConnection * consumersPerChannel;
    const bound =
      strategy === 'shared'
        ? `maxConsumerChannels ${channelsPerConnection} x maxConsumersPerChannel ${consumersPerChannel}`
        : `maxConsumerConnections ${maxConnections} x maxChannelsPerConsumerConnection ${channelsPerConnection} ` +
          `x maxConsumersPerChannel ${consumersPerChannel}`;
    const raise =
      strategy === 'shared'
        ? 'maxConsumersPerChannel or maxConsumerChannels'
        : 'maxConsumersPerChannel, maxChannelsPerConsumerConnection or maxConsumerConnections';
    super(
      'consumer',
      total,
      `Not enough room for consumers: ${needed} more needed (two per queue: q and q.DQ), ${available} free ` +
        `of ${total} (${bound}). Raise ${raise}, or split the queues over several workers.`,
    );
  }
}

/** The pooled strategy waited for a free connection longer than allowed. */
export class ConnectionPoolTimeoutError extends BrokerError {
  constructor(
    readonly role: 'producer' | 'consumer',
    readonly limit: number,
    readonly waitedMs: number,
  ) {
    super(
      'CONNECTION_POOL_TIMEOUT',
      `No ${role} connection became free within ${waitedMs} ms (all ${limit} are in use). ` +
        `Raise max${role === 'producer' ? 'Producer' : 'Consumer'}Connections or acquireTimeout, ` +
        'or lower the number of concurrent operations.',
    );
  }
}
