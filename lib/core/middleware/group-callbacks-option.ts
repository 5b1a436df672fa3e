import { InvalidBrokerOptionError } from '../errors/configuration.errors.js';
import { checkInteger, checkKnownKeys, checkPlainObject } from '../options/option-checks.js';
import type { RateLimiterBackend } from '../rate-limits/rate-limiter-backend.js';
import { DEFAULT_GROUP_BARRIER_TTL, GroupCallbacks, type GroupCallbacksOptions } from './group-callbacks.js';

/** The broker option `groupCallbacks`: where group barriers live, and for how long. */
export interface GroupCallbacksOption extends GroupCallbacksOptions {
  /** new RedisRateLimiterBackend({ url }) to share barriers with Python workers; MemoryRateLimiterBackend in tests. */
  backend: RateLimiterBackend;
}

const BACKEND_METHODS = ['add', 'decr', 'waitNotify', 'close'] as const;

/** Validates the `groupCallbacks` option and makes its middleware; undefined when not set. */
export function groupCallbacksFromOption(option: GroupCallbacksOption | undefined): GroupCallbacks | undefined {
  if (option === undefined) return undefined;
  checkKnownKeys('groupCallbacks', checkPlainObject('groupCallbacks', option), ['backend', 'barrierTtl']);
  const backend = option.backend as unknown;
  if (
    typeof backend !== 'object' ||
    backend === null ||
    BACKEND_METHODS.some((m) => typeof (backend as Record<string, unknown>)[m] !== 'function')
  ) {
    throw new InvalidBrokerOptionError(
      'groupCallbacks.backend',
      'a rate limiter backend (new RedisRateLimiterBackend({ url }) or new MemoryRateLimiterBackend())',
      backend,
    );
  }
  const barrierTtl = checkInteger('groupCallbacks.barrierTtl', option.barrierTtl ?? DEFAULT_GROUP_BARRIER_TTL, 1);
  return new GroupCallbacks(option.backend, { barrierTtl });
}
