import { describe, expect, it } from '@jest/globals';
import { Inject, Injectable, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  Actor,
  ActorOnNonStaticProviderError,
  BrokerModule,
  CurrentMessage,
  DramatiqBroker,
  DuplicateActorError,
  TaskQueue,
} from '../../../lib/index.js';
import { defaultMiddleware } from '../../../lib/core/middleware/default-middleware.js';
import { uniqueName } from '../../support/broker-fixtures.js';
import { waitFor } from '../../support/wait.js';
import { nestAppsClosedAfterEach, quietLogger } from '../../support/nest-apps.js';

const quiet = quietLogger;
const apps = nestAppsClosedAfterEach();

const QUEUE = uniqueName('nest-actors');
const events: string[] = [];

@Injectable()
class EmailService {
  @Actor({ queueName: QUEUE })
  async sendWelcome(userId: number, locale = 'en'): Promise<string> {
    events.push(`welcome:${userId}:${locale}:${CurrentMessage.get()?.actor_name}`);
    return 'sent';
  }

  @Actor({ queueName: QUEUE, actorName: 'slow_task' })
  async slow(ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    events.push(`slow:${ms}`);
  }

  notAnActor(): void {}
}

async function boot(providers: any[], extra: Record<string, unknown> = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      BrokerModule.forRoot({
        strategy: 'shared',
        logger: quiet,
        middleware: [...defaultMiddleware({ retries: { minBackoff: 50, maxBackoff: 200 } }), new CurrentMessage()],
        ...extra,
      }),
    ],
    providers,
  }).compile();
  const app = moduleRef.createNestApplication();
  apps.push(app);
  await app.init();
  return app;
}

