import { BrokerError } from '../errors/broker-error.js';

/** A group with completion callbacks was run on a broker without GroupCallbacks. */
export class GroupCallbacksNotConfiguredError extends BrokerError {
  constructor() {
    super(
      'GROUP_CALLBACKS_NOT_CONFIGURED',
      'This group has completion callbacks, but the broker has no GroupCallbacks middleware to run them. ' +
        'Set the broker option groupCallbacks: { backend: new RedisRateLimiterBackend({ url }) } (see docs/results.md).',
    );
  }
}
