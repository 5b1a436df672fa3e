/**
 * The five retry and backoff policies of the broker, side by side, with their defaults (times
 * in ms). Each layer that retries reads its own from here; docs/reliability.md#retries-and-backoff
 * describes them together. Only the connection policy, maxEnqueueAttempts, the send bound
 * (confirmTimeout) and the message retries are options; the others are fixed.
 */

/**
 * 1. Connection: each (re)connect attempt of a connection waits intervalStart, then
 * intervalStep more per attempt up to intervalMax; after maxRetries failed attempts in a row the
 * connection gives up and waiting operations reject with its error (option `retry`).
 */
export const CONNECTION_RETRY = { maxRetries: 5, intervalStart: 0, intervalStep: 2_000, intervalMax: 30_000 } as const;

/**
 * 2. Publish retry: a publish interrupted by a lost channel or connection is written again (on a
 * reconnected channel) after firstPause, doubling up to maxPause, at most maxAttempts times in
 * all (option `maxEnqueueAttempts`). Whatever the retries, a send settles within confirmTimeout
 * of the call (option `confirmTimeout`, default 5 s).
 */
export const PUBLISH_RETRY = { maxAttempts: 5, firstPause: 100, maxPause: 2_000 } as const;

/**
 * 3. Queue declaration and administration (declare, count, purge, delete): an operation cut
 * short by a lost connection runs again, pauseStep, then 2 x pauseStep later, attempts in all.
 */
export const QUEUE_OPERATION_RETRY = { attempts: 3, pauseStep: 200 } as const;

/**
 * 4. Consumer restart: a consumer whose channel closed while the connection stayed up starts
 * again after channelClosedDelay; one whose connection gave up after the connection policy's
 * intervalMax, clamped to [minConnectionDelay, maxConnectionDelay], and again after each failed
 * start. A message whose handling failed transiently goes back after requeuePause; a consumer
 * cancel on shutdown waits at most cancelTimeout.
 */
export const CONSUMER_RESTART = {
  channelClosedDelay: 1_000,
  minConnectionDelay: 1_000,
  maxConnectionDelay: 30_000,
  requeuePause: 1_000,
  cancelTimeout: 2_000,
} as const;

/**
 * 5. Message retries (Dramatiq's Retries middleware): a failed actor run is retried up to
 * maxRetries times, after minBackoff * 2^retries (jittered, capped at maxBackoff: 7 days), through
 * the delay queue (options of the middleware and of each actor).
 */
export const MESSAGE_RETRIES = { maxRetries: 20, minBackoff: 15_000, maxBackoff: 7 * 24 * 3600 * 1000 } as const;
