// Ours through the Nest module: BrokerModule.forRoot, an @Actor() provider method, TaskQueue.sendTo.
// Plain JS, so decorators are applied as functions (what TypeScript's emit does).
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadLib } from '../lib.mjs';
import { AMQP_URL } from '../common.mjs';

const { BrokerModule, Actor, TaskQueue, DramatiqBroker } = await loadLib('root');

export function info({ strategy }) {
  return { system: `ours nest (${strategy})`, note: 'BrokerModule.forRoot + @Actor + TaskQueue.sendTo' };
}

export async function create({ queue, concurrency, consume, onMessage, strategy }) {
  class BenchActors {
    noop(payload) {
      onMessage(payload);
    }
  }
  Injectable()(BenchActors);
  Actor({ queueName: queue, actorName: 'bench_noop' })(
    BenchActors.prototype,
    'noop',
    Object.getOwnPropertyDescriptor(BenchActors.prototype, 'noop'),
  );
  class BenchModule {}
  Module({
    imports: [BrokerModule.forRoot({ strategy, url: AMQP_URL, worker: consume ? { concurrency } : false })],
    providers: [BenchActors],
  })(BenchModule);

  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  const tasks = app.get(TaskQueue);
  const broker = app.get(DramatiqBroker);
  if (!consume) await broker.declareQueue(queue);
  return {
    send: (payload) => tasks.sendTo('bench_noop', { args: [payload], queueName: queue }),
    async close() {
      await app.close();
    },
    async cleanup() {
      const admin = new DramatiqBroker({ strategy, url: AMQP_URL });
      await admin.deleteQueue(queue).catch(() => undefined);
      await admin.close();
    },
  };
}
