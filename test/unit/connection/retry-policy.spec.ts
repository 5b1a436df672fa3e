import { describe, expect, it } from '@jest/globals';
import { retryDelay, retrySchedule } from '../../../lib/core/connection/retry-policy.js';

describe('linear connection backoff', () => {
  it('starts at intervalStart, adds intervalStep per retry and caps at intervalMax', () => {
    const policy = { maxRetries: 6, intervalStart: 0, intervalStep: 2000, intervalMax: 7000 };
    expect(retrySchedule(policy)).toEqual([0, 2000, 4000, 6000, 7000, 7000]);
  });

  it('works with a non-zero start', () => {
    const policy = { maxRetries: 3, intervalStart: 500, intervalStep: 250, intervalMax: 30000 };
    expect([1, 2, 3].map((n) => retryDelay(n, policy))).toEqual([500, 750, 1000]);
  });

  it('shows a bounded schedule when retrying forever', () => {
    const policy = { maxRetries: Infinity, intervalStart: 1, intervalStep: 1, intervalMax: 5 };
    expect(retrySchedule(policy)).toHaveLength(10);
  });
});
