/**
 * The dead-letter API against a real RabbitMQ (issue #15, item 2): listing pages through q.XQ
 * without consuming, losing or reordering it; fetch by id; requeue one, some or all (confirmed
 * before the dead letter goes); purge; export; memory bounded on a large q.XQ.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import amqplib from 'amqplib';
import { DramatiqBroker } from '../../../lib/core/broker.js';
import { DEAD_LETTER_OPTION, InvalidDeadLetterRequestError } from '../../../lib/core/dead-letters/index.js';
import { decodeMessage, encodeMessage } from '../../../lib/core/message/message-codec.js';
import { createMessage, type DramatiqMessage } from '../../../lib/core/message/message.js';
import { CapturingLogger, uniqueName } from '../../support/broker-fixtures.js';
import { waitFor } from '../../support/wait.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function setUp(prefix: string, queueType: 'classic' | 'quorum' = 'classic') {
  const broker = new DramatiqBroker({ strategy: 'shared', logger: new CapturingLogger(), queueType });
  const queue = uniqueName(prefix);
  cleanups.push(async () => {
    await broker.deleteQueue(queue).catch(() => undefined);
    await broker.close();
  });
  await broker.declareQueue(queue);
  const raw = await amqplib.connect('amqp://guest:guest@127.0.0.1:5672');
  cleanups.push(() => raw.close());
  const channel = await raw.createConfirmChannel();
  /** Puts dead letters straight into q.XQ, as a worker (or Python Dramatiq) would have. */
  const bury = async (messages: DramatiqMessage[]) => {
    for (const m of messages) {
      channel.sendToQueue(`${queue}.XQ`, encodeMessage(m), { persistent: true });
    }
    await channel.waitForConfirms();
  };
  const make = (i: number, options = {}) =>
    createMessage({
      queueName: queue,
      actorName: 'job',
      args: [i],
      options: { retries: 3, traceback: 'tb', [DEAD_LETTER_OPTION]: { reason: 'retries_exceeded' }, ...options },
    });
  /** Every message of a queue, consumed (noAck): for checking contents and order at the end. */
  const drain = async (name: string) => {
    const out: DramatiqMessage[] = [];
    for (;;) {
      const got = await channel.get(name, { noAck: true });
      if (got === false) return out;
      out.push(decodeMessage(got.content));
    }
  };
  return { broker, queue, channel, bury, make, drain };
}

