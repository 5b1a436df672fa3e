import { describe, expect, it } from '@jest/globals';
import { RingQueue } from '../../../lib/core/util/ring-queue.js';

describe('RingQueue', () => {
  it('is first-in first-out across wrap-around and growth', () => {
    const q = new RingQueue<number>(4, 8);
    const out: number[] = [];
    let next = 0;
    // Two in, one out: the head moves and the end wraps before the ring grows (4 -> 8 -> ... ).
    for (let round = 0; round < 50; round++) {
      q.push(next++);
      q.push(next++);
      out.push(q.shift()!);
    }
    expect(q.size).toBe(50);
    expect(q.peek()).toBe(50);
    while (q.size > 0) out.push(q.shift()!);
    expect(out).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(q.shift()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
  });

  it('empties after a burst and still works (back to its first size)', () => {
    const q = new RingQueue<string>(2, 4);
    for (let i = 0; i < 20; i++) q.push(`a${i}`);
    for (let i = 0; i < 20; i++) expect(q.shift()).toBe(`a${i}`);
    q.push('b');
    q.push('c');
    q.push('d');
    expect([q.shift(), q.shift(), q.shift(), q.size]).toEqual(['b', 'c', 'd', 0]);
  });

  it('refuses a capacity that is not a power of two, and an idle cap below it', () => {
    expect(() => new RingQueue(100)).toThrow(/power of two, got 100/);
    expect(() => new RingQueue(0)).toThrow(RangeError);
    expect(() => new RingQueue(64, 32)).toThrow(/maxIdleCapacity must be at least/);
  });
});
