import { BrokerError } from './broker-error.js';

/** The shared strategy's channel pool is exhausted; it fails at once rather than queueing. */
export class ChannelLimitExceededError extends BrokerError {
  constructor(
    readonly role: 'producer' | 'consumer',
    readonly limit: number,
  ) {
    super(
      'CHANNEL_LIMIT_EXCEEDED',
      `All ${limit} ${role} channels of the shared connection are in use. ` +
        `Raise max${role === 'producer' ? 'Producer' : 'Consumer'}Channels, or lower the number of concurrent ` +
        (role === 'producer' ? 'sends.' : 'consumed queues.'),
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
