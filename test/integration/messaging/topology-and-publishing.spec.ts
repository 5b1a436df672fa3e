import { afterEach, describe, expect, it } from '@jest/globals';
import amqplib from 'amqplib';
import { DramatiqBroker, type DramatiqBrokerOptions } from '../../../lib/core/broker.js';
import { defaultMiddleware } from '../../../lib/core/middleware/default-middleware.js';
import { PublishBufferFullError, PublishConfirmTimeoutError } from '../../../lib/core/publishing/publish.errors.js';
import { DelayTooLongError } from '../../../lib/core/topology/errors.js';
import { CapturingLogger, uniqueName } from '../../support/broker-fixtures.js';
import { ctl } from '../../support/rabbitmqctl.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { sleep, waitFor } from '../../support/wait.js';
import { readFixture } from '../../support/fixtures.js';

const golden = readFixture<{
  queue_declarations_default: ServerQueue[];
  queue_declarations_max_priority_10: ServerQueue[];
}>('dramatiq-golden.json');
interface ServerQueue {
  name: string;
  durable: boolean;
  auto_delete: boolean;
  exclusive: boolean;
  arguments: Array<[string, string, unknown]>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function makeBroker(extra: Partial<DramatiqBrokerOptions> = {}) {
  const logger = new CapturingLogger();
  const broker = new DramatiqBroker({ strategy: 'shared', logger, ...extra });
  cleanups.push(async () => {
    await broker.deleteAll().catch(() => undefined);
    await broker.close();
  });
  return { broker, logger };
}

async function serverQueues(prefix: string): Promise<ServerQueue[]> {
  const out = await ctl([
    '-q',
    'list_queues',
    '--formatter',
    'json',
    'name',
    'durable',
    'auto_delete',
    'exclusive',
    'arguments',
  ]);
  return (JSON.parse(out) as ServerQueue[]).filter((q) => q.name === prefix || q.name.startsWith(`${prefix}.`));
}

function normalise(queues: ServerQueue[], from: string, to: string) {
  return queues
    .map((q) => ({
      ...q,
      name: q.name.replace(from, to),
      arguments: [...q.arguments].map(([k, t, v]) => [k, t, typeof v === 'string' ? v.replace(from, to) : v]).sort(),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

describe("queue layout against Dramatiq's own (golden.json, as the server reports it)", () => {
  it.each([
    ['queue_declarations_default', {}, 'golden'],
    ['queue_declarations_max_priority_10', { maxPriority: 10 }, 'golden_prio'],
  ] as const)('%s: DLXRoutingTopology declares exactly what Dramatiq declares', async (key, options, goldenQueue) => {
    const { broker } = makeBroker({ topology: 'dlx-routing', ...options });
    const queue = uniqueName('layout');
    await broker.declareQueue(queue);
    expect(normalise(await serverQueues(queue), queue, 'Q')).toEqual(normalise(golden[key], goldenQueue, 'Q'));
  });

  it('DefaultDramatiqTopology routes q.DQ back to q, and a delayed message carries its delay as expiration', async () => {
    const { broker } = makeBroker({ maxDelayTime: 60_000 });
    const queue = uniqueName('deflayout');
    await broker.send('later', { queueName: queue, delay: 30_000 });
    const dq = (await serverQueues(queue)).find((q) => q.name === `${queue}.DQ`)!;
    expect(dq.arguments).toEqual(
      expect.arrayContaining([
        ['x-dead-letter-routing-key', 'longstr', queue],
        ['x-message-ttl', 'signedint', 60_000],
      ]),
    );
    const raw = await amqplib.connect('amqp://127.0.0.1');
    const got = await (await raw.createChannel()).get(`${queue}.DQ`, { noAck: true });
    await raw.close();
    expect(got && got.properties.expiration).toBe('30000');
    expect(got && JSON.parse(got.content.toString()).options.eta).toBeGreaterThan(Date.now() + 25_000);
    await expect(broker.send('later', { queueName: queue, delay: 61_000 })).rejects.toBeInstanceOf(DelayTooLongError);
  });

  it('tolerates a 406 inequivalent-arg redeclare with a warning that names the queue, and keeps publishing', async () => {
    const queue = uniqueName('mismatch');
    const first = makeBroker({ maxPriority: 5 });
    await first.broker.declareQueue(queue);
    const { broker, logger } = makeBroker({ maxPriority: 9 });
    await broker.send('x', { queueName: queue });
    expect(logger.text()).toMatch(
      new RegExp(`Queue "${queue}" already exists with other arguments .*inequivalent arg 'x-max-priority'`),
    );
    expect(logger.text()).toContain(`"${queue}" has x-max-priority 5: set maxPriority: 5 to match it.`);
    expect((await broker.getQueueMessageCounts(queue)).ready).toBe(1);
  });

  it.each([
    ['dlx-routing', 'default', "Dramatiq's own RabbitmqBroker layout. Set topology: 'dlx-routing' to match it."],
    ['default', 'dlx-routing', "dramatiq-kombu-broker's layout. Set topology: 'default' (the default) to match it."],
  ] as const)(
    'a q.DQ declared with the %s layout: the 406 warning of a %s broker names the layout and the option that matches',
    async (firstLayout, secondLayout, expected) => {
      const queue = uniqueName('layout');
      await makeBroker({ topology: firstLayout }).broker.declareQueue(queue);
      const { broker, logger } = makeBroker({ topology: secondLayout });
      await broker.send('x', { queueName: queue });
      expect(logger.text()).toContain(`Queue "${queue}.DQ" already exists with other arguments`);
      expect(logger.text()).toContain(expected);
      expect((await broker.getQueueMessageCounts(queue)).ready).toBe(1);
    },
  );

  it('re-declares a queue deleted behind its back and publishes again (mandatory + NO_ROUTE)', async () => {
    const { broker, logger } = makeBroker();
    const queue = uniqueName('deleted');
    await broker.send('x', { queueName: queue });
    await ctl(['-q', 'delete_queue', queue]);
    await broker.send('x', { queueName: queue, args: [2] });
    expect(logger.text()).toMatch(new RegExp(`Queue "${queue}" was missing .*declaring it again`));
    expect((await broker.getQueueMessageCounts(queue)).ready).toBe(1);
  });
});

describe('publishing under trouble', () => {
  it('a publish on a black-holed connection rejects at its confirm timeout instead of hanging', async () => {
    const proxy = await TcpProxy.start(5672);
    cleanups.push(() => proxy.close());
    const { broker } = makeBroker({ url: proxy.amqpUrl(), confirmTimeout: 800 });
    const queue = uniqueName('blackhole');
    await broker.send('x', { queueName: queue });
    proxy.blackhole(true);
    const started = Date.now();
    const err = await broker.send('x', { queueName: queue }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishConfirmTimeoutError);
    expect((err as Error).message).toMatch(/did not confirm message .* within 800 ms/);
    expect(Date.now() - started).toBeLessThan(800 + 700);
    proxy.blackhole(false);
    proxy.cut();
  });

  it('on a black-holed connection every send settles within confirmTimeout: written before the heartbeat declared it dead, or waiting for the reconnect after', async () => {
    // The measurement: heartbeat 1 s, confirmTimeout 2 s, a stall longer than both.
    // Before the fix, sends written before the heartbeat noticed waited for the reconnect and
    // resolved only once the path healed (up to the whole stall).
    const CONFIRM_TIMEOUT = 2_000;
    const proxy = await TcpProxy.start(5672);
    cleanups.push(() => proxy.close());
    const { broker, logger } = makeBroker({
      url: proxy.amqpUrl(),
      heartbeat: 1,
      confirmTimeout: CONFIRM_TIMEOUT,
      retry: { maxRetries: 100, intervalStart: 200, intervalStep: 0, intervalMax: 200 },
    });
    const queue = uniqueName('bound');
    await broker.send('x', { queueName: queue });
    const timed = (p: Promise<unknown>) => {
      const t0 = Date.now();
      return p.then(
        () => ({ ok: true, ms: Date.now() - t0, error: undefined as unknown }),
        (error: unknown) => ({ ok: false, ms: Date.now() - t0, error }),
      );
    };
    proxy.blackhole(true);
    // Written at once, and at intervals until well after the heartbeat gave up (2-3 s).
    const sends: Array<ReturnType<typeof timed>> = [];
    for (let i = 0; i < 10; i++) {
      sends.push(...Array.from({ length: 5 }, () => timed(broker.send('x', { queueName: queue }))));
      await sleep(400);
    }
    const results = await Promise.all(sends);
    const slowest = Math.max(...results.map((r) => r.ms));
    expect(slowest).toBeLessThan(CONFIRM_TIMEOUT + 300);
    for (const r of results) if (!r.ok) expect(r.error).toBeInstanceOf(PublishConfirmTimeoutError);
    expect(results.filter((r) => !r.ok).length).toBeGreaterThan(0);
    // The heartbeat loss is logged under the error's name, as the docs quote it.
    expect(logger.text()).toMatch(/HeartbeatTimeoutError: The connection to .* missed its heartbeats \(interval 1 s\)/);
    proxy.blackhole(false);
    proxy.cut(); // the held sockets are dead; the broker reconnects through the proxy
    await waitFor(() => broker.health().status === 'up', { timeoutMs: 10_000 });
    await expect(broker.send('x', { queueName: queue })).resolves.toBeDefined();
  });

  it('refuses sends beyond maxBufferedMessages at once while RabbitMQ is unreachable', async () => {
    const proxy = await TcpProxy.start(5672);
    cleanups.push(() => proxy.close());
    await proxy.refuse(true);
    const { broker } = makeBroker({
      url: proxy.amqpUrl(),
      maxProducerChannels: 2,
      maxPublishesPerChannel: 1,
      maxBufferedMessages: 3,
      retry: { maxRetries: 20, intervalStart: 100, intervalStep: 0, intervalMax: 100 },
    });
    const queue = uniqueName('buffer');
    // 2 hold the channels, 3 wait: the 6th is refused at once.
    const accepted = Array.from({ length: 5 }, () => broker.send('x', { queueName: queue }));
    accepted.forEach((p) => p.catch(() => undefined));
    await expect(broker.send('x', { queueName: queue })).rejects.toBeInstanceOf(PublishBufferFullError);
    await proxy.refuse(false);
    const results = await Promise.allSettled(accepted);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
  });
});

describe('priorities', () => {
  it('with maxPriority, higher broker_priority messages run first', async () => {
    const { broker } = makeBroker({ maxPriority: 10, middleware: defaultMiddleware() });
    const queue = uniqueName('prio');
    const order: number[] = [];
    broker.registerActor('prio', (p: number) => void order.push(p), { queueName: queue });
    for (const p of [1, 5, 3, 9, 0, 7]) await broker.send('prio', { args: [p], options: { broker_priority: p } });
    const worker = broker.createWorker({ concurrency: 1 });
    await worker.start();
    cleanups.push(() => worker.stop());
    await waitFor(() => order.length === 6, { timeoutMs: 10_000 });
    expect(order).toEqual([9, 7, 5, 3, 1, 0]);
  });
});
