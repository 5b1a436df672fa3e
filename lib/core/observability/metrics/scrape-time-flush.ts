import type { PromRegistry } from './prom-client-types.js';

/**
 * Counts kept in plain numbers between scrapes, handed to prom-client when a registry is read.
 * A labelled prom-client update hashes its label values on every call (about half a microsecond),
 * and a message made four of them; now it makes none until a scrape. Every counter and gauge made
 * here runs its registry's flushes from its collect(), which prom-client calls before reading it.
 */
const flushesByRegistry = new WeakMap<PromRegistry, Set<() => void>>();

export function flushesOf(registry: PromRegistry): Set<() => void> {
  let flushes = flushesByRegistry.get(registry);
  if (flushes === undefined) flushesByRegistry.set(registry, (flushes = new Set()));
  return flushes;
}

/**
 * The collect() of a metric holding deferred counts. Any of them flushes all: a metric of the
 * same name the app registered itself (without this collect) is brought up to date whenever one
 * of ours is read.
 */
export function flushOnCollect(registry: PromRegistry): () => void {
  return () => {
    for (const flush of flushesOf(registry)) flush();
  };
}