describe('@Actor discovery and TaskQueue', () => {
  it('discovers actors, consumes their queue and runs typed sends with kwargs', async () => {
    events.length = 0;
    const app = await boot([EmailService]);
    const broker = app.get(DramatiqBroker);
    expect(broker.actors.all().map((a) => [a.name, a.queueName])).toEqual([
      ['sendWelcome', QUEUE],
      ['slow_task', QUEUE],
    ]);
    const tasks = app.get(TaskQueue);
    const message = await tasks.send(EmailService, 'sendWelcome', 7, 'de');
    expect(message.actor_name).toBe('sendWelcome');
    await tasks.sendWithOptions(EmailService, 'sendWelcome', { args: [8], kwargs: { locale: 'fr' } });
    await tasks.sendTo('sendWelcome', { args: [9] });
    await waitFor(() => events.length === 3, { timeoutMs: 10_000, message: 'three actor runs' });
    expect(events.sort()).toEqual(['welcome:7:de:sendWelcome', 'welcome:8:fr:sendWelcome', 'welcome:9:en:sendWelcome']);
    expect(() => tasks.send(EmailService, 'notAnActor')).toThrow(/not an @Actor\(\) method/);
  });

  it('fails at startup when two actors share a name', async () => {
    @Injectable()
    class Other {
      @Actor({ actorName: 'sendWelcome' })
      dup(): void {}
    }
    await expect(boot([EmailService, Other])).rejects.toBeInstanceOf(DuplicateActorError);
    await expect(boot([EmailService, Other])).rejects.toThrow(/EmailService\.sendWelcome and Other\.dup/);
  });

  it('worker: false only sends (nothing consumed)', async () => {
    events.length = 0;
    const app = await boot([EmailService], { worker: false });
    await app.get(TaskQueue).send(EmailService, 'sendWelcome', 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(events).toEqual([]);
    expect((await app.get(DramatiqBroker).getQueueMessageCounts(QUEUE)).ready).toBe(1);
  });

  it('shutdown lets running actors finish and loses nothing', async () => {
    events.length = 0;
    const app = await boot([EmailService], { worker: { concurrency: 4, shutdownTimeout: 5_000 } });
    const tasks = app.get(TaskQueue);
    await Promise.all(Array.from({ length: 20 }, () => tasks.send(EmailService, 'slow', 400)));
    await waitFor(() => app.get(DramatiqBroker).connections()[0]?.channels > 0, { timeoutMs: 5_000 });
    await new Promise((r) => setTimeout(r, 150)); // some are running now
    const broker = app.get(DramatiqBroker);
    apps.splice(apps.indexOf(app), 1);
    await app.close();
    const finished = events.filter((e) => e.startsWith('slow')).length;
    expect(finished).toBeGreaterThanOrEqual(4); // the running ones completed
    // Everything else is back in the queue: finished + ready = 20.
    const counts = await broker.getQueueMessageCounts(QUEUE);
    expect(finished + counts.ready).toBe(20);
    await broker.deleteAll();
    await broker.close();
  });

  it('"default" means defaultQueueName for actors and for every send path alike', async () => {
    const defaultQueue = uniqueName('nest-default-queue');
    const ran: string[] = [];
    @Injectable()
    class DefaultQueueTasks {
      @Actor({ queueName: 'default', actorName: `placeholder_${defaultQueue}` })
      onPlaceholder(tag: string): void {
        ran.push(`placeholder:${tag}`);
      }

      @Actor({ actorName: `unset_${defaultQueue}` })
      onUnset(tag: string): void {
        ran.push(`unset:${tag}`);
      }
    }
    const app = await boot([DefaultQueueTasks], { defaultQueueName: defaultQueue });
    const broker = app.get(DramatiqBroker);
    expect(broker.actors.all().map((a) => a.queueName)).toEqual([defaultQueue, defaultQueue]);
    const tasks = app.get(TaskQueue);
    const sent = [
      await tasks.send(DefaultQueueTasks, 'onPlaceholder', 'send'),
      await tasks.sendWithOptions(DefaultQueueTasks, 'onPlaceholder', { args: ['options'] }),
      await tasks.sendTo(`placeholder_${defaultQueue}`, { args: ['sendTo'] }),
      await tasks.sendTo(`placeholder_${defaultQueue}`, { args: ['explicit'], queueName: 'default' }),
      await tasks.send(DefaultQueueTasks, 'onUnset', 'send'),
    ];
    // Every message went where the worker consumes (before the fix TaskQueue published to "default").
    expect(sent.map((m) => m.queue_name)).toEqual(Array(5).fill(defaultQueue));
    await waitFor(() => ran.length === 5, { timeoutMs: 10_000, message: 'five actor runs' });
    expect(ran.sort()).toEqual([
      'placeholder:explicit',
      'placeholder:options',
      'placeholder:send',
      'placeholder:sendTo',
      'unset:send',
    ]);
  });

  it('fails at startup, naming them, when @Actor() methods sit on request-scoped or transient providers', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class PerRequest {
      @Actor({ actorName: 'per_request_actor' })
      run(): void {}
    }
    @Injectable({ scope: Scope.TRANSIENT })
    class PerInjection {
      @Actor({ actorName: 'transient_actor' })
      run(): void {}
    }
    @Injectable()
    class DependsOnRequest {
      constructor(@Inject(PerRequest) readonly perRequest: PerRequest) {}

      @Actor({ actorName: 'implicitly_request_scoped' })
      work(): void {}
    }
    await expect(boot([PerRequest])).rejects.toBeInstanceOf(ActorOnNonStaticProviderError);
    await expect(boot([PerRequest])).rejects.toThrow(/PerRequest\.run is on a request-scoped or transient provider/);
    await expect(boot([PerInjection])).rejects.toThrow(/PerInjection\.run/);
    await expect(boot([PerRequest, DependsOnRequest, EmailService])).rejects.toThrow(
      /PerRequest\.run, DependsOnRequest\.work are on a request-scoped/,
    );
    await expect(boot([PerRequest])).rejects.toMatchObject({ code: 'ACTOR_ON_NON_STATIC_PROVIDER' });
  });
});
