import { describe, expect, it } from '@jest/globals';
import { LinkedList } from '../../../lib/core/util/linked-list.js';

interface Node {
  readonly name: string;
  prev: Node | undefined;
  next: Node | undefined;
}
const node = (name: string): Node => ({ name, prev: undefined, next: undefined });
const names = (list: LinkedList<Node>) => list.toArray().map((n) => n.name);

describe('LinkedList', () => {
  it('keeps nodes oldest first; removing the first, a middle one and the last keeps the rest in order', () => {
    const list = new LinkedList<Node>();
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map(node);
    for (const n of [a, b, c, d, e]) list.push(n!);
    expect(names(list)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect([list.remove(a!), list.remove(c!), list.remove(e!)]).toEqual([true, true, true]);
    expect(names(list)).toEqual(['b', 'd']);
    list.push(node('f'));
    expect(names(list)).toEqual(['b', 'd', 'f']);
    list.remove(b!);
    list.remove(d!);
    expect(names(list)).toEqual(['f']);
  });

  it('a second remove of the same node returns false and changes nothing; a removed node keeps no links', () => {
    const list = new LinkedList<Node>();
    const a = node('a');
    const b = node('b');
    list.push(a);
    list.push(b);
    expect(list.remove(b)).toBe(true);
    expect(list.remove(b)).toBe(false);
    expect(names(list)).toEqual(['a']);
    expect([b.prev, b.next]).toEqual([undefined, undefined]);
    // Never added: not removed, and the list is untouched.
    expect(list.remove(node('x'))).toBe(false);
    expect(list.remove(a)).toBe(true);
    expect(list.remove(a)).toBe(false);
    expect(names(list)).toEqual([]);
  });

  it('toArray() is a copy: removing nodes while going through it does not cut the walk short', () => {
    const list = new LinkedList<Node>();
    const nodes = ['a', 'b', 'c'].map(node);
    for (const n of nodes) list.push(n);
    const seen: string[] = [];
    for (const n of list.toArray()) {
      seen.push(n.name);
      for (const m of nodes) list.remove(m); // as if aborting one ended them all at once
    }
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(list.toArray()).toEqual([]);
    list.push(node('z')); // head and tail were reset with the last one
    expect(names(list)).toEqual(['z']);
  });

  it('clear() unlinks every node: none can be removed afterwards, and the list starts again empty', () => {
    const list = new LinkedList<Node>();
    const nodes = ['a', 'b', 'c'].map(node);
    for (const n of nodes) list.push(n);
    list.clear();
    expect(names(list)).toEqual([]);
    expect(nodes.map((n) => [n.prev, n.next])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
      [undefined, undefined],
    ]);
    expect(nodes.map((n) => list.remove(n))).toEqual([false, false, false]);
    list.push(nodes[1]!);
    expect(names(list)).toEqual(['b']);
  });
});
