/**
 * Internal: the one place that turns RedisConnectionOptions into ioredis connections. Its
 * declarations name ioredis types, so no public declaration may refer to this file (the public
 * options are in redis-connection-options.ts).
 */
import type { Redis, RedisOptions } from 'ioredis';
import { redactUrl } from '../security/redact.js';
import { withTimeout } from '../util/with-timeout.js';
import {
  DEFAULT_REDIS_COMMAND_TIMEOUT,
  DEFAULT_REDIS_URL,
  type RedisConnectionOptions,
} from './redis-connection-options.js';

export type RedisClass = (typeof import('ioredis'))['Redis'];

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

/** The commands used on the app's client beyond what RedisClientLike names (its type stays small). */
const CLIENT_METHODS = ['duplicate', 'lindex', 'evalsha', 'eval', 'multi'] as const;

/** The app's client is checked at construction: a wrong object fails there, not at the first store. */
function checkClient(owner: string, client: unknown): void {
  if (client === undefined) return;
  const missing = CLIENT_METHODS.filter((name) => typeof (client as Record<string, unknown>)?.[name] !== 'function');
  if (missing.length > 0) {
    throw new TypeError(
      `${owner} client must be an ioredis Redis instance (new Redis(...) from the 'ioredis' package); ` +
        `the object given has no ${missing.join(', ')}`,
    );
  }
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
    checkClient(owner, options.client);
  }

  /** The address in use, password hidden. */
  get address(): string {
    return this.appClient ? 'the client given' : redactUrl(this.options.url ?? DEFAULT_REDIS_URL);
  }

  /** The app's client. Its public type is RedisClientLike (see there); what the app passes is an ioredis Redis. */
  private get appClient(): Redis | undefined {
    return this.options.client as Redis | undefined;
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
    return this.appClient
      ? this.appClient.duplicate(options)
      : new loaded(this.options.url ?? DEFAULT_REDIS_URL, options);
  }

  /** Closes the connection if it is ours; the app's client stays open. */
  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    const redis = await connection?.catch(() => undefined);
    if (redis && redis !== this.appClient) redis.disconnect();
  }

  private ownOptions(): RedisOptions {
    return { ...OWN_CONNECTION, connectionName: this.options.connectionName ?? this.defaultName };
  }

  private async connect(): Promise<Redis> {
    const RedisClass = await loadIoredis();
    if (this.appClient) return this.appClient;
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
