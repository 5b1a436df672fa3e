/**
 * The `client` option is typed with our own RedisClientLike, so that the published declarations
 * do not need ioredis: an ioredis Redis must still fit as it is, a Cluster must not (results and
 * barriers use one node). The type checks run with `npm run typecheck`.
 */
import { describe, expect, it } from '@jest/globals';
import { type Cluster, Redis } from 'ioredis';
import { RedisRateLimiterBackend } from '../../../lib/core/rate-limits/backends/redis-rate-limiter-backend.js';
import type { RedisClientLike } from '../../../lib/core/redis/redis-connection-options.js';
import { RedisResultBackend } from '../../../lib/core/results/backends/redis-backend.js';

const redisFits: Redis extends RedisClientLike ? true : false = true;
const clusterFits: Cluster extends RedisClientLike ? true : false = false;

describe('RedisClientLike', () => {
  it('takes an ioredis Redis as `client` without a cast, and leaves it alone', async () => {
    expect([redisFits, clusterFits]).toEqual([true, false]);
    const client = new Redis({ lazyConnect: true });
    try {
      const results = new RedisResultBackend({ client });
      const barriers = new RedisRateLimiterBackend({ client });
      expect(results.address).toBe('the client given');
      await Promise.all([results.close(), barriers.close()]);
      expect(client.status).toBe('wait'); // never connected, never closed: it is the app's
    } finally {
      client.disconnect();
    }
  });

  it('refuses at construction an object that is not an ioredis client, naming what it lacks', () => {
    const notAClient = { duplicate: () => notAClient, lindex: async () => null };
    expect(() => new RedisResultBackend({ client: notAClient })).toThrow(
      /RedisResultBackend client must be an ioredis Redis instance .* has no evalsha, eval, multi/,
    );
    expect(() => new RedisRateLimiterBackend({ client: notAClient })).toThrow(/client must be an ioredis Redis/);
  });
});
