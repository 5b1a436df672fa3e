import { describe, expect, it } from '@jest/globals';
import { Semaphore } from '../../../lib/core/util/semaphore.js';

/** Takes a permit; resolves to the order in which waiters got theirs. */
function take(s: Semaphore, order: number[], id: number): void {
  const got = s.tryAcquire();
  if (got === true) order.push(id);
  else if (got !== false) void got.then(() => order.push(id));
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('hands out its permits, then queues callers in order, and bounds the queue', async () => {
    const s = new Semaphore(2, 1);
    const order: number[] = [];
    take(s, order, 1);
    take(s, order, 2);
    take(s, order, 3); // waits
    expect(s.tryAcquire()).toBe(false); // the queue (1) is full
    expect([s.inUse, s.waitingCount]).toEqual([2, 1]);
    s.release();
    await flush();
    expect(order).toEqual([1, 2, 3]);
    expect([s.inUse, s.waitingCount]).toEqual([2, 0]);
  });

  it('setPermits: raising lets waiters through at once', async () => {
    const s = new Semaphore(1);
    const order: number[] = [];
    for (let i = 1; i <= 4; i++) take(s, order, i);
    s.setPermits(3);
    await flush();
    expect(order).toEqual([1, 2, 3]);
    expect([s.permits, s.inUse, s.waitingCount]).toEqual([3, 3, 1]);
  });

  it('setPermits: lowering below what is held waits for holders; their permits are not passed on until under the cap', async () => {
    const s = new Semaphore(4);
    const order: number[] = [];
    for (let i = 1; i <= 4; i++) take(s, order, i);
    s.setPermits(2);
    take(s, order, 5);
    expect([s.inUse, s.waitingCount]).toEqual([4, 1]);
    s.release(); // 3 held: still over the cap of 2
    s.release(); // 2 held: at the cap
    await flush();
    expect(order).toEqual([1, 2, 3, 4]);
    expect(s.inUse).toBe(2);
    s.release(); // under the cap: the waiter gets it
    await flush();
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect([s.inUse, s.waitingCount]).toEqual([2, 0]);
  });

  it('setPermits: lowering while over the cap, then raising again, counts every permit once', async () => {
    const s = new Semaphore(3);
    const order: number[] = [];
    for (let i = 1; i <= 4; i++) take(s, order, i); // 3 held, 1 waits
    s.setPermits(1); // 3 held, cap 1: two over
    s.setPermits(3); // back to 3: the 3 held fill it, the waiter still waits
    await flush();
    expect(order).toEqual([1, 2, 3]);
    expect([s.inUse, s.waitingCount]).toEqual([3, 1]);
    s.release(); // a permit frees: it goes to the waiter
    await flush();
    expect(order).toEqual([1, 2, 3, 4]);
    expect([s.inUse, s.waitingCount]).toEqual([3, 0]);
    for (let i = 0; i < 3; i++) s.release();
    expect(s.inUse).toBe(0);
    expect([s.tryAcquire(), s.tryAcquire(), s.tryAcquire()]).toEqual([true, true, true]);
    expect(s.tryAcquire()).toBeInstanceOf(Promise);
  });

  it('setPermits rejects a count below 1', () => {
    expect(() => new Semaphore(2).setPermits(0)).toThrow(RangeError);
  });

  describe('tryTake / enqueue (callbacks, no promise)', () => {
    it('calls queued callers back in order as permits are released, and bounds the queue', () => {
      const s = new Semaphore(1, 2);
      const order: number[] = [];
      expect(s.tryTake()).toBe(true);
      expect(s.tryTake()).toBe(false);
      expect(s.enqueue(() => order.push(1))).toBe(true);
      expect(s.enqueue(() => order.push(2))).toBe(true);
      expect(s.enqueue(() => order.push(3))).toBe(false); // the queue (2) is full
      expect(s.waitingCount).toBe(2);
      s.release();
      expect(order).toEqual([1]); // synchronously, no promise job in between
      s.release();
      expect(order).toEqual([1, 2]);
      expect([s.inUse, s.waitingCount]).toEqual([1, 0]);
    });

    it('a callback that releases at once hands on its permit without nesting: 100,000 waiters, no stack overflow', () => {
      const s = new Semaphore(1);
      expect(s.tryTake()).toBe(true);
      let granted = 0;
      let depth = 0;
      let maxDepth = 0;
      for (let i = 0; i < 100_000; i++) {
        s.enqueue(() => {
          depth += 1;
          maxDepth = Math.max(maxDepth, depth);
          granted += 1;
          s.release(); // done at once, as a send without confirms is
          depth -= 1;
        });
      }
      s.release();
      expect(granted).toBe(100_000);
      expect(maxDepth).toBe(1);
      expect([s.inUse, s.waitingCount]).toEqual([0, 0]);
    });

    it('setPermits lets queued callers through in order', () => {
      const s = new Semaphore(1);
      const order: number[] = [];
      s.tryTake();
      for (let i = 1; i <= 3; i++) s.enqueue(() => order.push(i));
      s.setPermits(3);
      expect(order).toEqual([1, 2]);
      expect([s.inUse, s.waitingCount]).toEqual([3, 1]);
    });

    it('a callback that throws does not strand the others: permits are handed out, then the error is thrown', () => {
      const s = new Semaphore(1);
      const order: number[] = [];
      s.tryTake();
      s.enqueue(() => {
        throw new Error('boom');
      });
      s.enqueue(() => order.push(2));
      s.enqueue(() => order.push(3));
      expect(() => s.setPermits(3)).toThrow('boom');
      expect(order).toEqual([2]);
      expect([s.inUse, s.waitingCount]).toEqual([3, 1]);
      s.release();
      expect(order).toEqual([2, 3]);
    });
  });
});
