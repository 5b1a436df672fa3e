import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, Injectable, type INestApplication, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import {
  BrokerModule,
  type BrokerModuleOptions,
  type BrokerOptionsFactory,
  ConnectionRefusedError,
  DramatiqBroker,
  InvalidBrokerOptionError,
} from '../../../lib/index.js';
import { BrokerHealthIndicator, BrokerHealthModule } from '../../../lib/health/index.js';
import { ensureConsumerConnection, ensureProducerConnection } from '../../../lib/testing/index.js';
import { serverConnectionsNamed, uniqueName } from '../../support/broker-fixtures.js';
import { freePort } from '../../support/ports.js';
import { waitFor } from '../../support/wait.js';

const apps: INestApplication[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

@Controller()
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly rabbit: BrokerHealthIndicator,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.rabbit.isHealthy('rabbitmq')]);
  }
}

async function httpApp(url: string, extra: Record<string, unknown> = {}) {
  @Module({
    imports: [
      BrokerModule.forRoot({ strategy: 'shared', url, retry: { maxRetries: 0 }, logger: quiet, ...extra }),
      BrokerHealthModule,
    ],
    controllers: [HealthController],
  })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
  apps.push(app);
  await app.listen(0, '127.0.0.1');
  return { app, base: await app.getUrl() };
}

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('BrokerModule.forRoot', () => {
  it.each(['shared', 'pooled'] as const)(
    '%s: provides a lazy broker and closes its connections on shutdown',
    async (strategy) => {
      const name = uniqueName(`nest-${strategy}`);
      const moduleRef = await Test.createTestingModule({
        imports: [BrokerModule.forRoot({ strategy, connectionName: name, logger: quiet })],
      }).compile();
      const app = moduleRef.createNestApplication();
      await app.init();
      const broker = app.get(DramatiqBroker);
      expect(broker.strategy).toBe(strategy);
      expect(broker.connections()).toEqual([]);
      await ensureConsumerConnection(broker);
      await ensureProducerConnection(broker);
      // A consumer connection stays open while a consumer runs on it (one held here).
      await broker.acquire('consumer');
      expect((await serverConnectionsNamed(name)).length).toBe(strategy === 'shared' ? 1 : 2);
      await app.close();
      await waitFor(async () => (await serverConnectionsNamed(name)).length === 0, {
        timeoutMs: 10_000,
        message: 'connections closed on shutdown',
      });
    },
  );

  it('fails at startup with an error that names a bad option', async () => {
    const build = Test.createTestingModule({
      imports: [BrokerModule.forRoot({ strategy: 'clustered' as never })],
    }).compile();
    await expect(build).rejects.toBeInstanceOf(InvalidBrokerOptionError);
    await expect(
      Test.createTestingModule({ imports: [BrokerModule.forRoot({ strategy: 'shared', heartbeat: -5 })] }).compile(),
    ).rejects.toThrow(/"heartbeat": expected an integer from 0 to 65535, received -5/);
  });

  it('connectOnStartup opens the connection during init, and init fails when RabbitMQ is unreachable', async () => {
    const name = uniqueName('eager');
    const moduleRef = await Test.createTestingModule({
      imports: [
        BrokerModule.forRoot({ strategy: 'shared', connectionName: name, connectOnStartup: true, logger: quiet }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication();
    apps.push(app);
    await app.init();
    expect(await serverConnectionsNamed(name)).toHaveLength(1);

    const port = await freePort();
    const failing = (
      await Test.createTestingModule({
        imports: [
          BrokerModule.forRoot({
            strategy: 'shared',
            url: `amqp://127.0.0.1:${port}`,
            connectOnStartup: true,
            retry: { maxRetries: 1, intervalStart: 10 },
            logger: quiet,
          }),
        ],
      }).compile()
    ).createNestApplication();
    await expect(failing.init()).rejects.toBeInstanceOf(ConnectionRefusedError);
    await failing.close();
  });
});

describe('BrokerModule.forRootAsync', () => {
  it('takes its options from @nestjs/config', async () => {
    const name = uniqueName('async');
    @Injectable()
    class Marker {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        BrokerModule.forRootAsync({
          imports: [
            ConfigModule.forRoot({
              ignoreEnvFile: true,
              load: [() => ({ AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', AMQP_NAME: name })],
            }),
          ],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            strategy: 'pooled',
            url: config.getOrThrow<string>('AMQP_URL'),
            connectionName: config.getOrThrow<string>('AMQP_NAME'),
            logger: quiet,
          }),
        }),
      ],
      providers: [Marker],
    }).compile();
    const app = moduleRef.createNestApplication();
    apps.push(app);
    await app.init();
    await ensureProducerConnection(app.get(DramatiqBroker));
    expect(await serverConnectionsNamed(name)).toHaveLength(1);
  });

  it('rejects bad options coming from a factory too', async () => {
    await expect(
      Test.createTestingModule({
        imports: [
          BrokerModule.forRootAsync({ useFactory: async () => ({ strategy: 'shared' as const, url: 'http://nope' }) }),
        ],
      }).compile(),
    ).rejects.toThrow(/Invalid broker option "url"/);
  });

  it('takes its options from a factory class (useClass) or an existing provider (useExisting)', async () => {
    const names = [uniqueName('use-class'), uniqueName('use-existing')];
    @Injectable()
    class OptionsFromClass implements BrokerOptionsFactory {
      createBrokerOptions(): BrokerModuleOptions {
        return { strategy: 'shared', connectionName: names[0], logger: quiet, worker: false };
      }
    }
    @Injectable()
    class ExistingOptions implements BrokerOptionsFactory {
      async createBrokerOptions(): Promise<BrokerModuleOptions> {
        return { strategy: 'shared', connectionName: names[1], logger: quiet, worker: false };
      }
    }
    @Module({ providers: [ExistingOptions], exports: [ExistingOptions] })
    class OptionsModule {}
    for (const [index, root] of [
      BrokerModule.forRootAsync({ useClass: OptionsFromClass }),
      BrokerModule.forRootAsync({ imports: [OptionsModule], useExisting: ExistingOptions }),
    ].entries()) {
      const moduleRef = await Test.createTestingModule({ imports: [root] }).compile();
      const app = moduleRef.createNestApplication();
      apps.push(app);
      await app.init();
      await ensureProducerConnection(app.get(DramatiqBroker));
      expect(await serverConnectionsNamed(names[index]!)).toHaveLength(1);
    }
  });

  it('says what is missing when given no useFactory, useClass or useExisting', () => {
    expect(() => BrokerModule.forRootAsync({})).toThrow(
      'BrokerModule.forRootAsync needs one of useFactory, useClass or useExisting.',
    );
  });

  it('is global by default and local with isGlobal: false, which is not passed on as a broker option', () => {
    expect(BrokerModule.forRoot({ strategy: 'shared' }).global).toBe(true);
    expect(BrokerModule.forRoot({ strategy: 'shared', isGlobal: false }).global).toBe(false);
    expect(
      BrokerModule.forRootAsync({ useFactory: () => ({ strategy: 'shared' as const }), isGlobal: false }).global,
    ).toBe(false);
    const [optionsProvider] = BrokerModule.forRoot({ strategy: 'shared', isGlobal: false }).providers as Array<{
      useValue?: object;
    }>;
    expect(optionsProvider?.useValue).toEqual({ strategy: 'shared' });
  });
});

describe('/health through Terminus', () => {
  it('answers 200 with RabbitMQ up, from the existing connection', async () => {
    const { app, base } = await httpApp('amqp://guest:guest@127.0.0.1:5672', { connectOnStartup: true });
    const res = await fetch(`${base}/health`);
    const body = (await res.json()) as { status: string; info: Record<string, { status: string }> };
    expect(res.status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.info.rabbitmq.status).toBe('up');
    // Probing opens nothing new.
    const before = app.get(DramatiqBroker).connections().length;
    await Promise.all(Array.from({ length: 10 }, () => fetch(`${base}/health`)));
    expect(app.get(DramatiqBroker).connections()).toHaveLength(before);
  });

  it('answers 503 with the reason, and no password, when the broker cannot connect', async () => {
    const port = await freePort();
    const { app, base } = await httpApp(`amqp://app:pa55word-xyz@127.0.0.1:${port}`);
    await expect(ensureConsumerConnection(app.get(DramatiqBroker))).rejects.toBeInstanceOf(ConnectionRefusedError);
    const res = await fetch(`${base}/health`);
    const text = await res.text();
    expect(res.status).toBe(503);
    expect(JSON.parse(text).error.rabbitmq.status).toBe('down');
    expect(text).toMatch(/refused the connection/);
    expect(text).not.toContain('pa55word-xyz');
  });
});
