import { describe, expect, it } from '@jest/globals';
import { AckBatcher } from '../../../lib/core/connection/ack-batcher.js';

/** Records acks as [tag, multiple] pairs, as RabbitMQ would receive them. */
function recordingChannel() {
  const sent: Array<[number, boolean]> = [];
  return {
    sent,
    ack: (m: { fields: { deliveryTag: number } }, allUpTo?: boolean) =>
      void sent.push([m.fields.deliveryTag, allUpTo === true]),
  };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('AckBatcher', () => {
  it('sends one multiple ack for a run of finished deliveries, once the burst settled', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel);
    for (let tag = 1; tag <= 5; tag++) batcher.track(tag);
    // Finished one after the other in promise jobs, as a worker's runs do.
    for (let tag = 1; tag <= 5; tag++) await Promise.resolve().then(() => batcher.ack(tag));
    expect(channel.sent).toEqual([]); // nothing while the burst is still running
    await nextTurn();
    expect(channel.sent).toEqual([[5, true]]);
    expect(batcher.unsettled).toBe(0);
  });

  it('never covers a delivery that is still running; later finished ones go alone', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel);
    for (let tag = 1; tag <= 5; tag++) batcher.track(tag);
    batcher.ack(1);
    batcher.ack(2);
    batcher.ack(4); // 3 still runs
    batcher.ack(5);
    await nextTurn();
    expect(channel.sent).toEqual([
      [2, true],
      [4, false],
      [5, false],
    ]);
    expect(batcher.unsettled).toBe(1);
    batcher.ack(3);
    await nextTurn();
    expect(channel.sent.at(-1)).toEqual([3, true]);
    expect(batcher.unsettled).toBe(0);
  });

  it('a nacked delivery no longer holds back the batch', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel);
    for (let tag = 1; tag <= 3; tag++) batcher.track(tag);
    batcher.forget(1); // nacked by the consumer, on its own
    batcher.ack(2);
    batcher.ack(3);
    await nextTurn();
    expect(channel.sent).toEqual([[3, true]]);
  });

  it('flush sends at once (before a deliberate channel close); discard drops all', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel);
    batcher.track(1);
    batcher.track(2);
    batcher.ack(1);
    batcher.flush();
    expect(channel.sent).toEqual([[1, true]]);
    batcher.ack(2);
    batcher.discard();
    await nextTurn();
    expect(channel.sent).toEqual([[1, true]]);
    expect(batcher.unsettled).toBe(0);
  });

  it('keeps going when the channel throws (closed underneath)', async () => {
    const batcher = new AckBatcher({
      ack: () => {
        throw new Error('Channel closed');
      },
    });
    batcher.track(1);
    batcher.ack(1);
    await nextTurn();
    expect(batcher.unsettled).toBe(0);
  });
});

describe('AckBatcher: its ring of tags', () => {
  const ringSize = (b: AckBatcher) => (b as unknown as { tags: Float64Array }).tags.length;

  it('holds more deliveries than its first size, across the wrap-around, in order', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel);
    // Move the start of the ring first, so that growing has to unwrap it.
    for (let tag = 1; tag <= 200; tag++) batcher.track(tag);
    for (let tag = 1; tag <= 200; tag++) batcher.ack(tag);
    await nextTurn();
    expect(channel.sent).toEqual([[200, true]]);
    for (let tag = 201; tag <= 1_200; tag++) batcher.track(tag);
    expect(batcher.unsettled).toBe(1_000);
    batcher.ack(201); // the oldest: a batch of one
    for (let tag = 203; tag <= 1_200; tag++) batcher.ack(tag); // 202 still runs
    await nextTurn();
    expect(channel.sent.slice(1, 3)).toEqual([
      [201, true],
      [203, false],
    ]);
    expect(channel.sent.length).toBe(3 + 997);
    batcher.ack(202);
    await nextTurn();
    // Everything after 202 was acked on its own already: the batch is 202 alone.
    expect(channel.sent.at(-1)).toEqual([202, true]);
    expect(batcher.unsettled).toBe(0);
  });

  it('finds tags with gaps between them (deliveries not tracked here)', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel);
    for (const tag of [3, 4, 9, 10, 20]) batcher.track(tag);
    batcher.ack(10);
    batcher.ack(9);
    batcher.forget(4);
    batcher.ack(3);
    await nextTurn();
    expect(channel.sent).toEqual([[10, true]]);
    expect(batcher.unsettled).toBe(1);
    batcher.ack(7); // never tracked: acked alone, at once
    expect(channel.sent.at(-1)).toEqual([7, false]);
    batcher.ack(20);
    await nextTurn();
    expect(channel.sent.at(-1)).toEqual([20, true]);
  });

  it('a consumer that only nacks does not grow the ring', () => {
    const batcher = new AckBatcher(recordingChannel());
    for (let tag = 1; tag <= 10_000; tag++) {
      batcher.track(tag);
      batcher.forget(tag);
    }
    expect(batcher.unsettled).toBe(0);
    expect(ringSize(batcher)).toBe(256);
  });

  it('a delivery settled twice is acked once', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel);
    batcher.track(1);
    batcher.track(2);
    batcher.ack(2);
    batcher.ack(2);
    await nextTurn();
    expect(channel.sent).toEqual([[2, false]]);
    batcher.ack(1);
    await nextTurn();
    expect(channel.sent).toEqual([
      [2, false],
      [1, true],
    ]);
  });
});

describe('AckBatcher: bounded by the deliveries unsettled', () => {
  const ringSize = (b: AckBatcher) => (b as unknown as { tags: Float64Array }).tags.length;

  it('one slow delivery with 10,000 acked behind it keeps the ring small, and its ack still goes out', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel);
    batcher.track(1); // a long-running actor
    for (let tag = 2; tag <= 10_001; tag++) {
      batcher.track(tag);
      batcher.ack(tag);
      if (tag % 100 === 0) await nextTurn(); // a batch per turn, as a busy worker settles them
    }
    await nextTurn();
    expect(channel.sent.length).toBe(10_000);
    expect(channel.sent.every(([, multiple]) => !multiple)).toBe(true);
    expect(batcher.unsettled).toBe(1);
    expect(ringSize(batcher)).toBeLessThanOrEqual(512);
    batcher.ack(1);
    await nextTurn();
    expect(channel.sent.at(-1)).toEqual([1, true]);
    expect(batcher.unsettled).toBe(0);
  });

  it('goes back to its first size once emptied after a burst', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel);
    for (let tag = 1; tag <= 20_000; tag++) batcher.track(tag);
    expect(ringSize(batcher)).toBeGreaterThanOrEqual(20_000);
    for (let tag = 1; tag <= 20_000; tag++) batcher.ack(tag);
    await nextTurn();
    expect(channel.sent).toEqual([[20_000, true]]);
    expect(ringSize(batcher)).toBe(256);
  });

  it('tags beyond 2^31, and an ack for a delivery already nacked goes out alone', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel);
    const base = 2 ** 33;
    for (let i = 0; i < 3; i++) batcher.track(base + i);
    batcher.forget(base + 1);
    batcher.ack(base + 1); // not tracked any more: sent at once, on its own
    expect(channel.sent).toEqual([[base + 1, false]]);
    batcher.ack(base);
    batcher.ack(base + 2);
    await nextTurn();
    expect(channel.sent.at(-1)).toEqual([base + 2, true]);
  });
});
