import type { BrokerEventListener, BrokerEventMap, BrokerEventName } from './event-types.js';

type ListenerLists = { [K in BrokerEventName]?: readonly BrokerEventListener<K>[] };

/**
 * The broker's typed events (broker.events): what happened to messages and connections, for
 * application code, metrics and tracing. Listeners run synchronously where the outcome is
 * decided; one that throws (or rejects) is reported to `onListenerError` and the others still run.
 *
 * Costs one property read per outcome while nobody listens: emitters check `has(name)` before
 * they build an event.
 */
export class BrokerEvents {
  private lists: ListenerLists = {};

  constructor(private readonly onListenerError: (name: BrokerEventName, error: unknown) => void = () => undefined) {}

  /** Adds a listener; returns the function that removes it. */
  on<K extends BrokerEventName>(name: K, listener: BrokerEventListener<K>): () => void {
    // Copy on write: an emit in progress keeps iterating the list it started with.
    const current = (this.lists[name] ?? []) as readonly BrokerEventListener<K>[];
    this.lists = { ...this.lists, [name]: [...current, listener] };
    return () => this.off(name, listener);
  }

  /** Adds a listener that is removed after its first call. */
  once<K extends BrokerEventName>(name: K, listener: BrokerEventListener<K>): () => void {
    const remove = this.on(name, (event) => {
      remove();
      return listener(event);
    });
    return remove;
  }

  off<K extends BrokerEventName>(name: K, listener: BrokerEventListener<K>): void {
    const current = this.lists[name] as readonly BrokerEventListener<K>[] | undefined;
    if (!current) return;
    const rest = current.filter((l) => l !== listener);
    const lists: ListenerLists = { ...this.lists };
    if (rest.length === 0) delete lists[name];
    else (lists as Record<string, unknown>)[name] = rest;
    this.lists = lists;
  }

  /** True when someone listens to `name`: emitters check this before building an event. */
  has(name: BrokerEventName): boolean {
    return this.lists[name] !== undefined;
  }

  emit<K extends BrokerEventName>(name: K, event: BrokerEventMap[K]): void {
    const list = this.lists[name] as readonly BrokerEventListener<K>[] | undefined;
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      try {
        const returned = list[i](event);
        if (returned instanceof Promise) returned.catch((err: unknown) => this.onListenerError(name, err));
      } catch (err) {
        this.onListenerError(name, err);
      }
    }
  }
}
