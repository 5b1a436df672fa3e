// Ours, through the framework-free core (nestjs-dramatiq-broker/core, so no NestJS is loaded):
// DramatiqBroker.send + a worker with a no-op actor.
import { loadLib } from '../lib.mjs';
import { AMQP_URL, REDIS, quietLogger } from '../common.mjs';
import { installTracingSdk } from '../otel-sdk.mjs';

const {
  CurrentMessage,
  DramatiqBroker,
  MemoryResultBackend,
  RedisResultBackend,
  defaultMiddleware,
  enablePrometheus,
  enableTracing,
} = await loadLib('core');

/**
 * Diagnostic variants (e.g. shared@maxProducerChannels=1000, shared@middleware=none): broker
 * options as given, except `middleware`: 'none' (an empty stack), 'with-CurrentMessage' (the
 * default stack plus the opt-in CurrentMessage) or 'without-X/Y' (the default stack minus the
 * middleware named X and Y, e.g. without-TimeLimit), and `concurrency`, which goes to the worker
 * (its prefetch is twice that) instead of the benchmark's common setting.
 */
const REDIS_URL = `redis://${REDIS.host}:${REDIS.port}`;

/**
 * The Redis backend, remembering the keys it wrote so cleanup() can remove them: each run then
 * starts with the same Redis (BullMQ's adapter obliterates its queue, return values included),
 * instead of one with every earlier round's results still held for their 10-minute TTL.
 */
class KeyRecordingBackend extends RedisResultBackend {
  written = [];
  store(key, document, ttlMs) {
    this.written.push(key);
    return super.store(key, document, ttlMs);
  }
}

/** Best effort, after the measurement: a Redis error here must not discard the run's figures. */
async function removeKeys(keys) {
  if (keys.length === 0) return;
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    for (let i = 0; i < keys.length; i += 5_000) await redis.unlink(...keys.slice(i, i + 5_000));
  } catch (err) {
    process.stderr.write(`[bench] could not remove the result keys: ${err.message}\n`);
  } finally {
    redis.disconnect();
  }
}

function brokerOptionsFrom(variantOptions) {
  const { middleware, concurrency: _worker, results, observability: _observability, ...rest } = variantOptions;
  // results=redis: every result stored in Redis (Results middleware, 10-minute TTL), as a caller
  // that reads results back would run it; compared with BullMQ keeping its return values.
  if (results === 'redis') {
    rest.results = { backend: new KeyRecordingBackend({ url: REDIS_URL }), storeResults: true };
  } else if (results === 'memory') {
    // Diagnostic: the Results middleware's own cost, with a backend that keeps results in memory.
    rest.results = { backend: new MemoryResultBackend(), storeResults: true };
  } else if (results !== undefined) throw new Error(`results variant must be redis or memory; got ${results}`);
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

/**
 * `observability=on`: Prometheus metrics (a registry of their own) and OpenTelemetry tracing with
 * a real SDK (bench/otel-sdk.mjs: every span recorded, the exporter drops them): what an
 * instrumented app pays, minus the network.
 * `observability=tracing`: the same tracing without metrics (compare with raw@tracing=sdk).
 * `observability=api`: tracing enabled but no SDK registered (the API's no-op path), no metrics.
 * `observability=metrics`: Prometheus metrics only.
 */
async function observe(broker, mode) {
  if (!['on', 'tracing', 'api', 'metrics'].includes(mode))
    throw new Error(`observability variant must be on, tracing, api or metrics; got ${mode}`);
  if (mode === 'on' || mode === 'metrics') {
    const { Registry } = await import('prom-client');
    await enablePrometheus(broker, { registry: new Registry() });
  }
  if (mode === 'on' || mode === 'tracing') await installTracingSdk();
  if (mode !== 'metrics') await enableTracing(broker);
}

export function info({ strategy }) {
  return { system: `ours (${strategy})`, note: 'core DramatiqBroker, default middleware' };
}

export async function create({ queue, concurrency, consume, onMessage, strategy, variantOptions = {} }) {
  // Diagnostic variants only; the reported systems use defaults.
  const options = brokerOptionsFrom(variantOptions);
  const broker = new DramatiqBroker({
    strategy,
    url: AMQP_URL,
    // The library's default logger unless BENCH_VERBOSE (the default is what users get).
    ...(process.env.BENCH_VERBOSE ? { logger: quietLogger } : {}),
    ...options,
  });
  if (variantOptions.observability !== undefined) await observe(broker, String(variantOptions.observability));
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
      await removeKeys(options.results?.backend.written ?? []);
      const admin = new DramatiqBroker({ strategy, url: AMQP_URL });
      await admin.deleteQueue(queue).catch(() => undefined);
      await admin.close();
    },
  };
}
