import type { RateLimiterBackend } from '../rate-limiter-backend.js';

interface Entry {
  value: number | string[];
  expiresAt: number;
}

/**
 * Barrier state in this process's memory, for tests and single-process apps: the same
 * semantics as the Redis backend, shared with no other process.
 */
export class MemoryRateLimiterBackend implements RateLimiterBackend {
  readonly kind = 'memory';
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  async add(key: string, value: number, ttlMs: number): Promise<boolean> {
    if (this.current(key) !== undefined) return false;
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    return true;
  }

  async decr(key: string, amount: number, minimum: number, ttlMs: number): Promise<boolean> {
    const present = this.current(key);
    const value = (typeof present === 'number' ? present : 0) - amount;
    if (value < minimum) return false;
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    return true;
  }

  async waitNotify(key: string, ttlMs: number): Promise<void> {
    const present = this.current(key);
    const events = Array.isArray(present) ? present : [];
    this.entries.set(key, { value: [...events, 'x'], expiresAt: this.now() + ttlMs });
  }

  /** What is stored under `key`: a counter, an events list, or undefined. */
  peek(key: string): number | string[] | undefined {
    return this.current(key);
  }

  async close(): Promise<void> {}

  private current(key: string): number | string[] | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }
}
