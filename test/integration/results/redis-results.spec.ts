/**
 * Results through a real Redis and RabbitMQ: what a Node actor stores, what Python stores
 * (written as Dramatiq does, from the capture), failures, retries, refused values, waits.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DramatiqBroker, type DramatiqBrokerOptions } from '../../../lib/core/broker.js';
import { createMessage } from '../../../lib/core/message/message.js';
import { defaultMiddleware } from '../../../lib/core/middleware/default-middleware.js';
import { RedisResultBackend } from '../../../lib/core/results/backends/redis-backend.js';
import { resultKey } from '../../../lib/core/results/result-key.js';
import {
  ResultFailureError,
  ResultMissingError,
  ResultTimeoutError,
} from '../../../lib/core/results/results.errors.js';
import { CapturingLogger, uniqueName } from '../../support/broker-fixtures.js';
import { readFixture } from '../../support/fixtures.js';
import { plainRedis, storeAsPython } from '../../support/redis.js';
import { waitFor } from '../../support/wait.js';

const redis = plainRedis();
afterAll(() => redis.disconnect());

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function makeBroker(extra: Partial<DramatiqBrokerOptions> = {}, backendOptions = {}) {
  const logger = new CapturingLogger();
  const backend = new RedisResultBackend(backendOptions);
  const broker = new DramatiqBroker({
    strategy: 'shared',
    logger,
    middleware: defaultMiddleware({ retries: { minBackoff: 50, maxBackoff: 200 } }),
    results: { backend },
    ...extra,
  });
  cleanups.push(async () => {
    await broker.deleteAll().catch(() => undefined);
    await broker.close();
  });
  return { broker, backend, logger };
}

async function startWorker(broker: DramatiqBroker) {
  const worker = broker.createWorker({ concurrency: 8, shutdownTimeout: 5_000 });
  await worker.start();
  cleanups.push(() => worker.stop());
  return worker;
}

describe('a Node actor stores its result', () => {
  it('as Dramatiq would: md5 key, one compact ASCII JSON document, TTL; getResult reads it back', async () => {
    const { broker } = makeBroker();
    const queue = uniqueName('res');
    broker.registerActor('greet', (name: string) => ({ hello: name, n: [1, 2.5] }), {
      queueName: queue,
      storeResults: true,
      resultTtl: 30_000,
    });
    await startWorker(broker);
    const message = await broker.send<{ hello: string }>('greet', { args: ['wörld'] });
    const value = await broker.getResult(message, { block: true, timeout: 10_000 });
    expect(value).toEqual({ hello: 'wörld', n: [1, 2.5] });
    // Typed by send's type argument (a compile-time check).
    const hello: string = value.hello;
    expect(hello).toBe('wörld');

    const key = resultKey(message);
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(await redis.type(key)).toBe('list');
    expect(await redis.lrange(key, 0, -1)).toEqual(['{"hello":"w\\u00f6rld","n":[1,2.5]}']);
    const pttl = await redis.pttl(key);
    expect(pttl).toBeGreaterThan(25_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
    // Reading never takes the value out.
    expect(await broker.getResult(message)).toEqual({ hello: 'wörld', n: [1, 2.5] });
    expect(await redis.llen(key)).toBe(1);
  });

  it('stores only for actors that ask, unless the message asks (store_results, result_ttl on the wire win)', async () => {
    const { broker, logger } = makeBroker();
    const queue = uniqueName('res');
    broker.registerActor('plain', (x: number) => x * 2, { queueName: queue });
    broker.registerActor('opted_out', (x: number) => x * 3, { queueName: queue, storeResults: true });
    await startWorker(broker);
    const plain = await broker.send('plain', { args: [2] });
    const asked = await broker.send('plain', { args: [5], options: { store_results: true, result_ttl: 20_000 } });
    const declined = await broker.send('opted_out', { args: [1], options: { store_results: false } });
    expect(await broker.getResult(asked, { block: true, timeout: 10_000 })).toBe(10);
    await broker.join(queue, { timeout: 10_000 });
    const ttl = await redis.pttl(resultKey(asked));
    expect(ttl).toBeGreaterThan(15_000);
    expect(ttl).toBeLessThanOrEqual(20_000);
    await expect(broker.getResult(plain)).rejects.toBeInstanceOf(ResultMissingError);
    await expect(broker.getResult(declined)).rejects.toBeInstanceOf(ResultMissingError);
    expect(logger.text()).toMatch(/Actor "plain" returned a value but does not store results/);
  });

  it('an actor that returns nothing stores null', async () => {
    const { broker } = makeBroker();
    const queue = uniqueName('res');
    broker.registerActor('noop', () => undefined, { queueName: queue, storeResults: true });
    await startWorker(broker);
    const message = await broker.send('noop');
    expect(await broker.getResult(message, { block: true, timeout: 10_000 })).toBeNull();
    expect(await redis.lrange(resultKey(message), 0, -1)).toEqual(['null']);
  });
});

describe('failures', () => {
  it('a retried run stores nothing; the final failure is stored once, and getResult raises it with its type', async () => {
    const { broker, backend } = makeBroker();
    const stores: string[] = [];
    const store = backend.store.bind(backend);
    backend.store = (key, document, ttl) => {
      stores.push(document);
      return store(key, document, ttl);
    };
    const queue = uniqueName('res');
    let runs = 0;
    class QuotaError extends Error {
      override name = 'QuotaError';
    }
    broker.registerActor(
      'flaky',
      () => {
        runs++;
        throw new QuotaError(`attempt ${runs} failed`);
      },
      { queueName: queue, storeResults: true, maxRetries: 2 },
    );
    await startWorker(broker);
    const message = await broker.send('flaky');
    const error = await broker.getResult(message, { block: true, timeout: 15_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultFailureError);
    expect((error as ResultFailureError).code).toBe('RESULT_FAILURE');
    expect((error as ResultFailureError).remoteType).toBe('QuotaError');
    expect((error as ResultFailureError).remoteMessage).toBe('attempt 3 failed');
    expect((error as Error).message).toBe('actor raised QuotaError: attempt 3 failed');
    expect(runs).toBe(3);
    expect(stores).toEqual(['{"__t":"dramatiq.results.Result","exn":{"type":"QuotaError","msg":"attempt 3 failed"}}']);
    await waitFor(async () => (await broker.getQueueMessageCounts(queue)).dead === 1, { message: 'dead-lettered' });
  });

  it('a run that succeeds on retry stores only the success', async () => {
    const { broker, backend } = makeBroker();
    const stores: string[] = [];
    const store = backend.store.bind(backend);
    backend.store = (key, document, ttl) => {
      stores.push(document);
      return store(key, document, ttl);
    };
    const queue = uniqueName('res');
    let runs = 0;
    broker.registerActor(
      'second_time',
      () => {
        if (++runs === 1) throw new Error('not yet');
        return 'ok';
      },
      { queueName: queue, storeResults: true },
    );
    await startWorker(broker);
    const message = await broker.send('second_time');
    expect(await broker.getResult(message, { block: true, timeout: 10_000 })).toBe('ok');
    expect(stores).toEqual(['"ok"']);
  });

  it('a value JSON cannot carry dead-letters the message with a reason, and waiters get that failure', async () => {
    const { broker, logger } = makeBroker();
    const queue = uniqueName('res');
    let runs = 0;
    broker.registerActor(
      'big_number',
      () => {
        runs++;
        return { id: 2n ** 64n };
      },
      { queueName: queue, storeResults: true },
    );
    await startWorker(broker);
    const message = await broker.send('big_number');
    const error = await broker.getResult(message, { block: true, timeout: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultFailureError);
    expect((error as ResultFailureError).remoteType).toBe('ResultNotSerializableError');
    expect((error as ResultFailureError).remoteMessage).toMatch(/at key "id" is a BigInt/);
    await waitFor(async () => (await broker.getQueueMessageCounts(queue)).dead === 1, { message: 'dead-lettered' });
    expect(runs).toBe(1); // not retried: the same value would come back
    // Logged once the copy in q.XQ is confirmed, which (persistent) can come after it is counted.
    await waitFor(() => /cannot be stored as JSON/.test(logger.text()), { message: 'dead-letter reason logged' });
  });

  it('a result larger than maxResultBytes dead-letters the message', async () => {
    const { broker } = makeBroker({ results: { backend: new RedisResultBackend(), maxResultBytes: 100 } });
    const queue = uniqueName('res');
    broker.registerActor('huge', () => 'x'.repeat(200), { queueName: queue, storeResults: true });
    await startWorker(broker);
    const message = await broker.send('huge');
    const error = await broker.getResult(message, { block: true, timeout: 10_000 }).catch((e: unknown) => e);
    expect((error as ResultFailureError).remoteType).toBe('ResultTooLargeError');
    await waitFor(async () => (await broker.getQueueMessageCounts(queue)).dead === 1, { message: 'dead-lettered' });
  });

  it('a message skipped as too old stores its failure', async () => {
    const { broker } = makeBroker();
    const queue = uniqueName('res');
    broker.registerActor('old', () => 1, { queueName: queue, storeResults: true, maxAge: 1_000 });
    await startWorker(broker);
    const stale = createMessage({ queueName: queue, actorName: 'old', timestamp: Date.now() - 60_000 });
    await broker.enqueue(stale);
    const error = await broker.getResult(stale, { block: true, timeout: 10_000 }).catch((e: unknown) => e);
    expect((error as ResultFailureError).remoteType).toBe('Failure');
    expect((error as ResultFailureError).remoteMessage).toMatch(/older than its max age/);
  });
});

interface Captured {
  message: { queue_name: string; actor_name: string; message_id: string };
  key: string;
  stored: string[];
}
const golden = readFixture<{
  results: Record<'md5_keys' | 'prefixed_keys', { results: Record<string, Captured> }>;
}>('dramatiq-results-golden.json');

describe('results written by Python Dramatiq', () => {
  const expected: Record<string, unknown> = {
    int: 42,
    big: 9007199254740991,
    float: 2.5,
    str: 'héllo ✓ 😀',
    dict: { b: 1, a: [1, null, true] },
    list: [1, 'two', 3],
    none: null,
    bool: false,
  };

  it.each(['md5_keys', 'prefixed_keys'] as const)('%s: every captured value is read by getResult', async (variant) => {
    const backend = new RedisResultBackend({ prefixedKeys: variant === 'prefixed_keys' });
    cleanups.push(() => backend.close());
    const broker = new DramatiqBroker({ strategy: 'shared', results: { backend } });
    cleanups.push(() => broker.close());
    // Fresh ids, so parallel runs of this test never share keys; the documents are the captured bytes.
    for (const [name, c] of Object.entries(golden.results[variant].results)) {
      const message = { ...c.message, message_id: randomUUID() };
      await storeAsPython(redis, backend.keyFor(message), c.stored[0]);
      cleanups.push(async () => void (await redis.del(backend.keyFor(message))));
      if (name === 'failure') {
        const error = await broker.getResult(message).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ResultFailureError);
        expect((error as ResultFailureError).remoteType).toBe('ValueError');
        expect((error as ResultFailureError).remoteMessage).toBe('bad value 7');
        expect((error as Error).message).toBe('actor raised ValueError: bad value 7');
      } else {
        expect(await broker.getResult(message)).toEqual(expected[name]);
      }
    }
  });

  it('a blocked getResult wakes on a plain DEL+LPUSH+PEXPIRE (no notification of ours), at the captured key', async () => {
    const backend = new RedisResultBackend();
    cleanups.push(() => backend.close());
    const c = golden.results.md5_keys.results.dict;
    const message = { ...c.message, message_id: randomUUID() };
    const key = backend.keyFor(message);
    cleanups.push(async () => void (await redis.del(key)));
    const broker = new DramatiqBroker({ strategy: 'shared', results: { backend } });
    cleanups.push(() => broker.close());
    const started = Date.now();
    const waiting = broker.getResult(message, { block: true, timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    await storeAsPython(redis, key, c.stored[0]);
    expect(await waiting).toEqual({ b: 1, a: [1, null, true] });
    expect(Date.now() - started).toBeLessThan(2_000);
    // A Python reader (BRPOPLPUSH key key) still finds it.
    expect(await redis.brpoplpush(key, key, 1)).toBe(c.stored[0]);
  });
});

describe('waiting', () => {
  it('without block: ResultMissingError at once; with block: ResultTimeoutError after the timeout', async () => {
    const { broker } = makeBroker();
    const message = { queue_name: 'nowhere', actor_name: 'none', message_id: randomUUID() };
    const missing = await broker.getResult(message).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ResultMissingError);
    expect((missing as ResultMissingError).code).toBe('RESULT_MISSING');
    const started = Date.now();
    const timedOut = await broker.getResult(message, { block: true, timeout: 700 }).catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect(timedOut).toBeInstanceOf(ResultTimeoutError);
    expect((timedOut as ResultTimeoutError).code).toBe('RESULT_TIMEOUT');
    expect(waited).toBeGreaterThanOrEqual(690);
    expect(waited).toBeLessThan(2_000);
  });

  it('1,000 concurrent waiters share 3 Redis connections and all wake on their own result', async () => {
    const name = uniqueName('waiters');
    const { broker } = makeBroker({}, { connectionName: name });
    const messages = Array.from({ length: 1_000 }, () => ({
      queue_name: 'q',
      actor_name: 'a',
      message_id: randomUUID(),
    }));
    const woken: number[] = [];
    const waits = messages.map((m, i) =>
      broker.getResult<number>(m, { block: true, timeout: 30_000 }).then((v) => {
        woken.push(Date.now());
        expect(v).toBe(i);
      }),
    );
    await waitFor(async () => (await clientsCount(name)) >= 2, { message: 'wait connections' });
    await new Promise((r) => setTimeout(r, 300));
    const connections = await clientsCount(name);
    expect(connections).toBeLessThanOrEqual(3);
    const writer = redis.pipeline();
    messages.forEach((m, i) => writer.del(resultKey(m)).lpush(resultKey(m), String(i)).pexpire(resultKey(m), 60_000));
    const wrote = Date.now();
    await writer.exec();
    await Promise.all(waits);
    expect(woken).toHaveLength(1_000);
    expect(Math.max(...woken) - wrote).toBeLessThan(5_000);
    expect(await clientsCount(name)).toBe(connections);
    await redis.del(...messages.map((m) => resultKey(m)));
  });
});

async function clientsCount(name: string): Promise<number> {
  const list = (await redis.client('LIST')) as string;
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}
