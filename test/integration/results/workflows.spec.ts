/**
 * Pipelines and groups through a real RabbitMQ and Redis: a pipeline's last result, pipe_ignore,
 * a group's results in order, a completion callback firing once with the barrier keys Dramatiq
 * writes (compared with the shapes in test/fixtures/dramatiq-results-golden.json), and a failing
 * member (the callback never fires, as in Dramatiq).
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { DramatiqBroker } from '../../../lib/core/broker.js';
import { defaultMiddleware } from '../../../lib/core/middleware/default-middleware.js';
import { RedisRateLimiterBackend } from '../../../lib/core/rate-limits/backends/redis-rate-limiter-backend.js';
import { RedisResultBackend } from '../../../lib/core/results/backends/redis-backend.js';
import { Barrier } from '../../../lib/core/rate-limits/barrier.js';
import { ResultFailureError, ResultTimeoutError } from '../../../lib/core/results/results.errors.js';
import { CapturingLogger, uniqueName } from '../../support/broker-fixtures.js';
import { readFixture } from '../../support/fixtures.js';
import { plainRedis } from '../../support/redis.js';
import { sleep, waitFor } from '../../support/wait.js';

const redis = plainRedis();
afterAll(() => redis.disconnect());

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

interface CapturedKey {
  type: string;
  value: string | string[];
}
const golden = readFixture<{
  results: { md5_keys: { group: { keys_after_completion: Record<string, CapturedKey> } } };
  rate_limits: Record<string, Record<string, CapturedKey>>;
}>('dramatiq-results-golden.json');
const capturedGroup = golden.results.md5_keys.group;

async function start() {
  const queue = uniqueName('wf');
  const barriers = new RedisRateLimiterBackend();
  const created: unknown[][] = [];
  const add = barriers.add.bind(barriers);
  barriers.add = (...args) => (created.push(args), add(...args));
  const broker = new DramatiqBroker({
    strategy: 'shared',
    logger: new CapturingLogger(),
    middleware: defaultMiddleware({ retries: { minBackoff: 50, maxBackoff: 200 } }),
    results: { backend: new RedisResultBackend(), storeResults: true },
    groupCallbacks: { backend: barriers },
  });
  const seen: unknown[][] = [];
  broker.registerActor('add', (a: number, b: number) => a + b, { queueName: queue });
  broker.registerActor('double', (x: number) => x * 2, { queueName: queue });
  broker.registerActor('args_of', (...args: unknown[]) => args, { queueName: queue });
  broker.registerActor(
    'fail',
    (x: number) => {
      throw new RangeError(`no ${x}`);
    },
    { queueName: queue, maxRetries: 0 },
  );
  broker.registerActor('done', (...args: unknown[]) => void seen.push(args), { queueName: queue });
  const worker = broker.createWorker({ concurrency: 4, shutdownTimeout: 5_000 });
  await worker.start();
  cleanups.push(async () => {
    await worker.stop();
    await broker.deleteAll().catch(() => undefined);
    await broker.close();
  });
  return { broker, queue, seen, created };
}

/** Barrier keys live a day: removed after the test. */
function dropBarrierAfter(uuid: string | undefined): void {
  if (uuid) cleanups.push(async () => void (await redis.del(uuid, `${uuid}@events`)));
}

/** Type and value of `key`, as the capture records them. */
async function keyState(key: string): Promise<CapturedKey & { pttl: number }> {
  const type = await redis.type(key);
  const value = type === 'list' ? await redis.lrange(key, 0, -1) : ((await redis.get(key)) ?? '');
  return { type, value, pttl: await redis.pttl(key) };
}

