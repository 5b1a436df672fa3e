/**
 * Dramatiq's Barrier and the GroupCallbacks middleware, on the in-memory backend: the states
 * after create / one arrival / the last arrival match what Dramatiq's Redis barrier wrote
 * (rate_limits.barrier_* in test/fixtures/dramatiq-results-golden.json).
 */
import { describe, expect, it } from '@jest/globals';
import type { ActorDefinition } from '../../../lib/core/actor/actor-definition.js';
import { createMessage, type DramatiqMessage } from '../../../lib/core/message/message.js';
import { GroupCallbacks } from '../../../lib/core/middleware/group-callbacks.js';
import { MessageContext, type MiddlewareHost } from '../../../lib/core/middleware/middleware.js';
import { MemoryRateLimiterBackend } from '../../../lib/core/rate-limits/backends/memory-rate-limiter-backend.js';
import { Barrier } from '../../../lib/core/rate-limits/barrier.js';
import { readFixture } from '../../support/fixtures.js';

type Keys = Record<string, { type: 'string' | 'list'; value: string | string[] }>;
const captured = readFixture<{ rate_limits: Record<string, Keys> }>('dramatiq-results-golden.json').rate_limits;

function state(backend: MemoryRateLimiterBackend, key: string): Keys {
  const keys: Keys = {};
  for (const name of [key, `${key}@events`]) {
    const value = backend.peek(name);
    if (value !== undefined)
      keys[name] = Array.isArray(value) ? { type: 'list', value } : { type: 'string', value: String(value) };
  }
  return keys;
}

const shape = (keys: Keys) =>
  Object.fromEntries(Object.entries(keys).map(([k, { type, value }]) => [k, { type, value }]));

describe('Barrier', () => {
  it('goes through the states Dramatiq writes: N, then down to 1, then 1 with ["x"] in @events', async () => {
    const backend = new MemoryRateLimiterBackend();
    const barrier = new Barrier(backend, 'golden-barrier', 60_000);
    expect(await barrier.create(2)).toBe(true);
    expect(state(backend, 'golden-barrier')).toEqual(shape(captured.barrier_created));
    expect(await barrier.arrive()).toBe(false);
    expect(state(backend, 'golden-barrier')).toEqual(shape(captured.barrier_after_one));
    expect(await barrier.arrive()).toBe(true);
    expect(state(backend, 'golden-barrier')).toEqual(shape(captured.barrier_after_two));
  });

  it('create is refused for an existing key, and for a count below 1', async () => {
    const backend = new MemoryRateLimiterBackend();
    expect(await new Barrier(backend, 'k').create(3)).toBe(true);
    expect(await new Barrier(backend, 'k').create(3)).toBe(false);
    expect(() => new Barrier(backend, 'j').create(0)).toThrow(RangeError);
  });

  it('expires after its TTL; an arrival at a missing barrier clears it (as in Dramatiq)', async () => {
    let now = 0;
    const backend = new MemoryRateLimiterBackend(() => now);
    const barrier = new Barrier(backend, 'k', 1_000);
    await barrier.create(5);
    now = 1_000;
    expect(backend.peek('k')).toBeUndefined();
    expect(await barrier.arrive()).toBe(true);
  });
});

describe('GroupCallbacks', () => {
  const actor = { name: 'member', options: {} } as unknown as ActorDefinition;

  function setup() {
    const backend = new MemoryRateLimiterBackend();
    const middleware = new GroupCallbacks(backend);
    const sent: DramatiqMessage[] = [];
    const host = {
      logger: console,
      defaultQueueName: 'default',
      enqueue: async (m: DramatiqMessage) => (sent.push(m), m),
      getActor: () => undefined,
    } as unknown as MiddlewareHost;
    const callback = createMessage({ queueName: 'q', actorName: 'done', args: [1] });
    const member = (options = {}) =>
      createMessage({
        queueName: 'q',
        actorName: 'member',
        options: { group_completion_uuid: 'g', group_completion_callbacks: [callback], ...options },
      });
    return { backend, middleware, sent, host, callback, member };
  }

  it('sends the callbacks once, when the last member succeeds', async () => {
    const { backend, middleware, sent, host, callback, member } = setup();
    await middleware.barrier('g').create(3);
    for (let i = 0; i < 3; i++) await middleware.afterProcess(new MessageContext(member(), actor, host));
    expect(sent).toEqual([callback]);
    expect(backend.peek('g')).toBe(1);
    expect(backend.peek('g@events')).toEqual(['x']);
  });

  it('a failed member does not arrive: the callbacks never run', async () => {
    const { middleware, sent, host, member } = setup();
    await middleware.barrier('g').create(2);
    await middleware.afterProcess(new MessageContext(member(), actor, host));
    const failed = new MessageContext(member(), actor, host);
    failed.error = new Error('boom');
    failed.fail('retries exceeded');
    await middleware.afterProcess(failed);
    const retried = new MessageContext(member(), actor, host);
    retried.error = new Error('boom');
    await middleware.afterProcess(retried);
    expect(sent).toEqual([]);
  });

  it('ignores messages without a uuid or callbacks, and uses a day-long TTL by default', () => {
    const { middleware, host } = setup();
    expect(middleware.barrierTtl).toBe(86_400_000);
    const plain = createMessage({ queueName: 'q', actorName: 'member', options: { group_completion_uuid: 'g' } });
    expect(middleware.afterProcess(new MessageContext(plain, actor, host))).toBeUndefined();
    expect(() => new GroupCallbacks(new MemoryRateLimiterBackend(), { barrierTtl: 0 })).toThrow(RangeError);
  });
});
