/**
 * A NestJS worker application for scenario 6 (graceful shutdown). Plain JavaScript that imports
 * the package by its name, as an application does; decorators are applied by hand (no
 * TypeScript here). Configured by environment variables:
 *   AMQP_URL, QUEUE, STRATEGY, CONCURRENCY, SLEEP_MS, SHUTDOWN_TIMEOUT, OUT_FILE,
 *   COOPERATIVE=1 (the actor stops when its AbortSignal fires, as the docs recommend)
 * Writes to OUT_FILE (synchronously, so nothing is lost when the process ends):
 *   "start <message_id> <n> <ms>" when an actor run begins, "done <message_id> <n> <ms>" when it ends.
 * Prints READY once the worker consumes; the broker's log lines go to stdout as "LOG|WARN|ERROR ...".
 * Stops gracefully on SIGTERM (app.enableShutdownHooks()).
 */
import 'reflect-metadata';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Actor, BrokerModule, CurrentMessage, defaultMiddleware } from 'nestjs-dramatiq-broker';

const env = process.env;
const OUT = env.OUT_FILE;
const SLEEP_MS = Number(env.SLEEP_MS ?? 50);
const COOPERATIVE = env.COOPERATIVE === '1';

let unhandled = 0;
process.on('unhandledRejection', (reason) => {
  unhandled += 1;
  console.log(`ERROR unhandledRejection: ${reason instanceof Error ? reason.stack : String(reason)}`);
});

const logger = {
  log: (m) => console.log(`LOG ${m}`),
  warn: (m) => console.log(`WARN ${m}`),
  error: (m) => console.log(`ERROR ${m}`),
};

class Tasks {
  async rel_slow(n) {
    const id = CurrentMessage.get()?.message_id ?? 'unknown';
    fs.appendFileSync(OUT, `start ${id} ${n} ${Date.now()}\n`);
    if (COOPERATIVE) {
      await sleep(SLEEP_MS, undefined, { signal: CurrentMessage.signal() });
    } else {
      await sleep(SLEEP_MS);
    }
    fs.appendFileSync(OUT, `done ${id} ${n} ${Date.now()}\n`);
  }
}
Injectable()(Tasks);
Actor({ queueName: env.QUEUE })(
  Tasks.prototype,
  'rel_slow',
  Object.getOwnPropertyDescriptor(Tasks.prototype, 'rel_slow'),
);

class ShutdownReporter {
  beforeApplicationShutdown(signal) {
    console.log(`SHUTDOWN-BEGIN ${signal} ${Date.now()}`);
  }
  onApplicationShutdown(signal) {
    console.log(
      `SHUTDOWN-END ${signal} ${Date.now()} unhandled=${unhandled} rss=${Math.round(process.memoryUsage().rss / 1048576)}`,
    );
  }
}
Injectable()(ShutdownReporter);

class AppModule {}
Module({
  imports: [
    BrokerModule.forRoot({
      strategy: env.STRATEGY ?? 'shared',
      url: env.AMQP_URL,
      heartbeat: 5,
      retry: { maxRetries: 10, intervalStart: 200, intervalStep: 200, intervalMax: 1000 },
      logger,
      middleware: [...defaultMiddleware({ retries: { minBackoff: 200, maxBackoff: 1000 } }), new CurrentMessage()],
      worker: { concurrency: Number(env.CONCURRENCY ?? 8), shutdownTimeout: Number(env.SHUTDOWN_TIMEOUT ?? 10000) },
    }),
  ],
  providers: [Tasks, ShutdownReporter],
})(AppModule);

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
app.enableShutdownHooks();
await app.init();
console.log(`READY ${Date.now()} rss=${Math.round(process.memoryUsage().rss / 1048576)}`);
