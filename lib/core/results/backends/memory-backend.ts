import type { ResultBackend } from '../result-backend.js';
import { resultKey, type ResultKeyOptions } from '../result-key.js';
import type { ResultMessageRef } from '../results.errors.js';

interface Entry {
  readonly document: string;
  readonly expiresAt: number;
}

/**
 * Results in this process's memory, for tests and single-process apps: the same keys, TTL and
 * blocking reads as the Redis backend, but nothing is shared with other processes.
 */
export class MemoryResultBackend implements ResultBackend {
  readonly kind = 'memory';
  private readonly entries = new Map<string, Entry>();
  private readonly waiters = new Map<string, Set<(document: string) => void>>();

  constructor(
    private readonly keyOptions: ResultKeyOptions = {},
    private readonly now: () => number = Date.now,
  ) {}

  keyFor(message: ResultMessageRef): string {
    return resultKey(message, this.keyOptions);
  }

  async store(key: string, document: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { document, expiresAt: this.now() + ttlMs });
    const waiting = this.waiters.get(key);
    if (waiting === undefined) return;
    this.waiters.delete(key);
    for (const wake of waiting) wake(document);
  }

  async read(key: string): Promise<string | undefined> {
    return this.current(key);
  }

  waitFor(key: string, timeoutMs: number): Promise<string | undefined> {
    const present = this.current(key);
    if (present !== undefined) return Promise.resolve(present);
    return new Promise((resolve) => {
      let waiting = this.waiters.get(key);
      if (waiting === undefined) this.waiters.set(key, (waiting = new Set()));
      const wake = (document: string | undefined) => {
        clearTimeout(timer);
        waiting.delete(wake);
        if (waiting.size === 0 && this.waiters.get(key) === waiting) this.waiters.delete(key);
        resolve(document);
      };
      const timer = setTimeout(() => wake(undefined), timeoutMs);
      waiting.add(wake);
    });
  }

  /** Nothing to release: results stay, as they would in Redis. */
  async close(): Promise<void> {}

  /** Drops every stored result; waiters keep waiting. */
  clear(): void {
    this.entries.clear();
  }

  /** Number of results stored (expired ones included until read). */
  get size(): number {
    return this.entries.size;
  }

  private current(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    // Expired entries go on first read, as Redis expires keys lazily too.
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.document;
  }
}
