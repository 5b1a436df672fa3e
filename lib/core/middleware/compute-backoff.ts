/**
 * Dramatiq's retry backoff: minBackoff * 2^retries capped at maxBackoff, then jittered
 * into [half, full]. `retries` is the count before this failure (0 for the first retry).
 * `random` is injectable so tests can pin it.
 */
export function computeBackoff(
  retries: number,
  minBackoff: number,
  maxBackoff: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(retries, 32);
  const full = Math.min(minBackoff * 2 ** exponent, maxBackoff);
  const half = full / 2;
  return Math.floor(half + random() * half);
}