describe('dead-letter API', () => {
  it.each(['classic'] as const)(
    'lists in pages without consuming, losing or reordering; get by id; export (%s queue)',
    async (queueType) => {
      const { broker, queue, bury, make, drain } = await setUp('dl-list', queueType);
      const messages = Array.from({ length: 23 }, (_, i) => make(i));
      await bury(messages);

      const ids: string[] = [];
      let offset: number | null = 0;
      let pages = 0;
      while (offset !== null && pages < 10) {
        const page = await broker.deadLetters.list(queue, { offset, limit: 7 });
        expect(page.total).toBe(23);
        ids.push(...page.items.map((d) => d.messageId!));
        expect(page.items.map((d) => d.position)).toEqual(page.items.map((_, i) => offset! + i));
        offset = page.nextOffset;
        pages += 1;
      }
      expect(pages).toBe(4);
      expect(ids).toEqual(messages.map((m) => m.message_id));
      expect((await broker.deadLetters.list(queue, { offset: 100 })).items).toEqual([]);

      const one = await broker.deadLetters.get(queue, messages[17].message_id);
      expect(one).toMatchObject({
        position: 17,
        actorName: 'job',
        argsPreview: '[17]',
        reason: { reason: 'retries_exceeded' },
      });
      expect(await broker.deadLetters.get(queue, 'no-such-id')).toBeUndefined();

      const lines: string[] = [];
      expect(await broker.deadLetters.export(queue, (d) => void lines.push(JSON.stringify(d)))).toBe(23);
      expect(lines.map((l) => JSON.parse(l).message.message_id)).toEqual(messages.map((m) => m.message_id));

      await expect(broker.deadLetters.list(queue, { limit: 0 })).rejects.toBeInstanceOf(InvalidDeadLetterRequestError);
      await expect(broker.deadLetters.list(queue, { offset: -1 })).rejects.toBeInstanceOf(
        InvalidDeadLetterRequestError,
      );

      // Still all there, in the original order.
      expect((await broker.getQueueMessageCounts(queue)).dead).toBe(23);
      expect((await drain(`${queue}.XQ`)).map((m) => m.message_id)).toEqual(messages.map((m) => m.message_id));
    },
  );

  // RabbitMQ 3.10 hands fetched messages of a quorum queue back out of order (seen: 12,13,14,15,18,9,1,...).
  it('quorum q.XQ: reads take nothing away, but the order may change', async () => {
    const { broker, queue, bury, make, drain } = await setUp('dl-quorum', 'quorum');
    const messages = Array.from({ length: 23 }, (_, i) => make(i));
    await bury(messages);
    const sorted = (ids: (string | null)[]) => [...ids].sort();
    // A quorum queue takes the returned messages back asynchronously: for a moment they are not counted.
    const allBack = () =>
      waitFor(async () => (await broker.getQueueMessageCounts(queue)).dead === 23, {
        timeoutMs: 10_000,
        message: 'every dead letter back in the quorum q.XQ',
      });
    for (let round = 0; round < 4; round++) {
      await allBack();
      const page = await broker.deadLetters.list(queue, { offset: 0, limit: 500 });
      expect(page.total).toBe(23);
      expect(sorted(page.items.map((d) => d.messageId))).toEqual(sorted(messages.map((m) => m.message_id)));
      await broker.deadLetters.list(queue, { offset: 3, limit: 5 });
    }
    await allBack();
    expect((await broker.deadLetters.get(queue, messages[17].message_id))?.argsPreview).toBe('[17]');
    await allBack();
    const left = await drain(`${queue}.XQ`);
    expect(sorted(left.map((m) => m.message_id))).toEqual(sorted(messages.map((m) => m.message_id)));
  });

  it('requeues a selection (publish confirmed, then the dead letter goes), the rest keeping their order', async () => {
    const { broker, queue, bury, make, drain } = await setUp('dl-requeue');
    const messages = Array.from({ length: 12 }, (_, i) => make(i, i === 5 ? { broker_priority: 0 } : {}));
    await bury(messages);
    const picked = [messages[3].message_id, messages[9].message_id];
    const result = await broker.deadLetters.requeue(
      queue,
      { messageIds: [...picked, 'missing'] },
      { resetRetries: true },
    );
    expect(result).toEqual({ requeued: 2, notFound: ['missing'], undecodable: 0, failed: 0 });

    const back = await drain(queue);
    expect(back.map((m) => m.message_id)).toEqual(picked);
    // Without the record, and with its retries reset: it gets its full retries again.
    expect(back[0].options).toEqual({});
    expect(back[0]).toMatchObject({ queue_name: queue, actor_name: 'job', args: [3] });
    const left = messages.filter((m) => !picked.includes(m.message_id)).map((m) => m.message_id);
    expect((await broker.deadLetters.list(queue, { limit: 50 })).items.map((d) => d.messageId)).toEqual(left);

    // Without resetRetries the retry state stays; an undecodable body stays in q.XQ.
    const { channel } = await setUp('unused');
    channel.sendToQueue(`${queue}.XQ`, Buffer.from('<not json>'), { persistent: true });
    await channel.waitForConfirms();
    const all = await broker.deadLetters.requeue(queue, { all: true });
    expect(all).toMatchObject({ requeued: 10, undecodable: 1, failed: 0 });
    const again = await drain(queue);
    expect(again.map((m) => m.message_id)).toEqual(left);
    expect(again[0].options).toEqual({ retries: 3, traceback: 'tb' });
    expect((await broker.getQueueMessageCounts(queue)).dead).toBe(1);

    expect(await broker.deadLetters.purge(queue)).toBe(1);
    expect((await broker.getQueueMessageCounts(queue)).dead).toBe(0);
    await expect(broker.deadLetters.requeue(queue, { messageIds: [] })).rejects.toBeInstanceOf(
      InvalidDeadLetterRequestError,
    );
  });

  it('keeps memory bounded while walking a large q.XQ', async () => {
    const { broker, queue, bury, make } = await setUp('dl-big');
    const count = 20_000;
    const padding = 'x'.repeat(4_000);
    for (let start = 0; start < count; start += 2_000) {
      await bury(Array.from({ length: 2_000 }, (_, i) => make(start + i, { padding })));
    }
    // ~80 MB of bodies: holding them would show; one at a time does not.
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let seen = 0;
    await broker.deadLetters.export(queue, () => {
      seen += 1;
      if (seen % 500 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    });
    expect(seen).toBe(count);
    expect(peak - before).toBeLessThan(48 * 1024 * 1024);
    const page = await broker.deadLetters.list(queue, { offset: count - 5, limit: 10 });
    expect(page.items.map((d) => d.argsPreview)).toEqual([19995, 19996, 19997, 19998, 19999].map((i) => `[${i}]`));
    expect(page.nextOffset).toBeNull();
    expect((await broker.getQueueMessageCounts(queue)).dead).toBe(count);
  }, 180_000);
});
