import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisConnectionOptions } from '../../redis/redis-connection-options.js';
import { RedisConnection } from '../../redis/redis-connection.js';
import type { ResultBackend } from '../result-backend.js';
import { resultKey, type ResultKeyOptions } from '../result-key.js';
import { ResultBackendUnavailableError, type ResultMessageRef } from '../results.errors.js';
import { RedisKeyWatcher } from './redis-key-watcher.js';
import { StoreBatch } from './store-batch.js';

export interface RedisResultBackendOptions extends ResultKeyOptions, RedisConnectionOptions {}

/** KEYS: the result keys; ARGV: document and TTL (ms) of each, in the same order. */
const STORE_SCRIPT = `for i, key in ipairs(KEYS) do
  redis.call('DEL', key)
  redis.call('LPUSH', key, ARGV[2 * i - 1])
  redis.call('PEXPIRE', key, ARGV[2 * i])
end
return #KEYS`;

const STORE_SCRIPT_SHA = createHash('sha1').update(STORE_SCRIPT).digest('hex');

/** EVALSHA, and EVAL when Redis does not have the script yet (NOSCRIPT: first use, or after a restart). */
async function runStoreScript(redis: Redis, keyCount: number, args: Array<string | number>): Promise<unknown> {
  try {
    return await redis.evalsha(STORE_SCRIPT_SHA, keyCount, ...args);
  } catch (err) {
    if (!/NOSCRIPT/.test((err as Error).message)) throw err;
    return redis.eval(STORE_SCRIPT, keyCount, ...args);
  }
}

/** Redis said no to scripts (as opposed to being down): NOPERM from an ACL, or scripting disabled. */
function isScriptRefusal(err: unknown): boolean {
  const text = `${(err as Error)?.message ?? ''} ${String((err as { cause?: unknown })?.cause ?? '')}`;
  return /NOPERM|unknown command|scripting is disabled|not allowed/i.test(text);
}

/**
 * Dramatiq's RedisBackend: each result is a Redis list holding one JSON document, written as
 * DEL + LPUSH + PEXPIRE in a MULTI (the stores of one event-loop turn share it), read with LINDEX
 * key 0 (never popped). ioredis is an optional peer dependency, loaded on first use only.
 *
 * Connections: one for stores and reads (the app's client when given), plus two shared by all
 * blocking waits (see RedisKeyWatcher), however many there are.
 */
export class RedisResultBackend implements ResultBackend {
  readonly kind = 'redis';
  private readonly connection: RedisConnection;
  private readonly watcher: RedisKeyWatcher;
  private readonly stores = new StoreBatch((batch) => this.writeStores(batch));
  /** Set once Redis refused the store script (ACLs, scripting disabled): stores use MULTI from then on. */
  private scriptsRefused = false;

  constructor(private readonly options: RedisResultBackendOptions = {}) {
    this.connection = new RedisConnection('RedisResultBackend', options, 'dramatiq-results');
    // Wait connections do not reconnect: the watcher opens a new pair instead.
    this.watcher = new RedisKeyWatcher(
      () => this.connection.openAnother({ retryStrategy: () => null }),
      this.connection.commandTimeout,
    );
  }

  /** The address in use, password hidden. */
  get address(): string {
    return this.connection.address;
  }

  keyFor(message: ResultMessageRef): string {
    return resultKey(message, this.options);
  }

  store(key: string, document: string, ttlMs: number): Promise<void> {
    return this.stores.add(key, document, ttlMs);
  }

  /**
   * The stores of one event-loop turn in one command: a server-side script running DEL + LPUSH +
   * PEXPIRE for each key, exactly what Dramatiq writes (a MULTI of those for every key costs the
   * client about four times the CPU in ioredis; measured 20-25 vs 3-6 µs per store). A Redis that
   * refuses scripts gets the MULTI.
   */
  private async writeStores(stores: ReadonlyArray<{ key: string; document: string; ttlMs: number }>) {
    if (this.scriptsRefused) return this.writeStoresInMulti(stores);
    try {
      await this.run('store a result', (redis) => {
        const args: Array<string | number> = [];
        for (const { key } of stores) args.push(key);
        for (const { document, ttlMs } of stores) args.push(document, ttlMs);
        return runStoreScript(redis, stores.length, args);
      });
    } catch (err) {
      if (!isScriptRefusal(err)) throw err;
      this.scriptsRefused = true;
      return this.writeStoresInMulti(stores);
    }
    return stores.map(() => undefined);
  }

  private async writeStoresInMulti(stores: ReadonlyArray<{ key: string; document: string; ttlMs: number }>) {
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
    await this.run('wait for a result', () => Promise.resolve()); // loads ioredis for the watcher's connections
    return this.watcher.waitFor(key, timeoutMs);
  }

  async close(): Promise<void> {
    await this.watcher.close();
    await this.connection.close();
  }

  private run<T>(what: string, work: (redis: Redis) => Promise<T>): Promise<T> {
    return this.connection.run(work, (detail, cause) =>
      cause instanceof ResultBackendUnavailableError ? cause : new ResultBackendUnavailableError(what, detail, cause),
    );
  }
}
