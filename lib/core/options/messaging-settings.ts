import { InvalidBrokerOptionError } from '../errors/configuration.errors.js';
import type { Middleware } from '../middleware/middleware.js';
import { assertValidName } from '../topology/naming.js';
import { DefaultDramatiqTopology, DLXRoutingTopology, Topology } from '../topology/topology.js';
import { PUBLISH_RETRY } from '../policies/retry-policies.js';
import type { MessagingOptions } from './messaging-options.js';
import { MAX_TIMER_MS, checkBoolean, checkInteger, checkNonEmptyString } from './option-checks.js';

export interface MessagingSettings {
  readonly defaultQueueName: string;
  readonly confirmDelivery: boolean;
  readonly confirmTimeout: number;
  readonly maxEnqueueAttempts: number;
  readonly maxBufferedMessages: number;
  readonly topology: Topology;
  readonly middleware?: Middleware[];
  readonly maxMessageBytes: number;
}

export const MESSAGING_DEFAULTS = {
  defaultQueueName: 'default',
  confirmDelivery: true,
  confirmTimeout: 5_000,
  maxEnqueueAttempts: PUBLISH_RETRY.maxAttempts,
  maxBufferedMessages: 10_000,
  maxMessageBytes: 16 * 1024 * 1024,
} as const;

export function resolveMessagingSettings(options: MessagingOptions): MessagingSettings {
  const defaultQueueName = checkNonEmptyString(
    'defaultQueueName',
    options.defaultQueueName ?? MESSAGING_DEFAULTS.defaultQueueName,
  );
  try {
    assertValidName('queue', defaultQueueName);
  } catch {
    throw new InvalidBrokerOptionError(
      'defaultQueueName',
      'a name matching [a-zA-Z_][a-zA-Z0-9._-]*',
      defaultQueueName,
    );
  }
  if (options.middleware !== undefined && !Array.isArray(options.middleware)) {
    throw new InvalidBrokerOptionError('middleware', 'an array of middleware objects', options.middleware);
  }
  return {
    defaultQueueName,
    confirmDelivery: checkBoolean('confirmDelivery', options.confirmDelivery ?? MESSAGING_DEFAULTS.confirmDelivery),
    confirmTimeout: checkInteger(
      'confirmTimeout',
      options.confirmTimeout ?? MESSAGING_DEFAULTS.confirmTimeout,
      1,
      MAX_TIMER_MS,
    ),
    maxEnqueueAttempts: checkInteger(
      'maxEnqueueAttempts',
      options.maxEnqueueAttempts ?? MESSAGING_DEFAULTS.maxEnqueueAttempts,
      1,
      1000,
    ),
    maxBufferedMessages: checkInteger(
      'maxBufferedMessages',
      options.maxBufferedMessages ?? MESSAGING_DEFAULTS.maxBufferedMessages,
      1,
    ),
    topology: resolveTopology(options),
    middleware: options.middleware,
    maxMessageBytes: checkInteger(
      'maxMessageBytes',
      options.maxMessageBytes ?? MESSAGING_DEFAULTS.maxMessageBytes,
      1024,
    ),
  };
}

function resolveTopology(options: MessagingOptions): Topology {
  const { topology = 'default', maxPriority, maxDelayTime, deadMessageTtl, queueType } = options;
  if (topology instanceof Topology) {
    for (const key of ['maxPriority', 'maxDelayTime', 'deadMessageTtl', 'queueType'] as const) {
      if (options[key] !== undefined) {
        throw new InvalidBrokerOptionError(key, 'to be set on your Topology instance, not beside it', options[key]);
      }
    }
    return topology;
  }
  const topologyOptions = { maxPriority, maxDelayTime, deadMessageTtl, queueType };
  try {
    if (topology === 'default') return new DefaultDramatiqTopology(topologyOptions);
    if (topology === 'dlx-routing') return new DLXRoutingTopology(topologyOptions);
  } catch (err) {
    const e = err as { option?: string; value?: unknown; message: string };
    const allowed = /\(allowed: (.*)\)$/.exec(e.message)?.[1] ?? e.message;
    throw new InvalidBrokerOptionError(e.option ?? 'topology', allowed, e.value);
  }
  throw new InvalidBrokerOptionError('topology', "'default', 'dlx-routing' or a Topology instance", topology);
}
