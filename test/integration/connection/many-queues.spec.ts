/**
 * A worker for hundreds of queues on a bounded number of connections and channels, against the
 * real RabbitMQ: counts as the server reports them (rabbitmqctl), each consumer's own prefetch,
 * a channel error that restarts only the consumers its channel carried, a failed start that
 * leaves nothing behind, and 10,000 concurrent sends to 1,000 queues that do not exist yet.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import amqplib from 'amqplib';
import { DramatiqBroker, type DramatiqBrokerOptions } from '../../../lib/core/broker.js';
import { QueueChannel } from '../../../lib/core/connection/queue-channel.js';
import { ConsumerCapacityError } from '../../../lib/core/errors/index.js';
import { DECLARATIONS_AT_ONCE } from '../../../lib/core/queues/queue-declarer.js';
import { CapturingLogger, serverConnectionsNamed, uniqueName } from '../../support/broker-fixtures.js';
import { listConsumers, listQueues } from '../../support/rabbitmqctl.js';
import { waitFor } from '../../support/wait.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** Runs `fn` over `items`, `width` at a time. */
async function inBatches<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}

function makeBroker(strategy: 'shared' | 'pooled', extra: Partial<DramatiqBrokerOptions> = {}) {
  const logger = new CapturingLogger();
  const name = uniqueName(`many-${strategy}`);
  const broker = new DramatiqBroker({ strategy, logger, connectionName: name, ...extra });
  const queues: string[] = [];
  cleanups.push(async () => {
    await inBatches(queues, 50, (q) => broker.deleteQueue(q).catch(() => undefined));
    await broker.close();
  });
  return { broker, logger, name, queues };
}

/** One actor per queue, each counting its messages. */
function actorsOnQueues(broker: DramatiqBroker, queues: string[], prefix: string, count: number) {
  const seen = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const queue = `${prefix}-${i}`;
    queues.push(queue);
    broker.registerActor(`${prefix}_${i}`, () => void seen.set(queue, (seen.get(queue) ?? 0) + 1), {
      queueName: queue,
    });
  }
  return seen;
}

describe.each(['shared', 'pooled'] as const)('strategy %s: a worker for many queues', (strategy) => {
  it('consumes 300 queues with default options on one consumer connection and a bounded number of channels', async () => {
    const { broker, name, queues } = makeBroker(strategy);
    const prefix = uniqueName('mq');
    const seen = actorsOnQueues(broker, queues, prefix, 300);
    const worker = broker.createWorker({ queues, concurrency: 2 });
    await worker.start();
    cleanups.push(() => worker.stop());

    const consumerConnections = broker.connections().filter((c) => c.role !== 'producer');
    expect(consumerConnections).toHaveLength(1);
    const onServer = await serverConnectionsNamed(name);
    // shared: the one connection; pooled: one consumer connection plus the producer one that declared.
    expect(onServer).toHaveLength(strategy === 'shared' ? 1 : 2);
    // 100 consumer channels, a producer channel, and declaration channels (closed once idle).
    for (const c of onServer) expect(c.channels).toBeLessThanOrEqual(101 + DECLARATIONS_AT_ONCE);
    const consumers = (await listConsumers()).filter((c) => c.queue.startsWith(prefix));
    expect(consumers).toHaveLength(600); // q and q.DQ of each queue
    expect(consumers.filter((c) => !c.queue.endsWith('.DQ')).every((c) => c.prefetch === 4)).toBe(true);

    await Promise.all(queues.map((_, i) => broker.send(`${prefix}_${i}`, { args: [] })));
    await waitFor(() => seen.size === 300, { timeoutMs: 30_000, message: 'a message processed on every queue' });
    expect([...seen.values()].every((n) => n === 1)).toBe(true);

    await worker.stop();
    // Consumer channels close with their last consumer (and, in 'pooled', the consumer connection).
    await waitFor(
      async () => {
        const after = await serverConnectionsNamed(name);
        if (strategy === 'pooled') return after.length === 1;
        return after.length === 1 && (after[0].channels ?? 99) <= 1;
      },
      { timeoutMs: 10_000, message: 'consumer channels closed after stop' },
    );
    expect((await listConsumers()).filter((c) => c.queue.startsWith(prefix))).toHaveLength(0);
  }, 120_000);
});

