/**
 * How big the reliability runs are. RELIABILITY_SCALE=ci (the default, used by `npm test`) keeps the
 * whole set well under five minutes; RELIABILITY_SCALE=full (set by `npm run reliability`) runs the
 * sizes the figures in docs/reliability.md come from.
 */
export type Scale = 'ci' | 'full';

export const SCALE: Scale = process.env.RELIABILITY_SCALE === 'full' ? 'full' : 'ci';
export const FULL = SCALE === 'full';

/** Picks the CI or the full value. */
export function sized<T>(ci: T, full: T): T {
  return FULL ? full : ci;
}
