import { describe, expect, it } from '@jest/globals';
import { StoreBatch } from '../../../lib/core/results/backends/store-batch.js';

type Batch = Array<{ key: string; document: string; ttlMs: number }>;

function recordingBatch(
  maxBatch?: number,
  answer: (batch: Batch) => Promise<unknown[]> = async (b) => b.map(() => undefined),
) {
  const batches: Batch[] = [];
  const stores = new StoreBatch(async (batch) => {
    batches.push([...batch]);
    return answer([...batch]);
  }, maxBatch);
  return { stores, batches };
}

describe('StoreBatch: stores of one event-loop turn written together', () => {
  it('writes the stores of one turn in one batch, in order, and later ones in the next', async () => {
    const { stores, batches } = recordingBatch();
    const first = [stores.add('a', '1', 10), stores.add('b', '2', 20), stores.add('c', '3', 30)];
    await Promise.all(first);
    await stores.add('d', '4', 40);
    expect(batches.map((b) => b.map((s) => s.key))).toEqual([['a', 'b', 'c'], ['d']]);
    expect(batches[0]![1]).toMatchObject({ key: 'b', document: '2', ttlMs: 20 });
  });

  it('starts a new batch once one holds maxBatch stores', async () => {
    const { stores, batches } = recordingBatch(2);
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => stores.add(k, k, 1)));
    expect(batches.map((b) => b.map((s) => s.key))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('rejects only the stores the writer reports failed, and every store when the write fails', async () => {
    const failing = recordingBatch(undefined, async (batch) =>
      batch.map((s) => (s.key === 'bad' ? new Error('WRONGTYPE') : undefined)),
    );
    const results = await Promise.allSettled([failing.stores.add('ok', '1', 1), failing.stores.add('bad', '2', 1)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('WRONGTYPE'));

    const down = recordingBatch(undefined, async () => {
      throw new Error('Redis is down');
    });
    const all = await Promise.allSettled([down.stores.add('x', '1', 1), down.stores.add('y', '2', 1)]);
    expect(all.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
