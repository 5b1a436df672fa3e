import type { ConnectionRetryOptions } from '../options/broker-options.js';

/**
 * Wait before retry number `retry` (1-based): intervalStart, then +intervalStep per
 * further retry, never more than intervalMax. Same linear shape as Kombu's.
 */
export function retryDelay(retry: number, policy: Required<ConnectionRetryOptions>): number {
  const linear = policy.intervalStart + Math.max(0, retry - 1) * policy.intervalStep;
  return Math.min(linear, policy.intervalMax);
}

/** All waits of an outage, for docs and tests (bounded: Infinity is shown as the first 10). */
export function retrySchedule(policy: Required<ConnectionRetryOptions>): number[] {
  const count = Number.isFinite(policy.maxRetries) ? policy.maxRetries : 10;
  return Array.from({ length: count }, (_, i) => retryDelay(i + 1, policy));
}
