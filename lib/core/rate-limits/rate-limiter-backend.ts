/**
 * The part of Dramatiq's RateLimiterBackend that a Barrier uses. Implementations must write the
 * same keys and values as Dramatiq's backend of the same kind, so that Python and Node workers
 * can share one barrier.
 */
export interface RateLimiterBackend {
  /** A short name for logs and errors ('redis', 'memory'). */
  readonly kind: string;
  /** Sets `key` to `value` (kept `ttlMs`) unless it exists; true when it was set. */
  add(key: string, value: number, ttlMs: number): Promise<boolean>;
  /**
   * Lowers the number under `key` (0 when missing) by `amount` and keeps it `ttlMs` more, unless
   * that would take it below `minimum`: then it is left as it is and the answer is false.
   */
  decr(key: string, amount: number, minimum: number, ttlMs: number): Promise<boolean>;
  /** Appends the event "x" to the list `key`, kept `ttlMs`: what a cleared barrier records. */
  waitNotify(key: string, ttlMs: number): Promise<void>;
  /** Releases the connections the backend opened (never ones it was given). Idempotent. */
  close(): Promise<void>;
}
