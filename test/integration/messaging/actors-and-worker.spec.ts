import { afterEach, describe, expect, it } from '@jest/globals';
import amqplib from 'amqplib';
import { DramatiqBroker, type DramatiqBrokerOptions } from '../../../lib/core/broker.js';
import { defaultMiddleware } from '../../../lib/core/middleware/default-middleware.js';
import { decodeMessage } from '../../../lib/core/message/message-codec.js';
import { CapturingLogger, uniqueName } from '../../support/broker-fixtures.js';
import { unackedOnServer } from '../../support/rabbitmqctl.js';
import { waitFor } from '../../support/wait.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function makeBroker(strategy: 'shared' | 'pooled', extra: Partial<DramatiqBrokerOptions> = {}) {
  const logger = new CapturingLogger();
  const broker = new DramatiqBroker({
    strategy,
    logger,
    // Fast retries for tests; Dramatiq's shape (exponential, jittered) is kept.
    middleware: defaultMiddleware({ retries: { minBackoff: 50, maxBackoff: 400 } }),
    ...extra,
  });
  cleanups.push(async () => {
    await broker.deleteAll().catch(() => undefined);
    await broker.close();
  });
  return { broker, logger };
}

async function startWorker(broker: DramatiqBroker, concurrency = 8) {
  const worker = broker.createWorker({ concurrency, shutdownTimeout: 5_000 });
  await worker.start();
  cleanups.push(() => worker.stop());
  return worker;
}

describe.each(['shared', 'pooled'] as const)('actors on strategy %s', (strategy) => {
  it('runs each of 1,000 sent messages exactly once and acks them', async () => {
    const { broker } = makeBroker(strategy);
    const queue = uniqueName('q1k');
    const seen = new Map<number, number>();
    broker.registerActor('count', (n: number) => void seen.set(n, (seen.get(n) ?? 0) + 1), { queueName: queue });
    const worker = await startWorker(broker, 16);
    const sent = await Promise.all(Array.from({ length: 1000 }, (_, n) => broker.send('count', { args: [n] })));
    expect(new Set(sent.map((m) => m.message_id)).size).toBe(1000);
    await waitFor(() => seen.size === 1000, { timeoutMs: 30_000, message: '1000 messages processed' });
    await broker.join(queue, { timeout: 10_000, minSuccesses: 3 });
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    await waitFor(() => worker.stats()[queue].acked === 1000, { timeoutMs: 5_000, message: 'acks' });
    expect(await broker.getQueueMessageCounts(queue)).toEqual({ ready: 0, delayed: 0, dead: 0 });
  });

  it('passes kwargs by parameter name and resolves sends with the confirmed message', async () => {
    const { broker } = makeBroker(strategy);
    const queue = uniqueName('kw');
    const calls: unknown[][] = [];
    broker.registerActor('welcome', (userId: number, locale = 'en') => void calls.push([userId, locale]), {
      queueName: queue,
    });
    await startWorker(broker);
    const message = await broker.send('welcome', { args: [42], kwargs: { locale: 'fr-ÇA ✓' } });
    expect(message).toMatchObject({
      queue_name: queue,
      actor_name: 'welcome',
      args: [42],
      kwargs: { locale: 'fr-ÇA ✓' },
    });
    await waitFor(() => calls.length === 1, { timeoutMs: 10_000 });
    expect(calls[0]).toEqual([42, 'fr-ÇA ✓']);
  });

  it('retries with backoff, then succeeds; exhausted retries end in the XQ', async () => {
    const { broker, logger } = makeBroker(strategy);
    const queue = uniqueName('retry');
    const attempts: number[] = [];
    broker.registerActor(
      'flaky',
      () => {
        attempts.push(Date.now());
        if (attempts.length < 3) throw new Error(`attempt ${attempts.length} fails`);
        return 'ok';
      },
      { queueName: queue },
    );
    let failing = 0;
    broker.registerActor(
      'always_fails',
      () => {
        failing += 1;
        throw new TypeError('never works');
      },
      { queueName: queue, maxRetries: 2 },
    );
    await startWorker(broker);
    await broker.send('flaky');
    await broker.send('always_fails');
    await waitFor(() => attempts.length === 3, { timeoutMs: 15_000, message: 'three attempts' });
    // Dramatiq's backoff with r = retries so far: [minBackoff*2^r/2, minBackoff*2^r]: retry 1 waits 25..50 ms, retry 2 50..100 ms.
    expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(20);
    expect(attempts[2] - attempts[1]).toBeGreaterThanOrEqual(45);
    await waitFor(async () => (await broker.getQueueMessageCounts(queue)).dead === 1, {
      timeoutMs: 15_000,
      message: 'dead letter',
    });
    expect(failing).toBe(3);
    expect(logger.text()).toMatch(/Retry 1 of 20 in \d+ ms/);
    // Logged once the copy in q.XQ is confirmed, which (persistent) can come after it is counted.
    await waitFor(
      () => /Dead-lettered .*always_fails.*retries exceeded \(2\) after TypeError: never works/.test(logger.text()),
      { timeoutMs: 5_000, message: 'dead-letter logged' },
    );
  });

  it('holds a delayed message until due, in order of due time', async () => {
    const { broker } = makeBroker(strategy);
    const queue = uniqueName('delay');
    const runs: Array<[string, number]> = [];
    broker.registerActor('later', (label: string) => void runs.push([label, Date.now()]), { queueName: queue });
    await startWorker(broker);
    const t0 = Date.now();
    await broker.send('later', { args: ['b'], delay: 1200 });
    await broker.send('later', { args: ['a'], delay: 600 });
    await broker.send('later', { args: ['now'] });
    await waitFor(() => runs.length === 3, { timeoutMs: 15_000, message: 'delayed runs' });
    expect(runs.map((r) => r[0])).toEqual(['now', 'a', 'b']);
    expect(runs[1][1] - t0).toBeGreaterThanOrEqual(590);
    expect(runs[2][1] - t0).toBeGreaterThanOrEqual(1190);
  });

  it('dead-letters unknown actors and undecodable bodies with the reason logged, and keeps going', async () => {
    const { broker, logger } = makeBroker(strategy);
    const queue = uniqueName('bad');
    const ok: number[] = [];
    broker.registerActor('fine', (n: number) => void ok.push(n), { queueName: queue });
    await startWorker(broker);
    await broker.send('ghost', { queueName: queue });
    await broker.declareQueue(queue);
    const raw = await amqplib.connect('amqp://127.0.0.1');
    const ch = await raw.createConfirmChannel();
    ch.sendToQueue(queue, Buffer.from('this is not json'), { persistent: true });
    ch.sendToQueue(queue, Buffer.from([0xff, 0xfe, 0x00]), { persistent: true });
    await ch.waitForConfirms();
    await raw.close();
    await broker.send('fine', { args: [1] });
    await waitFor(async () => (await broker.getQueueMessageCounts(queue)).dead === 3, {
      timeoutMs: 10_000,
      message: 'three dead letters',
    });
    await waitFor(() => ok.length === 1, { timeoutMs: 5_000 });
    expect(logger.text()).toMatch(/no actor named "ghost"/);
    expect(logger.text()).toMatch(/Undecodable message/);
  });
});

