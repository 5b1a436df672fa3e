/**
 * Redis (the result backend) stops or hangs while results are stored and awaited, on a
 * redis-server of this test's own. What must hold: no message is lost or acked without its
 * result (the store failing fails the run, Retries runs it again), the worker keeps handling
 * other messages, and waiters end with a clear error within bounded time.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DramatiqBroker } from '../../lib/core/broker.js';
import { defaultMiddleware } from '../../lib/core/middleware/default-middleware.js';
import { RedisResultBackend } from '../../lib/core/results/backends/redis-backend.js';
import { ResultBackendUnavailableError } from '../../lib/core/results/results.errors.js';
import { CapturingLogger, uniqueName } from '../support/broker-fixtures.js';
import { PrivateRedis } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function setup() {
  const server = await PrivateRedis.start();
  cleanups.push(() => server.stop());
  const logger = new CapturingLogger();
  const backend = new RedisResultBackend({ url: server.url, commandTimeout: 1_000 });
  const broker = new DramatiqBroker({
    strategy: 'shared',
    logger,
    middleware: defaultMiddleware({ retries: { minBackoff: 300, maxBackoff: 600 } }),
    results: { backend, storeTimeout: 1_500 },
  });
  const queue = uniqueName('rdown');
  const runs = { add: 0, other: 0 };
  broker.registerActor(
    'add',
    (a: number, b: number) => {
      runs.add++;
      return a + b;
    },
    { queueName: queue, storeResults: true },
  );
  broker.registerActor('other', () => void runs.other++, { queueName: queue });
  const worker = broker.createWorker({ concurrency: 4, shutdownTimeout: 5_000 });
  await worker.start();
  cleanups.push(async () => {
    await worker.stop();
    await broker.deleteAll().catch(() => undefined);
    await broker.close();
  });
  return { server, broker, logger, queue, runs };
}

describe('Redis down while results are stored and awaited', () => {
  it('stopped: the run is retried until Redis is back, then the result is stored; the worker never stalls', async () => {
    const { server, broker, logger, queue, runs } = await setup();
    await server.stop();
    const message = await broker.send<number>('add', { args: [2, 3] });
    await waitFor(() => /Retry 2 of/.test(logger.text()), { timeoutMs: 15_000, message: 'two retries' });
    expect(logger.text()).toMatch(
      /ResultBackendUnavailableError: The result backend could not store a result: cannot connect: connect ECONNREFUSED/,
    );
    // Not acked, not dead-lettered: waiting in the delay queue for its next run.
    expect((await broker.getQueueMessageCounts(queue)).dead).toBe(0);
    // Other messages still run meanwhile.
    await broker.send('other');
    await waitFor(() => runs.other === 1, { timeoutMs: 5_000, message: 'other actor ran while Redis was down' });

    await server.start();
    expect(await broker.getResult(message, { block: true, timeout: 15_000 })).toBe(5);
    expect(runs.add).toBeGreaterThanOrEqual(3);
    await broker.join(queue, { timeout: 10_000 });
    expect(await broker.getQueueMessageCounts(queue)).toEqual({ ready: 0, delayed: 0, dead: 0 });
  }, 60_000);

  it('hung (SIGSTOP): stores end at commandTimeout and the run is retried; the result lands once it answers', async () => {
    const { server, broker, logger, queue } = await setup();
    // Connect first, so the hang is met by an open connection (the worst case: no error, no answer).
    await broker.getResult({ queue_name: queue, actor_name: 'add', message_id: randomUUID() }).catch(() => undefined);
    server.pause();
    try {
      const message = await broker.send<number>('add', { args: [20, 1] });
      await waitFor(() => /Retry 1 of/.test(logger.text()), { timeoutMs: 10_000, message: 'a retry' });
      expect(logger.text()).toMatch(/no answer within 1000 ms/);
      server.resume();
      expect(await broker.getResult(message, { block: true, timeout: 15_000 })).toBe(21);
      await broker.join(queue, { timeout: 10_000 });
      expect((await broker.getQueueMessageCounts(queue)).dead).toBe(0);
    } finally {
      server.resume();
    }
  }, 60_000);

  it('waiters reject with ResultBackendUnavailableError when Redis stops, and getResult fails fast while it is down', async () => {
    const { server, broker, queue } = await setup();
    const refs = Array.from({ length: 50 }, () => ({ queue_name: queue, actor_name: 'add', message_id: randomUUID() }));
    const waits = refs.map((ref) => broker.getResult(ref, { block: true, timeout: 30_000 }).catch((e: unknown) => e));
    await new Promise((r) => setTimeout(r, 300));
    const stopped = Date.now();
    await server.stop();
    const errors = await Promise.all(waits);
    expect(Date.now() - stopped).toBeLessThan(3_000);
    for (const error of errors) {
      expect(error).toBeInstanceOf(ResultBackendUnavailableError);
      expect((error as ResultBackendUnavailableError).code).toBe('RESULT_BACKEND_UNAVAILABLE');
    }
    const started = Date.now();
    await expect(broker.getResult(refs[0])).rejects.toBeInstanceOf(ResultBackendUnavailableError);
    await expect(broker.getResult(refs[0], { block: true, timeout: 30_000 })).rejects.toBeInstanceOf(
      ResultBackendUnavailableError,
    );
    expect(Date.now() - started).toBeLessThan(3_000);

    // And once it is back, waits work again (a new pair of connections).
    await server.start();
    const message = await broker.send<number>('add', { args: [1, 1] });
    await waitFor(
      async () => (await broker.getResult(message, { block: true, timeout: 5_000 }).catch(() => undefined)) === 2,
      { timeoutMs: 20_000, message: 'result after restart' },
    );
  }, 60_000);
});
