// Ours, through the framework-free core (nestjs-dramatiq-broker/core, so no NestJS is loaded):
// DramatiqBroker.send + a worker with a no-op actor.
import { loadLib } from '../lib.mjs';
import { AMQP_URL, REDIS, quietLogger } from '../common.mjs';

const { CurrentMessage, DramatiqBroker, RedisResultBackend, defaultMiddleware } = await loadLib('core');

/**
 * Diagnostic variants (e.g. shared@maxProducerChannels=1000, shared@middleware=none): broker
 * options as given, except `middleware`: 'none' (an empty stack), 'with-CurrentMessage' (the
 * default stack plus the opt-in CurrentMessage) or 'without-X/Y' (the default stack minus the
 * middleware named X and Y, e.g. without-TimeLimit), and `concurrency`, which goes to the worker
 * (its prefetch is twice that) instead of the benchmark's common setting.
 */
function brokerOptionsFrom(variantOptions) {
  const { middleware, concurrency: _worker, results, ...rest } = variantOptions;
  // results=redis: every result stored in Redis (Results middleware, 10-minute TTL), as a caller
  // that reads results back would run it; compared with BullMQ keeping its return values.
  if (results === 'redis') {
    rest.results = {
      backend: new RedisResultBackend({ url: `redis://${REDIS.host}:${REDIS.port}` }),
      storeResults: true,
    };
  } else if (results !== undefined) throw new Error(`results variant must be redis; got ${results}`);
  if (middleware === undefined) return rest;
  if (middleware === 'none') return { ...rest, middleware: [] };
  if (middleware === 'with-CurrentMessage')
    return { ...rest, middleware: [...defaultMiddleware(), new CurrentMessage()] };
  const m = /^without-(.+)$/.exec(String(middleware));
  if (!m)
    throw new Error(`middleware variant must be none, with-CurrentMessage or without-Name1/Name2; got ${middleware}`);
  const drop = new Set(m[1].split('/'));
  return { ...rest, middleware: defaultMiddleware().filter((mw) => !drop.has(mw.name)) };
}

export function info({ strategy }) {
  return { system: `ours (${strategy})`, note: 'core DramatiqBroker, default middleware' };
}

export async function create({ queue, concurrency, consume, onMessage, strategy, variantOptions = {} }) {
  const broker = new DramatiqBroker({
    strategy,
    url: AMQP_URL,
    // The library's default logger unless BENCH_VERBOSE (the default is what users get).
    ...(process.env.BENCH_VERBOSE ? { logger: quietLogger } : {}),
    // Diagnostic variants only; the reported systems use defaults.
    ...brokerOptionsFrom(variantOptions),
  });
  // With results stored, the actor returns something to store (the payload's index).
  const actor = variantOptions.results
    ? (payload) => {
        onMessage(payload);
        return payload.i;
      }
    : (payload) => void onMessage(payload);
  broker.registerActor('bench_noop', actor, { queueName: queue });
  let worker;
  if (consume) {
    worker = broker.createWorker({ concurrency: variantOptions.concurrency ?? concurrency, queues: [queue] });
    await worker.start();
  } else {
    await broker.declareQueue(queue);
  }
  return {
    send: (payload) => broker.send('bench_noop', { args: [payload], queueName: queue }),
    stats: () => worker?.stats(),
    async close() {
      await worker?.stop();
      await broker.close();
    },
    async cleanup() {
      const admin = new DramatiqBroker({ strategy, url: AMQP_URL });
      await admin.deleteQueue(queue).catch(() => undefined);
      await admin.close();
    },
  };
}
