/**
 * Pipelines and groups from Nest: TaskQueue.message / pipeline / group typed by the @Actor()
 * methods, and group completion callbacks configured with BrokerModule's groupCallbacks option.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  Actor,
  BrokerModule,
  InvalidBrokerOptionError,
  RedisRateLimiterBackend,
  RedisResultBackend,
  TaskQueue,
} from '../../../lib/index.js';
import { defaultMiddleware } from '../../../lib/core/middleware/default-middleware.js';
import { uniqueName } from '../../support/broker-fixtures.js';
import { plainRedis } from '../../support/redis.js';
import { waitFor } from '../../support/wait.js';
import { nestAppsClosedAfterEach, quietLogger } from '../../support/nest-apps.js';

const quiet = quietLogger;
const redis = plainRedis();
afterAll(() => redis.disconnect());
const apps = nestAppsClosedAfterEach();

const QUEUE = uniqueName('nest-workflows');
const completions: string[] = [];

@Injectable()
class MathService {
  @Actor({ queueName: QUEUE, storeResults: true })
  add(a: number, b: number): number {
    return a + b;
  }

  @Actor({ queueName: QUEUE, storeResults: true })
  describe(label: string, n: number): { label: string; n: number } {
    return { label, n };
  }

  @Actor({ queueName: QUEUE })
  finished(label: string): void {
    completions.push(label);
  }
}

async function boot() {
  const moduleRef = await Test.createTestingModule({
    imports: [
      BrokerModule.forRoot({
        strategy: 'shared',
        logger: quiet,
        middleware: defaultMiddleware({ retries: { minBackoff: 50, maxBackoff: 200 } }),
        results: { backend: new RedisResultBackend() },
        groupCallbacks: { backend: new RedisRateLimiterBackend() },
      }),
    ],
    providers: [MathService],
  }).compile();
  const app = moduleRef.createNestApplication();
  await app.init();
  apps.push(app);
  return app.get(TaskQueue);
}

describe('TaskQueue workflows', () => {
  it('a typed pipeline: steps built with message(), the last result typed by the last method', async () => {
    const tasks = await boot();
    // add(1, 2) -> add(10, 3) -> describe('total', 13): the last argument of each later step is the previous result.
    const pipeline = tasks.pipeline([
      tasks.message(MathService, 'add', 1, 2),
      tasks.message(MathService, 'add', 10),
      tasks.message(MathService, 'describe', 'total'),
    ]);
    await pipeline.run();
    const result = await pipeline.getResult({ block: true, timeout: 15_000 });
    const label: string = result.label; // typed { label: string; n: number }
    expect(label).toBe('total');
    expect(result).toEqual({ label: 'total', n: 13 });
  });

  it('a typed group with a completion callback', async () => {
    const tasks = await boot();
    const group = tasks.group([
      tasks.message(MathService, 'add', 1, 1),
      tasks.message(MathService, 'describe', 'x', 2),
    ]);
    group.addCompletionCallback(tasks.message(MathService, 'finished', 'group one'));
    await group.run();
    const [sum, described]: [number, { label: string; n: number }] = await group.getResults({
      block: true,
      timeout: 15_000,
    });
    expect([sum, described]).toEqual([2, { label: 'x', n: 2 }]);
    await waitFor(() => completions.includes('group one'), { timeoutMs: 15_000, message: 'completion callback' });
    await redis.del(group.completionUuid!, `${group.completionUuid}@events`);
  });

  it('a bad groupCallbacks option stops the start with the option named', async () => {
    const start = Test.createTestingModule({
      imports: [BrokerModule.forRoot({ strategy: 'shared', logger: quiet, groupCallbacks: { backend: {} as never } })],
    })
      .compile()
      .then((m) => m.createNestApplication().init());
    await expect(start).rejects.toBeInstanceOf(InvalidBrokerOptionError);
    await expect(start).rejects.toThrow(/groupCallbacks.backend/);
  });
});

// Compile-time checks only.
export function typing(tasks: TaskQueue): void {
  // @ts-expect-error: add takes numbers
  tasks.message(MathService, 'add', 'one');
  // @ts-expect-error: only the last argument may be left for the pipeline
  tasks.message(MathService, 'describe');
  tasks.messageWithOptions(MathService, 'add', { args: [1], options: { pipe_ignore: true } });
}
