import type { Redis, RedisOptions } from 'ioredis';
import { redactUrl } from '../../security/redact.js';
import { withTimeout } from '../../util/with-timeout.js';
import type { RateLimiterBackend } from '../rate-limiter-backend.js';
import { RateLimiterBackendUnavailableError } from '../rate-limits.errors.js';

export interface RedisRateLimiterBackendOptions {
  /** Where Redis is. Default redis://127.0.0.1:6379. Ignored with `client`. */
  url?: string;
  /** An ioredis client your app owns (the one of a RedisResultBackend, say); never closed here. */
  client?: Redis;
  /** Longest a command may take before it fails, in ms. Default 5000. */
  commandTimeout?: number;
  /** CLIENT SETNAME of the connection the backend opens. Default 'dramatiq-rate-limits'. */
  connectionName?: string;
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';
const DEFAULT_COMMAND_TIMEOUT = 5_000;

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
  private readonly commandTimeout: number;
  private connection: Promise<Redis> | undefined;

  constructor(private readonly options: RedisRateLimiterBackendOptions = {}) {
    this.commandTimeout = options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT;
    if (!Number.isInteger(this.commandTimeout) || this.commandTimeout < 1) {
      throw new RangeError(
        `RedisRateLimiterBackend commandTimeout must be an integer >= 1 (ms), got ${options.commandTimeout}`,
      );
    }
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
    const connection = this.connection;
    this.connection = undefined;
    const redis = await connection?.catch(() => undefined);
    if (redis && redis !== this.options.client) redis.disconnect();
  }

  private get address(): string {
    return this.options.client ? 'the client given' : redactUrl(this.options.url ?? DEFAULT_URL);
  }

  private async run<T>(what: string, work: (redis: Redis) => Promise<T>): Promise<T> {
    try {
      const redis = await this.client();
      return await withTimeout(
        work(redis),
        this.commandTimeout,
        () => new Error(`no answer within ${this.commandTimeout} ms`),
      );
    } catch (err) {
      throw new RateLimiterBackendUnavailableError(what, `${(err as Error).message} (Redis at ${this.address})`, err);
    }
  }

  /** Connected on first use, and again after a failed connect. */
  private client(): Promise<Redis> {
    if (this.connection === undefined) {
      const connecting = this.connect();
      this.connection = connecting;
      connecting.catch(() => {
        if (this.connection === connecting) this.connection = undefined;
      });
    }
    return this.connection;
  }

  private async connect(): Promise<Redis> {
    if (this.options.client) return this.options.client;
    let RedisClass: (typeof import('ioredis'))['Redis'];
    try {
      // Loaded here, not at the top: the core must not need ioredis unless Redis barriers are used.
      const module = await import('ioredis');
      RedisClass = module.Redis ?? (module as unknown as { default: (typeof import('ioredis'))['Redis'] }).default;
    } catch (err) {
      throw new Error("the package 'ioredis' is not installed; run npm install ioredis", { cause: err });
    }
    const settings: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectionName: this.options.connectionName ?? 'dramatiq-rate-limits',
    };
    const redis = new RedisClass(this.options.url ?? DEFAULT_URL, settings);
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
}
