import { describe, expect, it } from '@jest/globals';
import { ActorDefinition } from '../../../lib/core/actor/actor-definition.js';
import type { ActorOptions } from '../../../lib/core/actor/actor-options.js';
import { createMessage, type DramatiqMessage } from '../../../lib/core/message/message.js';
import { computeBackoff } from '../../../lib/core/middleware/compute-backoff.js';
import { MessageContext, type MiddlewareHost } from '../../../lib/core/middleware/middleware.js';
import { Retries } from '../../../lib/core/middleware/retries.js';
import { DelayTooLongError } from '../../../lib/core/topology/errors.js';

function host(maxDelay?: number) {
  const sent: Array<{ message: DramatiqMessage; delay?: number }> = [];
  const h: MiddlewareHost = {
    logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    defaultQueueName: 'default',
    getActor: () => undefined,
    enqueue: async (message, options = {}) => {
      if (maxDelay !== undefined && (options.delay ?? 0) > maxDelay)
        throw new DelayTooLongError('q', options.delay!, maxDelay);
      sent.push({ message, delay: options.delay });
      return message;
    },
  };
  return { h, sent };
}

function failedContext(
  options: ActorOptions,
  messageOptions: Record<string, unknown>,
  error: unknown,
  h: MiddlewareHost,
) {
  const actor = new ActorDefinition('job', 'q', options, () => undefined);
  const ctx = new MessageContext(
    createMessage({ queueName: 'q', actorName: 'job', options: messageOptions }),
    actor,
    h,
  );
  ctx.error = error;
  return ctx;
}

describe("computeBackoff (Dramatiq's formula)", () => {
  it('doubles per retry from minBackoff, jitters into [half, full], caps at maxBackoff', () => {
    expect(computeBackoff(0, 15_000, 1e12, () => 0)).toBe(7_500);
    expect(computeBackoff(0, 15_000, 1e12, () => 0.999999)).toBe(14_999);
    expect(computeBackoff(3, 15_000, 1e12, () => 0)).toBe(60_000);
    expect(computeBackoff(30, 15_000, 100_000, () => 0)).toBe(50_000);
  });
});

describe('Retries', () => {
  it('re-enqueues with retries+1, traceback, requeue_timestamp and the backoff of the count so far', async () => {
    const { h, sent } = host();
    const retries = new Retries({ random: () => 0 });
    const ctx = failedContext({ minBackoff: 1000 }, { retries: 2 }, new Error('boom'), h);
    await retries.afterProcess(ctx);
    expect(ctx.retried).toBe(true);
    expect(ctx.failure).toBeUndefined();
    expect(sent).toHaveLength(1);
    expect(sent[0].delay).toBe(2_000); // 1000 * 2^2 / 2
    expect(sent[0].message.options).toMatchObject({ retries: 3, traceback: expect.stringContaining('Error: boom') });
    expect(typeof sent[0].message.options.requeue_timestamp).toBe('number');
  });

  it('gives up after max_retries: message options beat actor options, which beat defaults', async () => {
    const { h } = host();
    const retries = new Retries();
    const exhausted = failedContext({ maxRetries: 10 }, { retries: 3, max_retries: 3 }, new Error('x'), h);
    await retries.afterProcess(exhausted);
    expect(exhausted.failure).toMatch(/retries exceeded \(3\)/);
    const byActor = failedContext({ maxRetries: 1 }, { retries: 1 }, new Error('x'), h);
    await retries.afterProcess(byActor);
    expect(byActor.failure).toMatch(/retries exceeded \(1\)/);
    const byDefault = failedContext({}, { retries: 19 }, new Error('x'), h);
    await retries.afterProcess(byDefault);
    expect(byDefault.retried).toBe(true);
  });

  it('never retries errors in "throws", and asks retryWhen with the count so far', async () => {
    const { h } = host();
    class Permanent extends Error {}
    const ctx = failedContext({ throws: [Permanent] }, {}, new Permanent('no'), h);
    await new Retries().afterProcess(ctx);
    expect(ctx.failure).toMatch(/"throws" list/);
    const asked: number[] = [];
    const when = failedContext({ retryWhen: (n) => (asked.push(n), n < 1) }, { retries: 1 }, new Error('x'), h);
    await new Retries().afterProcess(when);
    expect(asked).toEqual([1]);
    expect(when.failure).toMatch(/retryWhen declined/);
  });

  it('waits the longest allowed delay when the backoff exceeds maxDelayTime (no retry loop)', async () => {
    const { h, sent } = host(5_000);
    const ctx = failedContext({ minBackoff: 60_000 }, {}, new Error('x'), h);
    await new Retries({ random: () => 0 }).afterProcess(ctx);
    expect(sent[0].delay).toBe(5_000);
    expect(ctx.retried).toBe(true);
  });
});
