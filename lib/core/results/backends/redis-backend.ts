import type { Redis, RedisOptions } from 'ioredis';
import { redactUrl } from '../../security/redact.js';
import { withTimeout } from '../../util/with-timeout.js';
import type { ResultBackend } from '../result-backend.js';
import { resultKey, type ResultKeyOptions } from '../result-key.js';
import { ResultBackendUnavailableError, type ResultMessageRef } from '../results.errors.js';
import { RedisKeyWatcher } from './redis-key-watcher.js';
import { StoreBatch } from './store-batch.js';

export interface RedisResultBackendOptions extends ResultKeyOptions {
  /** Where Redis is, e.g. redis://:password@host:6379/0. Default redis://127.0.0.1:6379. Ignored with `client`. */
  url?: string;
  /**
   * An ioredis client your app owns: stores and reads go through it, and waits through two
   * connections made with client.duplicate(). The backend never closes it.
   */
  client?: Redis;
  /** Longest a store or read may take before it fails, in ms (Redis down, unreachable). Default 5000. */
  commandTimeout?: number;
  /** CLIENT SETNAME of the connections the backend opens (shown by CLIENT LIST). Default 'dramatiq-results'. */
  connectionName?: string;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_REDIS_COMMAND_TIMEOUT = 5_000;

/** Settings for connections we create: fail fast rather than queue commands while Redis is away. */
const OWN_CONNECTION: RedisOptions = {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
};

/**
 * Dramatiq's RedisBackend: each result is a Redis list holding one JSON document, written as
 * DEL + LPUSH + PEXPIRE in a MULTI (the stores of one event-loop turn share it), read with LINDEX
 * key 0 (never popped). ioredis is an
 * optional peer dependency, loaded on first use only.
 *
 * Connections: one for stores and reads (the app's client when given), plus two shared by all
 * blocking waits (see RedisKeyWatcher), however many there are.
 */
export class RedisResultBackend implements ResultBackend {
  readonly kind = 'redis';
  private readonly commandTimeout: number;
  private command: Promise<Redis> | undefined;
  private readonly watcher: RedisKeyWatcher;
  private readonly stores = new StoreBatch((batch) => this.writeStores(batch));
  /** Resolved once ioredis is loaded; connections for waits are made from it. */
  private redisClass: (typeof import('ioredis'))['Redis'] | undefined;

  constructor(private readonly options: RedisResultBackendOptions = {}) {
    this.commandTimeout = options.commandTimeout ?? DEFAULT_REDIS_COMMAND_TIMEOUT;
    if (!Number.isInteger(this.commandTimeout) || this.commandTimeout < 1) {
      throw new RangeError(
        `RedisResultBackend commandTimeout must be an integer >= 1 (ms), got ${options.commandTimeout}`,
      );
    }
    this.watcher = new RedisKeyWatcher(() => this.waitConnection(), this.commandTimeout);
  }

  /** The address in use, password hidden. */
  get address(): string {
    if (this.options.client) return 'the client given';
    return redactUrl(this.options.url ?? DEFAULT_REDIS_URL);
  }

  keyFor(message: ResultMessageRef): string {
    return resultKey(message, this.options);
  }

  store(key: string, document: string, ttlMs: number): Promise<void> {
    return this.stores.add(key, document, ttlMs);
  }

  /** One MULTI for the stores of one event-loop turn: DEL + LPUSH + PEXPIRE per key, as Dramatiq. */
  private async writeStores(stores: ReadonlyArray<{ key: string; document: string; ttlMs: number }>) {
    const replies = await this.run('store a result', (redis) => {
      const multi = redis.multi();
      for (const { key, document, ttlMs } of stores) multi.del(key).lpush(key, document).pexpire(key, ttlMs);
      return multi.exec();
    });
    if (replies === null) throw new ResultBackendUnavailableError('store a result', 'the transaction was aborted');
    return stores.map((_, i) => {
      const failed = replies.slice(i * 3, i * 3 + 3).find(([err]) => err);
      return failed ? new ResultBackendUnavailableError('store a result', String(failed[0])) : undefined;
    });
  }

  async read(key: string): Promise<string | undefined> {
    return (await this.run('read a result', (redis) => redis.lindex(key, 0))) ?? undefined;
  }

  async waitFor(key: string, timeoutMs: number): Promise<string | undefined> {
    await this.client(); // loads ioredis, so the watcher can make its connections
    return this.watcher.waitFor(key, timeoutMs);
  }

  async close(): Promise<void> {
    await this.watcher.close();
    const command = this.command;
    this.command = undefined;
    const redis = await command?.catch(() => undefined);
    if (redis && redis !== this.options.client) redis.disconnect();
  }

  private async run<T>(what: string, work: (redis: Redis) => Promise<T>): Promise<T> {
    const unavailable = (detail: string, cause?: unknown) =>
      new ResultBackendUnavailableError(what, `${detail} (Redis at ${this.address})`, cause);
    try {
      const redis = await this.client();
      return await withTimeout(work(redis), this.commandTimeout, () =>
        unavailable(`no answer within ${this.commandTimeout} ms`),
      );
    } catch (err) {
      if (err instanceof ResultBackendUnavailableError) throw err;
      throw unavailable((err as Error).message, err);
    }
  }

  /** The connection for stores and reads, connected on first use (again after a failed connect). */
  private client(): Promise<Redis> {
    if (this.command === undefined) {
      const connecting = this.connectCommandClient();
      this.command = connecting;
      connecting.catch(() => {
        if (this.command === connecting) this.command = undefined;
      });
    }
    return this.command;
  }

  private async connectCommandClient(): Promise<Redis> {
    const RedisClass = await this.loadIoredis();
    if (this.options.client) return this.options.client;
    const redis = new RedisClass(this.options.url ?? DEFAULT_REDIS_URL, this.ownConnection());
    // Failures surface on the commands; the listener keeps ioredis from printing them too, and
    // keeps the socket's own reason (ECONNREFUSED...) that connect() reports only as "closed".
    let lastError: Error | undefined;
    redis.on('error', (err: Error) => (lastError = err));
    try {
      await withTimeout(
        redis.connect(),
        this.commandTimeout,
        () => new Error(`no answer within ${this.commandTimeout} ms`),
      );
    } catch (err) {
      redis.disconnect();
      throw new Error(`cannot connect: ${(lastError ?? (err as Error)).message}`, { cause: err });
    }
    return redis;
  }

  /** A fresh connection for the watcher: not reconnecting (the watcher opens a new pair instead). */
  private waitConnection(): Redis {
    const options: RedisOptions = { ...this.ownConnection(), retryStrategy: () => null };
    const redis = this.options.client
      ? this.options.client.duplicate(options)
      : new this.redisClass!(this.options.url ?? DEFAULT_REDIS_URL, options);
    redis.on('error', () => undefined);
    return redis;
  }

  private ownConnection(): RedisOptions {
    return { ...OWN_CONNECTION, connectionName: this.options.connectionName ?? 'dramatiq-results' };
  }

  private async loadIoredis(): Promise<(typeof import('ioredis'))['Redis']> {
    if (this.redisClass) return this.redisClass;
    try {
      // Loaded here, not at the top: the core must not need ioredis unless Redis results are used.
      const module = await import('ioredis');
      this.redisClass = module.Redis ?? (module as unknown as { default: (typeof import('ioredis'))['Redis'] }).default;
      return this.redisClass;
    } catch (err) {
      throw new ResultBackendUnavailableError(
        'load its Redis client',
        "the package 'ioredis' is not installed; run npm install ioredis",
        err,
      );
    }
  }
}
