// BullMQ through @nestjs/bullmq on Redis: Queue.add (removeOnComplete) + a WorkerHost processor.
// Not AMQP: "confirmed" means Redis accepted the job (no fsync per job with Redis' default config).
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BullModule, Processor, WorkerHost, getQueueToken } from '@nestjs/bullmq';
import { REDIS } from '../common.mjs';

export const info = { system: 'BullMQ (@nestjs/bullmq)', note: 'Queue.add + WorkerHost, Redis 127.0.0.1' };

// keepResults=true: the processor returns a value and completed jobs (with their return values)
// are kept 10 minutes, as our results=redis variant keeps results; the default removes them.
export async function create({ queue, concurrency, consume, onMessage, variantOptions = {} }) {
  const keepResults = variantOptions.keepResults === true;
  const providers = [];
  if (consume) {
    class BenchProcessor extends WorkerHost {
      async process(job) {
        onMessage(job.data);
        return keepResults ? job.data.i : undefined;
      }
    }
    Processor({ name: queue, concurrency })(BenchProcessor);
    providers.push(BenchProcessor);
  }
  class BenchModule {}
  Module({
    imports: [
      BullModule.forRoot({ connection: { ...REDIS, maxRetriesPerRequest: null } }),
      BullModule.registerQueue({ name: queue }),
    ],
    providers,
  })(BenchModule);
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  const q = app.get(getQueueToken(queue));
  await q.waitUntilReady();
  if (consume) await app.get(providers[0]).worker.waitUntilReady();
  const jobOptions = { removeOnComplete: keepResults ? { age: 600 } : true, removeOnFail: true };
  return {
    send: (payload) => q.add('bench', payload, jobOptions),
    async close() {
      await app.close();
    },
    async cleanup() {
      const { Queue } = await import('bullmq');
      const c = new Queue(queue, { connection: { ...REDIS } });
      await c.obliterate({ force: true }).catch(() => undefined);
      await c.close();
    },
  };
}
