/** Bounded polling helpers for tests. */

export interface WaitForOptions {
  /** Give up after this many ms. Default 10 000. */
  timeoutMs?: number;
  /** Pause between attempts. Default 100 ms. */
  intervalMs?: number;
  /** What we were waiting for; goes into the timeout error. */
  message?: string;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `predicate` until it returns (or resolves to) true. A predicate that throws counts as
 * "not yet"; the last error is reported if the wait times out. Each attempt is awaited, so a slow
 * predicate (e.g. a rabbitmqctl call, ~0.35 s) is never run concurrently with itself.
 */
export async function waitFor(predicate: () => Promise<boolean> | boolean, opts: WaitForOptions = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      if (await predicate()) return;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    await sleep(Math.min(intervalMs, remaining));
  }
  const what = opts.message ?? 'condition';
  const last =
    lastError === undefined
      ? ''
      : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
  throw new Error(`Timed out after ${timeoutMs} ms (${attempts} attempts) waiting for ${what}${last}`);
}

/** Polls `fn` until it returns a value other than undefined/null/false, and returns that value. */
export async function waitForValue<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: WaitForOptions = {},
): Promise<T> {
  let value: T | undefined;
  await waitFor(async () => {
    const v = await fn();
    if (v === undefined || v === null || v === false) return false;
    value = v;
    return true;
  }, opts);
  return value as T;
}

/** Rejects with a clear message if `promise` does not settle within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${message}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
