import { MAX_TIMER_MS, checkInteger, checkKnownKeys, checkPlainObject } from '../options/option-checks.js';
import { InvalidBrokerOptionError } from '../errors/configuration.errors.js';

export interface WorkerOptions {
  /** Queues to consume. Default: every queue that has a discovered actor. */
  queues?: string[];
  /** Actor runs at once, per queue. Prefetch is twice this (delay queues: 1000 times, at most 65535). Default 8. */
  concurrency?: number;
  /** On shutdown, how long running actors may finish before their messages go back to the queue, ms. Default 30000. */
  shutdownTimeout?: number;
  /** Longest a delayed message is held in memory before it is handed back to q.DQ, ms. Default 600000 (under RabbitMQ's 30 min consumer_timeout). */
  maxHoldTime?: number;
  /**
   * How many times a message may fail because a middleware hook threw (each failure sends it back
   * to the queue) before it is dead-lettered with the hook's error. Counted per message by this
   * worker; a retry that could not be published counts too. Integer 1-1000. Default 5.
   */
  maxMiddlewareFailures?: number;
}

export interface WorkerSettings {
  readonly queues?: readonly string[];
  readonly concurrency: number;
  readonly shutdownTimeout: number;
  readonly maxHoldTime: number;
  readonly maxMiddlewareFailures: number;
}

const KEYS = ['queues', 'concurrency', 'shutdownTimeout', 'maxHoldTime', 'maxMiddlewareFailures'];
export const DEFAULT_MAX_MIDDLEWARE_FAILURES = 5;

export function resolveWorkerSettings(options: WorkerOptions = {}, prefix = 'worker'): WorkerSettings {
  checkKnownKeys(prefix, checkPlainObject(prefix, options), KEYS);
  if (
    options.queues !== undefined &&
    (!Array.isArray(options.queues) || options.queues.some((q) => typeof q !== 'string'))
  ) {
    throw new InvalidBrokerOptionError(`${prefix}.queues`, 'an array of queue names', options.queues);
  }
  return {
    queues: options.queues,
    concurrency: checkInteger(`${prefix}.concurrency`, options.concurrency ?? 8, 1, 10_000),
    // setTimeout cannot wait longer than 2^31-1 ms (about 24.8 days).
    shutdownTimeout: checkInteger(`${prefix}.shutdownTimeout`, options.shutdownTimeout ?? 30_000, 0, MAX_TIMER_MS),
    maxHoldTime: checkInteger(`${prefix}.maxHoldTime`, options.maxHoldTime ?? 600_000, 1000, MAX_TIMER_MS),
    maxMiddlewareFailures: checkInteger(
      `${prefix}.maxMiddlewareFailures`,
      options.maxMiddlewareFailures ?? DEFAULT_MAX_MIDDLEWARE_FAILURES,
      1,
      1000,
    ),
  };
}

/** Dramatiq's prefetch rule. */
export function prefetchFor(concurrency: number, delayQueue: boolean): number {
  return Math.min(delayQueue ? concurrency * 1000 : concurrency * 2, 65535);
}
