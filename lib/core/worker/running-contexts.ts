import type { MessageContext } from '../middleware/middleware.js';

/** A run's place in the list: what `add` returns and `remove` takes. */
export interface RunningEntry {
  ctx: MessageContext | undefined;
  prev: RunningEntry | undefined;
  next: RunningEntry | undefined;
}

/**
 * The contexts of the runs in progress under one worker signal, in the order they started, so
 * that the signal aborting aborts them all. A linked list of small entries rather than a Set:
 * with a long-lived Set (an add and a delete per message) V8's young-generation collections kept
 * finding finished runs alive and promoted about 1.5 KB per message to the old generation, with
 * many more full collections (measured: docs/performance.md). An entry is unlinked and emptied
 * when its run ends, so nothing long-lived points at a finished run.
 */
export class RunningContexts {
  private head: RunningEntry | undefined = undefined;
  private tail: RunningEntry | undefined = undefined;

  add(ctx: MessageContext): RunningEntry {
    const entry: RunningEntry = { ctx, prev: this.tail, next: undefined };
    if (this.tail === undefined) this.head = entry;
    else this.tail.next = entry;
    this.tail = entry;
    return entry;
  }

  /** Unlinks the entry; a second call for the same entry does nothing. */
  remove(entry: RunningEntry): void {
    if (entry.ctx === undefined) return;
    if (entry.prev === undefined) this.head = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === undefined) this.tail = entry.prev;
    else entry.next.prev = entry.prev;
    entry.ctx = entry.prev = entry.next = undefined;
  }

  /** The contexts now, oldest first (a copy: aborting one may end runs). */
  contexts(): MessageContext[] {
    const out: MessageContext[] = [];
    for (let e = this.head; e !== undefined; e = e.next) out.push(e.ctx!);
    return out;
  }
}
