import { InvalidBrokerOptionError } from '../errors/configuration.errors.js';
import type { BrokerLogger } from '../logging/broker-logger.js';
import { silentLogger } from '../logging/broker-logger.js';
import type { BrokerOptions, ConnectionStrategy, PoolOptions } from './broker-options.js';
import { CONNECTION_OPTION_KEYS, type ConnectionSettings, resolveConnectionSettings } from './connection-settings.js';
import { DEFAULT_POOLS } from './defaults.js';
import { checkBoolean, checkInteger, checkKnownKeys, checkOneOf, checkPlainObject } from './option-checks.js';

export const STRATEGIES: readonly ConnectionStrategy[] = ['pooled', 'shared'];

export interface PoolSettings {
  readonly producers: number;
  readonly consumers: number;
  readonly acquireTimeout: number;
  /** Operations one producer channel serves at once. */
  readonly producerSharing: number;
  /** Consumers one consumer channel carries once the channel maximum is reached. */
  readonly consumersPerChannel: number;
  /** 'pooled': consumer channels per consumer connection ('shared': see `consumers`). */
  readonly channelsPerConsumerConnection?: number;
  /** 'shared': publishes in progress while a worker runs (undefined: no such limit). */
  readonly publishesWhileConsuming?: number;
}

/** Connection-layer options after validation and defaults. */
export interface BrokerSettings {
  readonly strategy: ConnectionStrategy;
  readonly connection: ConnectionSettings;
  readonly pools: PoolSettings;
  readonly connectOnStartup: boolean;
  readonly logger: BrokerLogger;
}

const POOL_KEYS_BY_STRATEGY: Record<ConnectionStrategy, readonly (keyof PoolOptions)[]> = {
  pooled: ['maxProducerConnections', 'maxConsumerConnections', 'maxChannelsPerConsumerConnection', 'acquireTimeout'],
  shared: ['maxProducerChannels', 'maxConsumerChannels', 'maxPublishesWhileConsuming'],
};

export const BROKER_OPTION_KEYS = [
  'strategy',
  'maxPublishesPerChannel',
  'maxConsumersPerChannel',
  'connectOnStartup',
  'logger',
  ...CONNECTION_OPTION_KEYS,
  ...POOL_KEYS_BY_STRATEGY.pooled,
  ...POOL_KEYS_BY_STRATEGY.shared,
] as const;

/**
 * Validates the connection-layer options. `extraKeys` are option names owned by other
 * layers (messaging, worker), so unknown keys can still be reported as typos.
 */
export function resolveBrokerSettings(options: BrokerOptions, extraKeys: readonly string[] = []): BrokerSettings {
  checkPlainObject('options', options);
  checkKnownKeys('', options as unknown as Record<string, unknown>, [...BROKER_OPTION_KEYS, ...extraKeys]);
  const strategy = checkOneOf('strategy', options.strategy, STRATEGIES);

  const other: ConnectionStrategy = strategy === 'pooled' ? 'shared' : 'pooled';
  for (const key of POOL_KEYS_BY_STRATEGY[other]) {
    if (options[key] !== undefined) {
      throw new InvalidBrokerOptionError(key, `to be left out: it applies only to strategy '${other}'`, options[key]);
    }
  }

  const producerSharing = checkInteger(
    'maxPublishesPerChannel',
    options.maxPublishesPerChannel ?? DEFAULT_POOLS.maxPublishesPerChannel,
    1,
    65_535,
  );
  const consumersPerChannel = checkInteger(
    'maxConsumersPerChannel',
    options.maxConsumersPerChannel ?? DEFAULT_POOLS.maxConsumersPerChannel,
    1,
    10_000,
  );
  const pools: PoolSettings =
    strategy === 'pooled'
      ? {
          producerSharing,
          consumersPerChannel,
          channelsPerConsumerConnection: checkInteger(
            'maxChannelsPerConsumerConnection',
            options.maxChannelsPerConsumerConnection ?? DEFAULT_POOLS.maxChannelsPerConsumerConnection,
            1,
            2047,
          ),
          producers: checkInteger(
            'maxProducerConnections',
            options.maxProducerConnections ?? DEFAULT_POOLS.maxProducerConnections,
            1,
            10_000,
          ),
          consumers: checkInteger(
            'maxConsumerConnections',
            options.maxConsumerConnections ?? DEFAULT_POOLS.maxConsumerConnections,
            1,
            10_000,
          ),
          acquireTimeout: checkInteger('acquireTimeout', options.acquireTimeout ?? DEFAULT_POOLS.acquireTimeout, 1),
        }
      : {
          producerSharing,
          consumersPerChannel,
          // RabbitMQ's default channel_max is 2047 per connection; both pools share it.
          producers: checkInteger(
            'maxProducerChannels',
            options.maxProducerChannels ?? DEFAULT_POOLS.maxProducerChannels,
            1,
            2047,
          ),
          consumers: checkInteger(
            'maxConsumerChannels',
            options.maxConsumerChannels ?? DEFAULT_POOLS.maxConsumerChannels,
            1,
            2047,
          ),
          acquireTimeout: 0,
          publishesWhileConsuming: checkInteger(
            'maxPublishesWhileConsuming',
            options.maxPublishesWhileConsuming ?? DEFAULT_POOLS.maxPublishesWhileConsuming,
            1,
            1_000_000,
          ),
        };

  if (strategy === 'shared' && pools.producers + pools.consumers > 2047) {
    throw new InvalidBrokerOptionError(
      'maxConsumerChannels',
      `a value that keeps maxProducerChannels + maxConsumerChannels <= 2047 (RabbitMQ's default channel_max per connection)`,
      pools.consumers,
    );
  }

  const logger = options.logger ?? silentLogger;
  if (typeof logger.log !== 'function' || typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
    throw new InvalidBrokerOptionError('logger', 'an object with log, warn and error methods', logger);
  }

  return {
    strategy,
    connection: resolveConnectionSettings(options),
    pools,
    connectOnStartup:
      options.connectOnStartup === undefined ? false : checkBoolean('connectOnStartup', options.connectOnStartup),
    logger,
  };
}
