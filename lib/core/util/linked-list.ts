/** What a node of a LinkedList carries: its two links, set and cleared by the list. */
export interface ListNode<N> {
  prev: N | undefined;
  next: N | undefined;
}

/**
 * A doubly linked list of caller-made nodes, oldest first: push and remove in O(1) with no
 * allocation of its own. For what is added and removed once per message and must stay
 * findable while it lasts (the runs in progress, the deliveries not yet settled): a long-lived
 * Set or Map with an add and a delete per message made V8's young-generation collections
 * promote about a message's worth of objects each time (docs/performance.md). A removed node
 * has both links cleared, so nothing long-lived points at it any more.
 */
export class LinkedList<N extends ListNode<N>> {
  private head: N | undefined = undefined;
  private tail: N | undefined = undefined;

  /** Appends a node that is in no list (links undefined). */
  push(node: N): void {
    node.prev = this.tail;
    node.next = undefined;
    if (this.tail === undefined) this.head = node;
    else this.tail.next = node;
    this.tail = node;
  }

  /**
   * Unlinks the node: true if it was in this list, false if not (so a second call does nothing).
   * A node belongs to one list at most: the check looks only at its neighbours.
   */
  remove(node: N): boolean {
    const { prev, next } = node;
    if (prev === undefined ? this.head !== node : prev.next !== node) return false;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    node.prev = node.next = undefined;
    return true;
  }

  /** The nodes now, oldest first, in a copy (so the caller may remove while walking it). */
  toArray(): N[] {
    const out: N[] = [];
    for (let n = this.head; n !== undefined; n = n.next) out.push(n);
    return out;
  }

  /** Unlinks every node. */
  clear(): void {
    for (let n = this.head; n !== undefined;) {
      const next = n.next;
      n.prev = n.next = undefined;
      n = next;
    }
    this.head = this.tail = undefined;
  }
}
