import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { type SampleConfig, sampleConfig } from './sample.config.js';

async function bootstrap(): Promise<void> {
  const port = Number(process.env.PORT?.trim() || 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`PORT must be an integer from 0 to 65535 (got "${process.env.PORT}")`);
  }
  const host = process.env.HOST || undefined; // default: every interface
  // LOG_DEBUG=1 adds the debug lines (the worker's own "Received ... from <queue>", among others).
  const debug = ['1', 'true', 'yes'].includes(String(process.env.LOG_DEBUG).toLowerCase());
  const app = await NestFactory.create(AppModule, {
    logger: debug ? ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] : ['fatal', 'error', 'warn', 'log'],
    // A start-up error (bad configuration, RabbitMQ unreachable) rejects here instead of aborting the process.
    abortOnError: false,
  });
  // SIGTERM / SIGINT: the worker stops taking messages, lets running ones finish (up to its
  // shutdownTimeout), then the connections close.
  app.enableShutdownHooks();
  if (host) await app.listen(port, host);
  else await app.listen(port);
  const { role, queueName, strategy } = app.get<SampleConfig>(sampleConfig.KEY);
  new Logger('SampleApp').log(
    `Listening on ${(await app.getUrl()).replace('[::1]', 'localhost')} (role "${role}", queue "${queueName}", strategy "${strategy}")`,
  );
}

bootstrap().catch((err: unknown) => {
  new Logger('SampleApp').error(`Could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
