import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { TimeoutGroup } from '../../../lib/core/util/timeout-group.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('TimeoutGroup', () => {
  beforeEach(() => void jest.useFakeTimers());
  afterEach(() => void jest.useRealTimers());

  it('passes a value or an error through when the work settles in time, and leaves no timer', async () => {
    const group = new TimeoutGroup(100);
    const a = deferred<number>();
    const b = deferred<number>();
    const boundA = group.bound(a.promise, () => new Error('late a'));
    const boundB = group.bound(b.promise, () => new Error('late b'));
    expect(jest.getTimerCount()).toBe(1); // one timer for both
    a.resolve(7);
    b.reject(new Error('refused'));
    await expect(boundA).resolves.toBe(7);
    await expect(boundB).rejects.toThrow('refused');
    expect(group.held).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects each wait with its own error timeoutMs after it started; a late outcome is ignored', async () => {
    const group = new TimeoutGroup(100);
    const a = deferred<string>();
    const b = deferred<string>();
    const boundA = group.bound(a.promise, () => new Error('late a'));
    const caughtA = boundA.catch((err: Error) => err.message);
    await jest.advanceTimersByTimeAsync(40);
    const boundB = group.bound(b.promise, () => new Error('late b'));
    const caughtB = boundB.catch((err: Error) => err.message);
    await jest.advanceTimersByTimeAsync(60);
    expect(await caughtA).toBe('late a');
    a.resolve('too late'); // ignored
    await jest.advanceTimersByTimeAsync(39);
    expect(group.held).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(await caughtB).toBe('late b');
    expect(group.held).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects with what a throwing onTimeout threw, and later waits still time out', async () => {
    const group = new TimeoutGroup(100);
    const first = group
      .bound(new Promise<void>(() => undefined), () => {
        throw new Error('describing the timeout failed');
      })
      .catch((err: Error) => err.message);
    await jest.advanceTimersByTimeAsync(10);
    const second = group
      .bound(new Promise<void>(() => undefined), () => new Error('late'))
      .catch((err: Error) => err.message);
    await jest.advanceTimersByTimeAsync(90);
    expect(await first).toBe('describing the timeout failed');
    await jest.advanceTimersByTimeAsync(10);
    expect(await second).toBe('late');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps bounding a wait that started behind one settled out of order', async () => {
    const group = new TimeoutGroup(100);
    const a = deferred<void>();
    const b = deferred<void>();
    const boundA = group.bound(a.promise, () => new Error('late a')).catch((err: Error) => err.message);
    const boundB = group.bound(b.promise, () => new Error('late b'));
    b.resolve();
    await expect(boundB).resolves.toBeUndefined();
    await jest.advanceTimersByTimeAsync(100);
    expect(await boundA).toBe('late a');
  });
});
