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
