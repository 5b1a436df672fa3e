import type { PromRegistry } from './prom-client-types.js';

/**
 * Counts kept in plain numbers between scrapes, handed to prom-client when a registry is read.
 * A labelled prom-client update hashes its label values on every call (about half a microsecond),
 * and a message made four of them; now it makes none until a scrape. Every counter and gauge the
 * metrics use runs its registry's flushes from its collect(), which prom-client calls before
 * reading that metric.
 *
 * The flushes live on the registry itself, under a global symbol: two copies of this library in
 * one process (its ESM and CommonJS builds, say) then share one list for a shared registry. They
 * are held weakly, so a broker closed without detach() is not kept alive by the registry.
 */
const FLUSHES = Symbol.for('nestjs-dramatiq-broker.scrapeTimeFlushes');
const OURS = Symbol.for('nestjs-dramatiq-broker.flushOnCollect');

type Flush = () => void;
type WithFlushes = PromRegistry & { [FLUSHES]?: Set<WeakRef<Flush>> };

function flushesOf(registry: PromRegistry): Set<WeakRef<Flush>> {
  const holder = registry as WithFlushes;
  return (holder[FLUSHES] ??= new Set());
}

export function addFlush(registry: PromRegistry, flush: Flush): void {
  flushesOf(registry).add(new WeakRef(flush));
}

export function removeFlush(registry: PromRegistry, flush: Flush): void {
  const flushes = flushesOf(registry);
  for (const ref of flushes) if (ref.deref() === flush) flushes.delete(ref);
}

/** Runs every flush of `registry` (dropping those whose owner is gone). */
export function flushAll(registry: PromRegistry): void {
  const flushes = flushesOf(registry);
  for (const ref of flushes) {
    const flush = ref.deref();
    if (flush === undefined) flushes.delete(ref);
    else flush();
  }
}

/** The collect() of the counters and gauges holding deferred counts. */
export function flushOnCollect(registry: PromRegistry): () => void {
  const collect = () => flushAll(registry);
  return Object.assign(collect, { [OURS]: true });
}

/**
 * Makes a metric found in the registry (made by another broker, another copy of this library, or
 * the app itself) flush on collect as well, keeping the collect() it already had.
 */
export function ensureFlushOnCollect(metric: unknown, registry: PromRegistry): void {
  const target = metric as { collect?: (() => unknown) & { [OURS]?: boolean } };
  const own = target.collect;
  if (own?.[OURS]) return;
  const flush = flushOnCollect(registry);
  target.collect =
    own === undefined
      ? flush
      : Object.assign(
          function (this: unknown) {
            flush();
            return own.call(this);
          },
          { [OURS]: true },
        );
}
