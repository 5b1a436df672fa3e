/**
 * BrokerModule with a result backend: configured in forRoot / forRootAsync from a URL or from
 * an ioredis client the app owns, results typed through TaskQueue, and what is closed on shutdown.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  Actor,
  BrokerModule,
  type BrokerModuleOptions,
  DramatiqBroker,
  InvalidBrokerOptionError,
  RedisResultBackend,
  ResultFailureError,
  TaskQueue,
} from '../../../lib/index.js';
import { defaultMiddleware } from '../../../lib/core/middleware/default-middleware.js';
import { uniqueName } from '../../support/broker-fixtures.js';
import { clientsNamed, plainRedis } from '../../support/redis.js';
import { waitFor } from '../../support/wait.js';
import { nestAppsClosedAfterEach, quietLogger } from '../../support/nest-apps.js';

const quiet = quietLogger;
const redis = plainRedis();
afterAll(() => redis.disconnect());
const apps = nestAppsClosedAfterEach();

const QUEUE = uniqueName('nest-results');

@Injectable()
class MathService {
  @Actor({ queueName: QUEUE, storeResults: true })
  async multiply(a: number, b: number): Promise<{ product: number }> {
    return { product: a * b };
  }

  @Actor({ queueName: QUEUE, storeResults: true, maxRetries: 0 })
  async divide(a: number, b: number): Promise<number> {
    if (b === 0) throw new RangeError('division by zero');
    return a / b;
  }
}

function options(backend: RedisResultBackend): BrokerModuleOptions {
  return {
    strategy: 'shared',
    logger: quiet,
    middleware: defaultMiddleware({ retries: { minBackoff: 50, maxBackoff: 200 } }),
    results: { backend },
  };
}

async function boot(module: ReturnType<typeof BrokerModule.forRoot>) {
  const moduleRef = await Test.createTestingModule({ imports: [module], providers: [MathService] }).compile();
  const app = moduleRef.createNestApplication();
  app.enableShutdownHooks();
  await app.init();
  apps.push(app);
  return app;
}

describe('BrokerModule results', () => {
  it('forRoot with a URL: typed results through TaskQueue; its own connections closed on shutdown', async () => {
    const name = uniqueName('nest-url');
    const app = await boot(BrokerModule.forRoot(options(new RedisResultBackend({ connectionName: name }))));
    const tasks = app.get(TaskQueue);
    const sent = await tasks.send(MathService, 'multiply', 6, 7);
    const value = await tasks.getResult(sent, { block: true, timeout: 10_000 });
    // Typed { product: number } from the actor method (a compile-time check).
    const product: number = value.product;
    expect(product).toBe(42);
    const byId = await tasks.getResult(tasks.messageRef(MathService, 'multiply', sent.message_id));
    expect(byId).toEqual({ product: 42 });

    const failed = await tasks.sendWithOptions(MathService, 'divide', { args: [1, 0] });
    const error = await tasks.getResult(failed, { block: true, timeout: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultFailureError);
    expect((error as ResultFailureError).remoteType).toBe('RangeError');

    expect(await clientsNamed(redis, name)).toBe(3);
    apps.splice(apps.indexOf(app), 1);
    await app.get(DramatiqBroker).deleteAll();
    await app.close();
    await waitFor(async () => (await clientsNamed(redis, name)) === 0, { message: 'result connections closed' });
  });

  it('forRootAsync with a client the app owns: used, and left open on shutdown', async () => {
    const name = uniqueName('nest-own');
    const own = plainRedis();
    await own.client('SETNAME', name);
    try {
      const app = await boot(
        BrokerModule.forRootAsync({
          useFactory: async () => options(new RedisResultBackend({ client: own, connectionName: `${name}-wait` })),
        }),
      );
      const tasks = app.get(TaskQueue);
      const sent = await tasks.send(MathService, 'multiply', 3, 3);
      expect(await tasks.getResult(sent, { block: true, timeout: 10_000 })).toEqual({ product: 9 });
      // Stores and reads on the app's client; waits on two duplicates of it.
      expect(await clientsNamed(redis, name)).toBe(1);
      expect(await clientsNamed(redis, `${name}-wait`)).toBe(2);
      apps.splice(apps.indexOf(app), 1);
      await app.get(DramatiqBroker).deleteAll();
      await app.close();
      await waitFor(async () => (await clientsNamed(redis, `${name}-wait`)) === 0, { message: 'duplicates closed' });
      expect(own.status).toBe('ready');
      expect(await own.ping()).toBe('PONG');
    } finally {
      own.disconnect();
    }
  });

  it('a bad results option stops the start with the option named', async () => {
    const start = boot(
      BrokerModule.forRoot({ strategy: 'shared', logger: quiet, results: { backend: 'redis://x' as never } }),
    );
    await expect(start).rejects.toBeInstanceOf(InvalidBrokerOptionError);
    await expect(start).rejects.toThrow(/"results.backend": expected a result backend/);
    const typo = boot(
      BrokerModule.forRoot({
        strategy: 'shared',
        logger: quiet,
        results: { backend: new RedisResultBackend(), resultTTL: 5 } as never,
      }),
    );
    await expect(typo).rejects.toThrow(/Unknown broker option "results.resultTTL"/);
    await expect(
      boot(
        BrokerModule.forRoot({
          strategy: 'shared',
          logger: quiet,
          results: { backend: new RedisResultBackend(), resultTtl: 0 },
        }),
      ),
    ).rejects.toThrow(/"results.resultTtl": expected an integer >= 1, received 0/);
  });
});
