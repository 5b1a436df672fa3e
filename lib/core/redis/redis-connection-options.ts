/**
 * The public side of the Redis connection: the options the Redis-backed parts (results,
 * barriers) take. No ioredis types here: these declarations reach every user of the package,
 * and ioredis is an optional peer that most of them do not install.
 */

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_REDIS_COMMAND_TIMEOUT = 5_000;

/**
 * The Redis client an application passes as `client`: an ioredis `Redis` instance fits, as it is.
 * Declared here, by the members that tell one apart, rather than imported from ioredis.
 */
export interface RedisClientLike {
  /**
   * ioredis's `Redis.duplicate(override)`: blocking waits open their connections with it. A
   * function-typed property, not a method, so that parameters are checked strictly: an ioredis
   * `Cluster` (whose `duplicate` takes startup nodes) does not fit; results and barriers need one node.
   */
  readonly duplicate: (override?: { connectionName?: string; lazyConnect?: boolean }) => RedisClientLike;
  /** Results are read with it (LINDEX key 0), as Dramatiq does. */
  lindex(key: string, index: number): Promise<string | null>;
}

/** What the Redis-backed parts (results, barriers) take to reach Redis. */
export interface RedisConnectionOptions {
  /** Where Redis is, e.g. redis://:password@host:6379/0. Default redis://127.0.0.1:6379. Ignored with `client`. */
  url?: string;
  /** An ioredis client the app owns (an ioredis `Redis` instance): used as it is and never closed here. */
  client?: RedisClientLike;
  /** Longest a command may take before it fails, in ms (Redis down, unreachable). Default 5000. */
  commandTimeout?: number;
  /** CLIENT SETNAME of the connections opened here (shown by CLIENT LIST). */
  connectionName?: string;
}