describe('wire format on the queue', () => {
  it('publishes exactly what Dramatiq publishes: body, delivery_mode 2, priority from broker_priority', async () => {
    const { broker } = makeBroker('shared', { maxPriority: 10 });
    const queue = uniqueName('wire');
    await broker.send('add', { queueName: queue, args: [1, 2], options: { broker_priority: 5 } });
    const raw = await amqplib.connect('amqp://127.0.0.1');
    const ch = await raw.createChannel();
    const got = await ch.get(queue, { noAck: true });
    await raw.close();
    expect(got).not.toBe(false);
    if (!got) return;
    expect(got.properties.deliveryMode).toBe(2);
    expect(got.properties.priority).toBe(5);
    expect(got.properties.expiration).toBeUndefined();
    const body = got.content.toString('utf8');
    expect(body).toMatch(
      /^\{"queue_name":"[^"]+","actor_name":"add","args":\[1,2\],"kwargs":\{\},"options":\{"broker_priority":5\},"message_id":"[0-9a-f-]{36}","message_timestamp":\d+\}$/,
    );
    expect(decodeMessage(got.content).queue_name).toBe(queue);
  });
});

describe('batched acks', () => {
  it('ack finished messages while an older one still runs, and that one only once it finished', async () => {
    const { broker } = makeBroker('shared');
    const queue = uniqueName('acks');
    // More than the ack batcher's ring holds at first (256): the ones acked behind the running
    // delivery make it compact, against the real server.
    const FAST = 600;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const done = new Set<number>();
    let runs = 0;
    broker.registerActor(
      'work',
      async (n: number) => {
        runs += 1;
        if (n === 0) await gate; // the oldest delivery keeps running
        done.add(n);
      },
      { queueName: queue },
    );
    const worker = await startWorker(broker, 8);
    await broker.send('work', { args: [0] });
    await Promise.all(Array.from({ length: FAST }, (_, i) => broker.send('work', { args: [i + 1] })));
    await waitFor(() => done.size === FAST, { timeoutMs: 20_000, message: 'the fast messages processed' });
    // Only the running one stays unacknowledged: a multiple ack past it would have acked it early,
    // and holding the others back behind it would leave them all.
    await waitFor(async () => (await unackedOnServer(queue)) === 1, {
      timeoutMs: 5_000,
      intervalMs: 250,
      message: 'one unacked',
    });
    expect(done.has(0)).toBe(false);
    release();
    await waitFor(async () => (await unackedOnServer(queue)) === 0, {
      timeoutMs: 5_000,
      intervalMs: 250,
      message: 'none unacked',
    });
    expect(done.size).toBe(FAST + 1);
    // An ack RabbitMQ refused (an unknown delivery tag closes the channel) would have brought
    // redeliveries: every message ran once, and every ack was counted.
    expect(runs).toBe(FAST + 1);
    expect(worker.stats()[queue]!.acked).toBe(FAST + 1);
    expect(await broker.getQueueMessageCounts(queue)).toEqual({ ready: 0, delayed: 0, dead: 0 });
  });
});

