/**
 * Waits for many result keys at once on two Redis connections, without polling and without
 * taking anything out of the lists (Python readers and other waiters see the same value).
 *
 * Redis server-assisted client tracking (CLIENT TRACKING, Redis >= 6, no server config needed):
 * the `reader` connection has tracking on, redirected to `subscriber`, which listens on
 * __redis__:invalidate. Reading a key with LINDEX (present or not) makes Redis remember it;
 * the next write to that key by anyone (our DEL+LPUSH+PEXPIRE, Python's, an expiry) sends its
 * name to `subscriber` once. The waiter is registered before the read, so a write racing with
 * the read is never missed: either the read sees the value or the invalidation follows it.
 * Blocking commands (BRPOPLPUSH, BLMOVE) would hold a whole connection per waiter instead.
 */
import type { Redis } from 'ioredis';
import { ResultBackendUnavailableError } from '../results.errors.js';

const INVALIDATE_CHANNEL = '__redis__:invalidate';

interface Waiter {
  resolve(document: string | undefined): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** One reader + subscriber pair; when either connection fails, every waiter on it is rejected. */
class TrackingSession {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private failure: Error | undefined;

  private constructor(
    private readonly reader: Redis,
    private readonly subscriber: Redis,
  ) {}

  static async open(connect: () => Redis): Promise<TrackingSession> {
    const reader = connect();
    const subscriber = connect();
    const session = new TrackingSession(reader, subscriber);
    try {
      await Promise.all([reader.connect(), subscriber.connect()]);
      const subscriberId = await subscriber.client('ID');
      subscriber.on('messageBuffer', (_channel: Buffer, keys: unknown) => session.invalidated(keys));
      await subscriber.subscribe(INVALIDATE_CHANNEL);
      await reader.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(subscriberId));
    } catch (err) {
      session.fail(err);
      throw err;
    }
    for (const connection of [reader, subscriber]) {
      // Errors come again as 'close'; the listener keeps ioredis from reporting them as unhandled.
      connection.on('error', () => undefined);
      connection.on('close', () => session.fail(new Error('the connection to Redis closed')));
    }
    return session;
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  wait(key: string, timeoutMs: number): Promise<string | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      let set = this.waiters.get(key);
      if (set === undefined) this.waiters.set(key, (set = new Set()));
      const waiters = set;
      const waiter: Waiter = {
        resolve: (document) => {
          clearTimeout(waiter.timer);
          resolve(document);
        },
        reject: (error) => {
          clearTimeout(waiter.timer);
          reject(error);
        },
        timer: setTimeout(() => {
          this.remove(key, waiters, waiter);
          resolve(undefined);
        }, timeoutMs),
      };
      waiters.add(waiter);
      // Registered first, read second: see the file comment.
      this.check(key);
    });
  }

  /** Reads `key` (which also re-arms its tracking) and wakes its waiters when it has a value. */
  private check(key: string): void {
    this.reader.lindex(key, 0).then(
      (document) => {
        if (document === null) return;
        const waiters = this.waiters.get(key);
        if (waiters === undefined) return;
        this.waiters.delete(key);
        for (const waiter of waiters) waiter.resolve(document);
      },
      (err: unknown) => this.fail(err),
    );
  }

  /** The payload is the list of changed keys, or null when Redis flushed everything. */
  private invalidated(keys: unknown): void {
    if (!Array.isArray(keys)) {
      for (const key of this.waiters.keys()) this.check(key);
      return;
    }
    for (const raw of keys) {
      const key = String(raw);
      if (this.waiters.has(key)) this.check(key);
    }
  }

  private remove(key: string, waiters: Set<Waiter>, waiter: Waiter): void {
    waiters.delete(waiter);
    if (waiters.size === 0 && this.waiters.get(key) === waiters) this.waiters.delete(key);
  }

  fail(cause: unknown): void {
    if (this.failure) return;
    this.failure = new ResultBackendUnavailableError(
      'keep waiting for a result',
      cause instanceof Error ? cause.message : String(cause),
      cause,
    );
    for (const waiters of this.waiters.values()) for (const waiter of waiters) waiter.reject(this.failure);
    this.waiters.clear();
    this.reader.disconnect();
    this.subscriber.disconnect();
  }
}

/** Opens a tracking session on first use and a new one after a failure; see the file comment. */
export class RedisKeyWatcher {
  private session: Promise<TrackingSession> | undefined;

  /** `connect` makes a new, not yet connected, non-reconnecting connection (lazyConnect). */
  constructor(
    private readonly connect: () => Redis,
    private readonly openTimeoutMs: number,
  ) {}

  async waitFor(key: string, timeoutMs: number): Promise<string | undefined> {
    const session = await this.current();
    return session.wait(key, timeoutMs);
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    const open = await session?.catch(() => undefined);
    open?.fail(new Error('the result backend was closed'));
  }

  private async current(): Promise<TrackingSession> {
    const existing = this.session && (await this.session.catch(() => undefined));
    if (existing && !existing.failed) return existing;
    const opening = this.openBounded();
    this.session = opening;
    // A failed open is not cached: the next wait tries again.
    opening.catch(() => {
      if (this.session === opening) this.session = undefined;
    });
    return opening;
  }

  private openBounded(): Promise<TrackingSession> {
    let timer: NodeJS.Timeout | undefined;
    const opening = TrackingSession.open(this.connect);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ResultBackendUnavailableError('start waiting for results', `no answer within ${this.openTimeoutMs} ms`),
          ),
        this.openTimeoutMs,
      );
    });
    // A session that opens after the timeout is closed at once rather than leaked.
    opening.then(
      (s) => timer === undefined && s.fail(new Error('opened too late')),
      () => undefined,
    );
    return Promise.race([opening, timeout])
      .catch((err: unknown) => {
        throw err instanceof ResultBackendUnavailableError
          ? err
          : new ResultBackendUnavailableError('start waiting for results', (err as Error).message, err);
      })
      .finally(() => {
        clearTimeout(timer);
        timer = undefined;
      });
  }
}
