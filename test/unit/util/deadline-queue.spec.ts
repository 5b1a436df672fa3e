import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { DeadlineQueue } from '../../../lib/core/util/deadline-queue.js';

interface Item {
  name: string;
  expiresAt: number;
  settled: boolean;
}

function setup(timeout = 100) {
  const expired: string[] = [];
  const queue = new DeadlineQueue<Item>(
    timeout,
    (i) => i.settled,
    (i) => void expired.push(i.name),
  );
  const add = (name: string): Item => {
    const item = { name, expiresAt: 0, settled: false };
    queue.add(item);
    return item;
  };
  return { queue, expired, add };
}

describe('DeadlineQueue', () => {
  beforeEach(() => void jest.useFakeTimers());
  afterEach(() => void jest.useRealTimers());

  it('expires each pending item timeoutMs after it was added, in order, with one timer', async () => {
    const { add, expired } = setup(100);
    add('a');
    await jest.advanceTimersByTimeAsync(30);
    add('b');
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(70);
    expect(expired).toEqual(['a']);
    await jest.advanceTimersByTimeAsync(29);
    expect(expired).toEqual(['a']);
    await jest.advanceTimersByTimeAsync(1);
    expect(expired).toEqual(['a', 'b']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('settled items never expire; the front is dropped as it settles, and the timer with the last one', async () => {
    const { queue, add, expired } = setup(100);
    const a = add('a');
    const b = add('b');
    b.settled = true;
    queue.settled();
    expect(queue.size).toBe(2); // b waits behind a, which is still pending
    a.settled = true;
    queue.settled();
    expect(queue.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0); // nothing keeps the process alive
    await jest.advanceTimersByTimeAsync(200);
    expect(expired).toEqual([]);
  });

  it('a settled item at the front does not hold back the expiry of a later pending one', async () => {
    const { queue, add, expired } = setup(100);
    const a = add('a');
    await jest.advanceTimersByTimeAsync(50);
    add('b');
    a.settled = true;
    queue.settled();
    await jest.advanceTimersByTimeAsync(99);
    expect(expired).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(expired).toEqual(['b']);
  });
});

describe('DeadlineQueue re-entered from an expiry', () => {
  beforeEach(() => void jest.useFakeTimers());
  afterEach(() => void jest.useRealTimers());

  it('an item added or settled by expire() itself keeps its own deadline', async () => {
    const expired: string[] = [];
    const items: Array<{ name: string; expiresAt: number; settled: boolean }> = [];
    const queue: DeadlineQueue<(typeof items)[number]> = new DeadlineQueue(
      100,
      (i) => i.settled,
      (i) => {
        i.settled = true;
        expired.push(i.name);
        queue.settled(); // as the publisher does when it finishes a send
        if (i.name === 'a') add('c'); // a slot freed by the expiry lets a waiting send in
      },
    );
    const add = (name: string) => {
      const item = { name, expiresAt: 0, settled: false };
      items.push(item);
      queue.add(item);
    };
    add('a');
    await jest.advanceTimersByTimeAsync(50);
    add('b');
    await jest.advanceTimersByTimeAsync(50);
    expect(expired).toEqual(['a']);
    await jest.advanceTimersByTimeAsync(50);
    expect(expired).toEqual(['a', 'b']);
    await jest.advanceTimersByTimeAsync(50);
    expect(expired).toEqual(['a', 'b', 'c']);
    expect(queue.size).toBe(0);
  });

  it('keeps one timer when expire() adds an item to an otherwise empty queue', async () => {
    const expired: string[] = [];
    const queue: DeadlineQueue<{ name: string; expiresAt: number; settled: boolean }> = new DeadlineQueue(
      100,
      (i) => i.settled,
      (i) => {
        expired.push(i.name);
        if (i.name === 'a') queue.add({ name: 'b', expiresAt: 0, settled: false });
      },
    );
    queue.add({ name: 'a', expiresAt: 0, settled: false });
    await jest.advanceTimersByTimeAsync(100);
    expect(expired).toEqual(['a']);
    expect(jest.getTimerCount()).toBe(1); // not two timers for 'b'
    await jest.advanceTimersByTimeAsync(100);
    expect(expired).toEqual(['a', 'b']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps order across growth and wrap-around: 5,000 items added while the oldest settle, the rest expire in order', async () => {
    const { queue, add, expired } = setup(100);
    const items: Item[] = [];
    // Interleave adds and settles so the ring's head moves and its end wraps before it grows.
    for (let i = 0; i < 5_000; i++) {
      items.push(add(`i${i}`));
      if (i % 3 === 2) {
        items[i - 2]!.settled = true;
        queue.settled();
      }
    }
    const pending = items.filter((item) => !item.settled).map((item) => item.name);
    expect(queue.size).toBe(4_999); // only the very first settled at the front; the rest wait behind it
    await jest.advanceTimersByTimeAsync(100);
    expect(expired).toEqual(pending);
    expect(queue.size).toBe(0);
    // Empty after the burst: it still works.
    add('after');
    await jest.advanceTimersByTimeAsync(100);
    expect(expired.at(-1)).toBe('after');
  });
});
