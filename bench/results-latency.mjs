// Blocking getResult on the Redis backend: connections used by many concurrent waiters, and
// latency. Not part of run.mjs; run after `npm run build`:
//   BENCH_LIB=dist node bench/results-latency.mjs [--waiters 1000] [--rate 500] [--e2e 2000]
// Needs RabbitMQ on 127.0.0.1:5672 and Redis on 127.0.0.1:6379. Every loop is bounded by a count.
//
//  1. wake: W waiters block on W distinct results; the results are then written as Python
//     Dramatiq writes them (DEL + LPUSH + PEXPIRE in one MULTI) at a fixed rate, one by one;
//     latency = waiter resolved - the write was sent. Connections counted with CLIENT LIST.
//  2. e2e: N sends to an actor that stores its result, each awaited with getResult({ block }),
//     50 at a time; latency = getResult resolved - send called.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { loadLib } from './lib.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const WAITERS = arg('waiters', 1_000);
const RATE = arg('rate', 500);
const E2E = arg('e2e', 2_000);
const E2E_CONCURRENCY = 50;

const { DramatiqBroker, RedisResultBackend, resultKey } = await loadLib('core');
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const summary = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: +pct(s, 50).toFixed(2),
    p90: +pct(s, 90).toFixed(2),
    p99: +pct(s, 99).toFixed(2),
    max: +s[s.length - 1].toFixed(2),
  };
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const redis = new Redis('redis://127.0.0.1:6379');
const name = `bench-results-${process.pid}`;
const backend = new RedisResultBackend({ connectionName: name });
const broker = new DramatiqBroker({ strategy: 'shared', results: { backend } });

// --- 1. wake --------------------------------------------------------------------------------
const refs = Array.from({ length: WAITERS }, () => ({
  queue_name: 'bench',
  actor_name: 'a',
  message_id: randomUUID(),
}));
const sentAt = new Array(WAITERS);
const wake = [];
const waits = refs.map((ref, i) =>
  broker.getResult(ref, { block: true, timeout: 60_000 }).then(() => wake.push(performance.now() - sentAt[i])),
);
for (let i = 0; i < 50 && (await clients()) < 3; i++) await sleep(100);
await sleep(500);
const connections = await clients();
const started = performance.now();
for (let i = 0; i < WAITERS; i++) {
  const due = started + (i * 1000) / RATE;
  const now = performance.now();
  if (due > now) await sleep(due - now);
  sentAt[i] = performance.now();
  const key = resultKey(refs[i]);
  redis.multi().del(key).lpush(key, String(i)).pexpire(key, 60_000).exec();
}
await Promise.all(waits);
await redis.del(...refs.map((r) => resultKey(r)));

// --- 2. e2e ---------------------------------------------------------------------------------
const queue = `bench-results-${process.pid}`;
broker.registerActor('add', (a, b) => a + b, { queueName: queue, storeResults: true });
const worker = broker.createWorker({ concurrency: 50 });
await worker.start();
const e2e = [];
let next = 0;
async function lane() {
  while (next < E2E) {
    const i = next++;
    const t0 = performance.now();
    const message = await broker.send('add', { args: [i, 1] });
    const value = await broker.getResult(message, { block: true, timeout: 30_000 });
    if (value !== i + 1) throw new Error(`wrong result ${value} for ${i}`);
    e2e.push(performance.now() - t0);
  }
}
const e2eStart = performance.now();
await Promise.all(Array.from({ length: E2E_CONCURRENCY }, lane));
const e2eSeconds = (performance.now() - e2eStart) / 1000;
await worker.stop();
await broker.deleteAll();
await broker.close();
redis.disconnect();

console.log(
  JSON.stringify(
    {
      waiters: WAITERS,
      redisConnectionsForAllWaiters: connections,
      wakeLatencyMs: summary(wake),
      writeRate: RATE,
      e2e: {
        messages: E2E,
        concurrency: E2E_CONCURRENCY,
        perSecond: Math.round(E2E / e2eSeconds),
        latencyMs: summary(e2e),
      },
    },
    null,
    2,
  ),
);

async function clients() {
  const list = await redis.client('LIST');
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}
