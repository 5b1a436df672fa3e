import { Module, ValidationPipe } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import {
  BrokerModule,
  type BrokerModuleOptions,
  CurrentMessage,
  defaultMiddleware,
  MessageLogging,
  RedisResultBackend,
} from 'nestjs-dramatiq-broker';
import { DramatiqDashboardModule } from 'nestjs-dramatiq-broker/dashboard';
import { BrokerHealthModule } from 'nestjs-dramatiq-broker/health';
import { BrokerErrorFilter } from './broker-error.filter.js';
import { HealthController } from './health/health.controller.js';
import { QueuesController } from './queues/queues.controller.js';
import { sampleConfig } from './sample.config.js';
import { ShutdownLogger } from './shutdown.logger.js';
import { TasksController } from './tasks/tasks.controller.js';
import { TasksService } from './tasks/tasks.service.js';

/** Broker options from the sample's environment (see sample.config.ts). */
export function brokerOptions(config: ConfigType<typeof sampleConfig>): BrokerModuleOptions {
  return {
    strategy: config.strategy,
    url: config.amqpUrl,
    connectionName: `nestjs-dramatiq-sample (${config.role})`,
    defaultQueueName: config.queueName,
    // Open the connection during start-up, so /health is meaningful at once (and a wrong
    // AMQP_URL stops the start instead of failing the first request).
    connectOnStartup: true,
    // Dramatiq's default middleware with fast retries (0.5 s, 1 s, 2 s, ... capped at 5 s;
    // each jittered into [half, full]) so they are easy to watch, plus a log line per message,
    // plus CurrentMessage (opt-in): the actors read their message and abort signal.
    middleware: [
      ...defaultMiddleware({ retries: { minBackoff: 500, maxBackoff: 5_000 } }),
      new CurrentMessage(),
      new MessageLogging(),
    ],
    // Results of actors with storeResults (POST /tasks/add) go to Redis, where GET
    // /tasks/add/:id/result reads them, as would a Python process with Dramatiq's RedisBackend.
    // The backend's connections are closed with the application.
    results: { backend: new RedisResultBackend({ url: config.redisUrl }) },
    // Dramatiq's Prometheus metrics (and ours) at GET /metrics (needs prom-client).
    metrics: { path: '/metrics' },
    // ROLE=api only sends; ROLE=all and ROLE=worker consume the actors' queue.
    worker: config.role === 'api' ? false : { concurrency: config.concurrency, shutdownTimeout: 10_000 },
  };
}

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, load: [sampleConfig] }),
    BrokerModule.forRootAsync({ inject: [sampleConfig.KEY], useFactory: brokerOptions }),
    // BrokerHealthIndicator + Terminus' HealthCheckService for GET /health.
    BrokerHealthModule,
    // The dashboard at /dramatiq, in development only: without a guard it is open to anyone who
    // reaches the app. A deployed application passes `guard` (its own authentication) instead.
    ...(process.env.NODE_ENV === 'production' ? [] : [DramatiqDashboardModule.forRoot({ localDevelopment: true })]),
  ],
  controllers: [TasksController, QueuesController, HealthController],
  providers: [
    TasksService,
    ShutdownLogger,
    {
      provide: APP_PIPE,
      useValue: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
    },
    { provide: APP_FILTER, useClass: BrokerErrorFilter },
  ],
})
export class AppModule {}
