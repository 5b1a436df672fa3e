import type { Redis } from 'ioredis';
import type { RedisConnectionOptions } from '../../redis/redis-connection-options.js';
import { RedisConnection } from '../../redis/redis-connection.js';
import type { RateLimiterBackend } from '../rate-limiter-backend.js';
import { RateLimiterBackendUnavailableError } from '../rate-limits.errors.js';

export type RedisRateLimiterBackendOptions = RedisConnectionOptions;

/**
 * Dramatiq's check-and-set on a counter (it uses WATCH/GET/MULTI/SET PX): the same reads and
 * writes, made atomic by running server-side instead of retrying on WatchError.
 * KEYS[1] counter; ARGV amount, minimum, ttl ms. Returns 1 when lowered, 0 when left alone.
 */
const DECR_SCRIPT = `
local value = (tonumber(redis.call('GET', KEYS[1])) or 0) - tonumber(ARGV[1])
if value < tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], tostring(value), 'PX', ARGV[3])
return 1`;

/**
 * The barrier part of Dramatiq's Redis RateLimiterBackend, key for key: `add` is SET NX PX,
 * `decr` writes the counter back as a string, `waitNotify` is RPUSH "x" + PEXPIRE in one MULTI.
 * ioredis is loaded on first use only.
 */
export class RedisRateLimiterBackend implements RateLimiterBackend {
  readonly kind = 'redis';
  private readonly connection: RedisConnection;

  constructor(options: RedisRateLimiterBackendOptions = {}) {
    this.connection = new RedisConnection('RedisRateLimiterBackend', options, 'dramatiq-rate-limits');
  }

  async add(key: string, value: number, ttlMs: number): Promise<boolean> {
    return (await this.run('create a barrier', (redis) => redis.set(key, String(value), 'PX', ttlMs, 'NX'))) === 'OK';
  }

  async decr(key: string, amount: number, minimum: number, ttlMs: number): Promise<boolean> {
    const lowered = await this.run('lower a barrier', (redis) =>
      redis.eval(DECR_SCRIPT, 1, key, amount, minimum, ttlMs),
    );
    return lowered === 1;
  }

  async waitNotify(key: string, ttlMs: number): Promise<void> {
    const replies = await this.run('clear a barrier', (redis) =>
      redis.multi().rpush(key, 'x').pexpire(key, ttlMs).exec(),
    );
    const failed = replies?.find(([err]) => err);
    if (replies === null || failed) {
      throw new RateLimiterBackendUnavailableError(
        'clear a barrier',
        failed ? String(failed[0]) : 'the transaction was aborted',
      );
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  private run<T>(what: string, work: (redis: Redis) => Promise<T>): Promise<T> {
    return this.connection.run(work, (detail, cause) => new RateLimiterBackendUnavailableError(what, detail, cause));
  }
}