describe('pipelines', () => {
  it('three steps: each gets the previous result appended; getResult is the last one', async () => {
    const { broker } = await start();
    const pipeline = broker.pipeline([
      broker.message<number>('add', { args: [1, 2] }),
      broker.message<number>('add', { args: [10] }),
      broker.message<number>('double'),
    ]);
    await pipeline.run();
    const last: number = await pipeline.getResult({ block: true, timeout: 15_000 });
    expect(last).toBe(26);
    expect(await pipeline.getResults()).toEqual([3, 13, 26]);
  });

  it('a step that fails for good stops the chain: its failure is its result, the last step never runs', async () => {
    const { broker } = await start();
    const pipeline = broker.pipeline([
      broker.message('add', { args: [1, 2] }),
      broker.message('fail'),
      broker.message<number>('double'),
    ]);
    await pipeline.run();
    const error = await pipeline.getResults({ block: true, timeout: 15_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultFailureError);
    expect((error as ResultFailureError).remoteMessage).toBe('no 3');
    await expect(pipeline.getResult({ block: true, timeout: 300 })).rejects.toBeInstanceOf(ResultTimeoutError);
  });

  it('a step with pipe_ignore runs with its own args only', async () => {
    const { broker } = await start();
    const pipeline = broker.pipeline([
      broker.message('add', { args: [1, 2] }),
      broker.message<unknown[]>('args_of', { args: ['own'], options: { pipe_ignore: true } }),
      broker.message<unknown[]>('args_of', { args: ['next'] }),
    ]);
    await pipeline.run();
    expect(await pipeline.getResult({ block: true, timeout: 15_000 })).toEqual(['next', ['own']]);
  });
});

describe('the Redis barrier', () => {
  it("writes what Dramatiq's Redis barrier writes: created, after one arrival, after the last", async () => {
    const backend = new RedisRateLimiterBackend();
    cleanups.push(() => backend.close());
    const key = `barrier-${uniqueName('wf')}`;
    dropBarrierAfter(key);
    const barrier = new Barrier(backend, key, 60_000);
    const stateOf = async () => {
      const state: Record<string, CapturedKey> = {};
      for (const name of [key, `${key}@events`]) {
        if (!(await redis.exists(name))) continue;
        const { type, value, pttl } = await keyState(name);
        expect(pttl).toBeGreaterThan(0);
        state[name.replace(key, 'golden-barrier')] = { type, value };
      }
      return state;
    };
    const shape = (keys: Record<string, CapturedKey>) =>
      Object.fromEntries(Object.entries(keys).map(([k, { type, value }]) => [k, { type, value }]));

    expect(await barrier.create(2)).toBe(true);
    expect(await barrier.create(2)).toBe(false);
    expect(await stateOf()).toEqual(shape(golden.rate_limits.barrier_created));
    expect(await barrier.arrive()).toBe(false);
    expect(await stateOf()).toEqual(shape(golden.rate_limits.barrier_after_one));
    expect(await barrier.arrive()).toBe(true);
    expect(await stateOf()).toEqual(shape(golden.rate_limits.barrier_after_two));
  });
});

describe('groups', () => {
  it("getResults gives the members' results in order (messages and pipelines)", async () => {
    const { broker } = await start();
    const group = broker.group([
      broker.message<number>('add', { args: [0, 0] }),
      broker.pipeline([broker.message<number>('add', { args: [1, 1] }), broker.message<number>('double')]),
      broker.message<number>('add', { args: [2, 2] }),
    ]);
    await group.run();
    await group.wait({ timeout: 15_000 });
    const results: [number, number, number] = await group.getResults();
    expect(results).toEqual([0, 4, 4]);
  });

  it('a completion callback fires exactly once, leaving the barrier keys Dramatiq leaves', async () => {
    const { broker, queue, seen, created } = await start();
    const members = Array.from({ length: 5 }, (_, i) => broker.message<number>('add', { args: [i, i] }));
    const group = broker.group([
      ...members,
      broker.pipeline([broker.message('add', { args: [1, 2] }), broker.message('double')]),
    ]);
    group.addCompletionCallback(broker.message('done', { args: ['all done'] }));
    await group.run();
    const uuid = group.completionUuid!;
    dropBarrierAfter(uuid);
    // Created with the group's size and a day's TTL (members may already have lowered it).
    expect(created).toEqual([[uuid, 6, 86_400_000]]);

    await waitFor(() => seen.length > 0, { timeoutMs: 15_000, message: 'the completion callback' });
    await broker.join(queue, { timeout: 10_000 });
    await sleep(300);
    expect(seen).toEqual([['all done']]);
    expect(await group.getResults()).toEqual([0, 2, 4, 6, 8, 6]);

    // As the capture: "<uuid>" a string "1", "<uuid>@events" the list ["x"], both expiring (1 day).
    const captured = Object.entries(capturedGroup.keys_after_completion).filter(([k]) => /^[0-9a-f-]{36}/.test(k));
    expect(captured.map(([k, v]) => [k.replace(/^[0-9a-f-]{36}/, 'UUID'), v.type, v.value])).toEqual([
      ['UUID', 'string', '1'],
      ['UUID@events', 'list', ['x']],
    ]);
    for (const [suffix, type, value] of [
      ['', 'string', '1'],
      ['@events', 'list', ['x']],
    ] as const) {
      const state = await keyState(uuid + suffix);
      expect(state).toMatchObject({ type, value });
      expect(state.pttl).toBeGreaterThan(86_000_000);
      expect(state.pttl).toBeLessThanOrEqual(86_400_000);
    }
  });

  it('a failing member: getResults raises its failure, and the callback never fires (as in Dramatiq)', async () => {
    const { broker, queue, seen } = await start();
    const group = broker.group([broker.message('add', { args: [1, 1] }), broker.message('fail', { args: [7] })]);
    group.addCompletionCallback(broker.message('done'));
    await group.run();
    dropBarrierAfter(group.completionUuid);
    const error = await group.wait({ timeout: 15_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultFailureError);
    expect((error as ResultFailureError).remoteType).toBe('RangeError');
    await broker.join(queue, { timeout: 10_000 });
    await sleep(300);
    expect(seen).toEqual([]);
    // One arrival (2 -> 1); the failed member never arrived, so nothing cleared it.
    expect(await keyState(group.completionUuid!)).toMatchObject({ type: 'string', value: '1' });
    expect(await redis.exists(`${group.completionUuid}@events`)).toBe(0);
  });
});
