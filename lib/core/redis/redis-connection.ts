import type { Redis, RedisOptions } from 'ioredis';
import { redactUrl } from '../security/redact.js';
import { withTimeout } from '../util/with-timeout.js';

export type RedisClass = (typeof import('ioredis'))['Redis'];

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_REDIS_COMMAND_TIMEOUT = 5_000;

/** What the Redis-backed parts (results, barriers) take to reach Redis. */
export interface RedisConnectionOptions {
  /** Where Redis is, e.g. redis://:password@host:6379/0. Default redis://127.0.0.1:6379. Ignored with `client`. */
  url?: string;
  /** An ioredis client the app owns: used as it is and never closed here. */
  client?: Redis;
  /** Longest a command may take before it fails, in ms (Redis down, unreachable). Default 5000. */
  commandTimeout?: number;
  /** CLIENT SETNAME of the connections opened here (shown by CLIENT LIST). */
  connectionName?: string;
}

/** Settings for connections we open: fail fast rather than queue commands while Redis is away. */
const OWN_CONNECTION: RedisOptions = { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 };

let ioredis: Promise<RedisClass> | undefined;
let loaded: RedisClass | undefined;

/** ioredis, imported on first use: the core must not need it unless a Redis-backed part is used. */
export function loadIoredis(): Promise<RedisClass> {
  ioredis ??= import('ioredis').then(
    (module) => (loaded = module.Redis ?? (module as unknown as { default: RedisClass }).default),
    (err: unknown) => {
      ioredis = undefined;
      throw new Error("the package 'ioredis' is not installed; run npm install ioredis", { cause: err });
    },
  );
  return ioredis;
}

export function checkCommandTimeout(owner: string, value: number | undefined): number {
  const timeout = value ?? DEFAULT_REDIS_COMMAND_TIMEOUT;
  if (!Number.isInteger(timeout) || timeout < 1) {
    throw new RangeError(`${owner} commandTimeout must be an integer >= 1 (ms), got ${value}`);
  }
  return timeout;
}

/**
 * One command connection to Redis: the app's client when given, else one of ours, connected on
 * first use (again after a failed connect) and bounded by the command timeout.
 */
export class RedisConnection {
  readonly commandTimeout: number;
  private connection: Promise<Redis> | undefined;

  constructor(
    owner: string,
    private readonly options: RedisConnectionOptions,
    private readonly defaultName: string,
  ) {
    this.commandTimeout = checkCommandTimeout(owner, options.commandTimeout);
  }

  /** The address in use, password hidden. */
  get address(): string {
    return this.options.client ? 'the client given' : redactUrl(this.options.url ?? DEFAULT_REDIS_URL);
  }

  /** Runs `work` on the connection within the command timeout; failures reject with `unavailable(detail)`. */
  async run<T>(work: (redis: Redis) => Promise<T>, unavailable: (detail: string, cause: unknown) => Error): Promise<T> {
    try {
      const redis = await this.get();
      return await withTimeout(
        work(redis),
        this.commandTimeout,
        () => new Error(`no answer within ${this.commandTimeout} ms`),
      );
    } catch (err) {
      throw unavailable(`${(err as Error).message} (Redis at ${this.address})`, err);
    }
  }

  get(): Promise<Redis> {
    if (this.connection === undefined) {
      const connecting = this.connect();
      this.connection = connecting;
      connecting.catch(() => {
        if (this.connection === connecting) this.connection = undefined;
      });
    }
    return this.connection;
  }

  /**
   * A further connection of ours with the same settings (a duplicate of the app's client, when
   * given). Synchronous, for callers that open connections on demand: get() must have loaded
   * ioredis first.
   */
  openAnother(extra: RedisOptions = {}): Redis {
    if (!loaded) throw new Error('ioredis is not loaded yet: await get() first');
    const options = { ...this.ownOptions(), ...extra };
    return this.options.client
      ? this.options.client.duplicate(options)
      : new loaded(this.options.url ?? DEFAULT_REDIS_URL, options);
  }

  /** Closes the connection if it is ours; the app's client stays open. */
  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    const redis = await connection?.catch(() => undefined);
    if (redis && redis !== this.options.client) redis.disconnect();
  }

  private ownOptions(): RedisOptions {
    return { ...OWN_CONNECTION, connectionName: this.options.connectionName ?? this.defaultName };
  }

  private async connect(): Promise<Redis> {
    const RedisClass = await loadIoredis();
    if (this.options.client) return this.options.client;
    const redis = new RedisClass(this.options.url ?? DEFAULT_REDIS_URL, this.ownOptions());
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
}