describe('consumers sharing a channel', () => {
  it('keeps each queue its own prefetch: at most twice the concurrency unacked per queue', async () => {
    const { broker, name, queues } = makeBroker('shared', { maxConsumerChannels: 1 });
    const prefix = uniqueName('pf');
    const running = new Map<string, number>();
    const peak = new Map<string, number>();
    let done = 0;
    for (let i = 0; i < 3; i++) {
      const queue = `${prefix}-${i}`;
      queues.push(queue);
      broker.registerActor(
        `${prefix}_${i}`,
        async () => {
          running.set(queue, (running.get(queue) ?? 0) + 1);
          peak.set(queue, Math.max(peak.get(queue) ?? 0, running.get(queue)!));
          await new Promise((resolve) => setTimeout(resolve, 20));
          running.set(queue, running.get(queue)! - 1);
          done += 1;
        },
        { queueName: queue },
      );
    }
    const worker = broker.createWorker({ queues, concurrency: 1 });
    await worker.start();
    cleanups.push(() => worker.stop());
    const consumers = (await listConsumers()).filter((c) => c.queue.startsWith(prefix));
    expect(consumers.filter((c) => !c.queue.endsWith('.DQ')).map((c) => c.prefetch)).toEqual([2, 2, 2]);
    // Six consumers on one consumer channel, plus the producer channel (the declaration channels
    // close once idle).
    await waitFor(async () => (await serverConnectionsNamed(name))[0].channels === 2, {
      timeoutMs: 5_000,
      message: 'one consumer channel and one producer channel',
    });

    await Promise.all(Array.from({ length: 60 }, (_, n) => broker.send(`${prefix}_${n % 3}`, { args: [] })));
    await waitFor(() => done === 60, { timeoutMs: 20_000, message: '60 messages processed' });
    expect([...peak.values()]).toEqual([1, 1, 1]); // concurrency 1 per queue, never more
  });

  it('a channel the server closes restarts only the consumers it carried', async () => {
    const { broker, logger, queues } = makeBroker('shared', { maxConsumerChannels: 2 });
    const prefix = uniqueName('iso');
    const seen = actorsOnQueues(broker, queues, prefix, 4); // 8 consumers, 4 on each channel
    const worker = broker.createWorker({ queues, concurrency: 2 });
    await worker.start();
    cleanups.push(() => worker.stop());

    // Fault injection: ack, on the channel that delivered queue 0's message, a tag it never
    // delivered. That is a channel error: RabbitMQ closes the channel (406 PRECONDITION_FAILED).
    await broker.send(`${prefix}_0`, { args: [] });
    await waitFor(() => seen.size === 1, { timeoutMs: 5_000, message: 'first message processed' });
    type Inside = { consumers: Array<{ queueName: string; currentChannel?: { ack(d: unknown): void } }> };
    const target = (worker as unknown as Inside).consumers.find((c) => c.queueName === `${prefix}-0`)!;
    target.currentChannel!.ack({ fields: { deliveryTag: 424_242 } });
    await waitFor(() => (logger.text().match(/stopped: its channel closed/g) ?? []).length >= 4, {
      timeoutMs: 5_000,
      message: 'consumers of the closed channel stopped',
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(logger.text().match(/stopped: its channel closed/g)).toHaveLength(4);
    expect(logger.text()).toMatch(/PRECONDITION_FAILED - unknown delivery tag 424242/);
    expect(logger.text()).not.toMatch(/connection .* was lost/);

    // The four restart after 1 s (on a new channel in place of the closed one); every queue consumes again.
    await waitFor(async () => (await listConsumers()).filter((c) => c.queue.startsWith(prefix)).length === 8, {
      timeoutMs: 10_000,
      message: 'eight consumers again',
    });
    await Promise.all(queues.map((_, i) => broker.send(`${prefix}_${i}`, { args: [] })));
    await waitFor(() => seen.size === 4 && seen.get(`${prefix}-0`) === 2, {
      timeoutMs: 10_000,
      message: 'every queue consumed after the restart',
    });
  });
});

describe('a failed start leaves nothing behind', () => {
  it('more queues than the limits allow: ConsumerCapacityError at once, nothing opened', async () => {
    const { broker, queues } = makeBroker('shared', { maxConsumerChannels: 2, maxConsumersPerChannel: 2 });
    actorsOnQueues(broker, queues, uniqueName('cap'), 3);
    const worker = broker.createWorker({ queues });
    const started = Date.now();
    const err = await worker.start().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(100);
    expect(err).toBeInstanceOf(ConsumerCapacityError);
    expect((err as Error).message).toBe(
      'Not enough room for consumers: 6 more needed (two per queue: q and q.DQ), 4 free of 4 ' +
        '(maxConsumerChannels 2 x maxConsumersPerChannel 2). Raise maxConsumersPerChannel or maxConsumerChannels, ' +
        'or split the queues over several workers.',
    );
    expect(broker.connections()).toEqual([]);
    queues.length = 0; // nothing was declared
  });

  it.each(['pooled', 'shared'] as const)(
    '%s: a consume the server refuses fails the start; no consumer connection or channel stays',
    async (strategy) => {
      const { broker, name, queues } = makeBroker(strategy);
      const prefix = uniqueName('excl');
      actorsOnQueues(broker, queues, prefix, 3);
      // The third queue exists, but another connection consumes it exclusively: RabbitMQ refuses
      // our consumer (403 ACCESS_REFUSED) after the first two started.
      await broker.declareQueue(`${prefix}-2`);
      const other = await amqplib.connect('amqp://guest:guest@127.0.0.1:5672');
      cleanups.push(() => other.close());
      await (await other.createChannel()).consume(`${prefix}-2`, () => undefined, { exclusive: true });

      const worker = broker.createWorker({ queues });
      await expect(worker.start()).rejects.toThrow(/ACCESS_REFUSED|exclusive/);
      if (strategy === 'pooled') {
        await waitFor(() => broker.connections().every((c) => c.role === 'producer'), {
          timeoutMs: 5_000,
          message: 'consumer connection closed',
        });
      }
      // pooled: only the producer connection; shared: the one connection, with no consumer channel.
      await waitFor(
        async () => {
          const onServer = await serverConnectionsNamed(name);
          return onServer.length === 1 && (strategy === 'pooled' || (onServer[0].channels ?? 99) <= 1);
        },
        { timeoutMs: 5_000, message: 'no consumer connection or channel on the server' },
      );
      expect((await listConsumers()).filter((c) => c.queue.startsWith(prefix))).toHaveLength(1); // the other's
    },
  );
});

describe('many senders', () => {
  it.each(['shared', 'pooled'] as const)(
    '%s: 10,000 concurrent sends to 1,000 new queues: each declared once, a bounded number of declarations at once, none lost',
    async (strategy) => {
      // A send's bound (confirmTimeout) counts from the call, its queue's declaration included:
      // RabbitMQ creates 3,000 durable queues in 2-5 s here, longer on a busy machine.
      const { broker, queues } = makeBroker(strategy, { confirmTimeout: 60_000 });
      const prefix = uniqueName('burst');
      actorsOnQueues(broker, queues, prefix, 1000);
      // Observed, not replaced: every declaration still goes to RabbitMQ.
      const original = QueueChannel.prototype.assertQueue;
      let inProgress = 0;
      let peak = 0;
      const declared = new Map<string, number>();
      QueueChannel.prototype.assertQueue = async function (this: QueueChannel, q, options) {
        inProgress += 1;
        peak = Math.max(peak, inProgress);
        if (q.startsWith(prefix)) declared.set(q, (declared.get(q) ?? 0) + 1);
        try {
          return await original.call(this, q, options);
        } finally {
          inProgress -= 1;
        }
      };
      cleanups.push(async () => void (QueueChannel.prototype.assertQueue = original));

      const results = await Promise.allSettled(
        Array.from({ length: 10_000 }, (_, n) => broker.send(`${prefix}_${n % 1000}`, { args: [n] })),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(declared.size).toBe(3000); // q, q.DQ and q.XQ of each queue
      expect([...declared.values()].every((n) => n === 1)).toBe(true);
      // One channel per declaration in progress: DECLARATIONS_AT_ONCE bounds them.
      expect(peak).toBeLessThanOrEqual(DECLARATIONS_AT_ONCE);
      const ready = (await listQueues()).filter((q) => q.name.startsWith(prefix) && !q.name.includes('.'));
      expect(ready).toHaveLength(1000);
      expect(ready.reduce((sum, q) => sum + q.messages, 0)).toBe(10_000);
    },
    180_000,
  );
});