describe('a queue deleted under a running worker', () => {
  it('keeps the connection, re-declares the queue and consumes it again', async () => {
    const { broker, logger } = makeBroker('shared');
    const queue = uniqueName('deleted-under');
    const seen: number[] = [];
    broker.registerActor('after_delete', (n: number) => void seen.push(n), { queueName: queue });
    await startWorker(broker);
    const connectionBefore = broker.connections()[0].connectedSince;
    const { ctl } = await import('../../support/rabbitmqctl.js');
    await ctl(['-q', 'delete_queue', queue]);
    // RabbitMQ cancels the consumer (no channel error): only that consumer restarts.
    await waitFor(() => /The consumer of ".*" stopped: RabbitMQ cancelled the consumer/.test(logger.text()), {
      timeoutMs: 5_000,
      message: 'consumer restart',
    });
    await waitFor(
      async () => {
        await broker.send('after_delete', { args: [1] }).catch(() => undefined);
        return seen.length > 0;
      },
      { timeoutMs: 10_000, intervalMs: 500, message: 'consumed again' },
    );
    expect(broker.connections()[0].connectedSince).toEqual(connectionBefore);
    expect(logger.text()).not.toMatch(/connection .* was lost/);
    expect(logger.text()).not.toMatch(/its channel closed/);
  });
});

describe('publishes while a worker runs', () => {
  it('(shared) caps publishes in flight at maxPublishesWhileConsuming while a worker runs, every message still processed once', async () => {
    const { broker } = makeBroker('shared', { maxPublishesWhileConsuming: 50 });
    const queue = uniqueName('cap');
    const seen = new Map<number, number>();
    broker.registerActor('count', (n: number) => void seen.set(n, (seen.get(n) ?? 0) + 1), { queueName: queue });
    const channelCapacity = 100 * 1000; // maxProducerChannels x maxPublishesPerChannel (defaults)
    expect(broker.publishStats().limit).toBe(channelCapacity);
    const worker = await startWorker(broker, 8);
    expect(broker.publishStats().limit).toBe(50);

    // A burst of 600 sends: sampled on every send, never more than 50 await their confirm.
    let peak = 0;
    const sends = Array.from({ length: 600 }, (_, i) => {
      const sent = broker.send('count', { args: [i] });
      peak = Math.max(peak, broker.publishStats().inFlight);
      return sent;
    });
    expect(broker.publishStats().waiting).toBeGreaterThan(0); // the rest queued behind the cap
    await Promise.all(sends);
    expect(peak).toBe(50);
    await waitFor(() => seen.size === 600, { timeoutMs: 15_000, message: '600 messages processed' });
    expect([...seen.values()].every((times) => times === 1)).toBe(true);

    await worker.stop();
    expect(broker.publishStats()).toEqual({ inFlight: 0, waiting: 0, limit: channelCapacity });
  });

  it('(shared) keeps the cap (per consumed queue) while any of two workers runs, and lifts it once both stopped', async () => {
    const { broker } = makeBroker('shared', { maxPublishesWhileConsuming: 30 });
    broker.registerActor('a', () => undefined, { queueName: uniqueName('cap-a') });
    broker.registerActor('b', () => undefined, { queueName: uniqueName('cap-b') });
    const [qa, qb] = broker.actors.queues();
    const first = broker.createWorker({ queues: [qa] });
    const second = broker.createWorker({ queues: [qb] });
    await first.start();
    expect(broker.publishStats().limit).toBe(30);
    await second.start();
    expect(broker.publishStats().limit).toBe(60); // 30 per consumed queue
    await first.stop();
    expect(broker.publishStats().limit).toBe(30);
    await second.stop();
    expect(broker.publishStats().limit).toBe(100 * 1000);
  });

  it('(shared) lifts the cap again when a worker fails to start', async () => {
    const { broker } = makeBroker('shared');
    const queue = uniqueName('locked');
    // An exclusive queue of another connection: declaring or consuming it is refused (405 RESOURCE_LOCKED).
    const other = await amqplib.connect('amqp://127.0.0.1');
    cleanups.push(() => other.close());
    await (await other.createChannel()).assertQueue(queue, { exclusive: true });
    broker.registerActor('locked', () => undefined, { queueName: queue });
    const worker = broker.createWorker({ queues: [queue] });
    await expect(worker.start()).rejects.toThrow();
    expect(worker.isRunning).toBe(false);
    expect(broker.publishStats().limit).toBe(100 * 1000);
  });

  it('(pooled) leaves the publishes in flight uncapped: producers and consumers have their own connections', async () => {
    const { broker } = makeBroker('pooled');
    broker.registerActor('noop', () => undefined, { queueName: uniqueName('nocap') });
    const before = broker.publishStats().limit;
    await startWorker(broker, 4);
    expect(broker.publishStats().limit).toBe(before);
    expect(before).toBe(10 * 1000); // maxProducerConnections x maxPublishesPerChannel (defaults)
  });
});
