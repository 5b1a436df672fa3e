// CPU per send and per run with observability pieces switched on one by one, against RabbitMQ:
// which part costs what. Each variant in its own process (an AsyncLocalStorage, once used, keeps
// Node's promise hooks on).
//   node bench/micro/observability.mjs [--lib DIR] [--n 20000] [--rounds 3]
// DIR: a compiled ESM build of lib/ (default: dist/esm).
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    lib: { type: 'string', default: resolve(root, 'dist', 'esm') },
    n: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    variant: { type: 'string' },
    variants: { type: 'string', default: 'off,sdk-only,metrics,tracing,metrics+tracing' },
  },
});
const N = Number(values.n);

if (values.variant) {
  const result = await measure(values.variant);
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

const variants = values.variants.split(',');
const rows = Object.fromEntries(variants.map((v) => [v, []]));
for (let r = 0; r < Number(values.rounds); r++) {
  for (const v of [...variants.slice(r % variants.length), ...variants.slice(0, r % variants.length)]) {
    const out = execFileSync(
      process.execPath,
      [fileURLToPath(import.meta.url), '--lib', values.lib, '--n', String(N), '--variant', v],
      { encoding: 'utf8' },
    );
    rows[v].push(JSON.parse(out));
    process.stderr.write(`round ${r + 1} ${v}: ${out}`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = rows[variants[0]];
console.log('| variant | e2e CPU µs/msg | ratio to first |');
console.log('|---|---|---|');
for (const v of variants) {
  const cpu = median(rows[v].map((x) => x.cpuUsPerMsg));
  console.log(`| ${v} | ${cpu.toFixed(1)} | ${(cpu / median(base.map((x) => x.cpuUsPerMsg))).toFixed(2)} |`);
}

async function measure(variant) {
  const core = await import(pathToFileURL(join(resolve(values.lib), 'core', 'index.js')).href);
  const broker = new core.DramatiqBroker({ strategy: 'shared', url: 'amqp://guest:guest@127.0.0.1:5672' });
  const parts = new Set(variant.split('+'));
  if (variant !== 'off') {
    const { context, propagation, trace } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
    const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
    const dropAll = { export: (_s, done) => done({ code: 0 }), shutdown: async () => undefined };
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropAll)] }));
  }
  if (parts.has('metrics')) {
    const { Registry } = await import('prom-client');
    await core.enablePrometheus(broker, { registry: new Registry() });
  }
  if (parts.has('tracing')) await core.enableTracing(broker);
  const queue = `obs-micro-${process.pid}`;
  let seen = 0;
  let done;
  const finished = new Promise((r) => (done = r));
  broker.registerActor(
    'noop',
    () => {
      if (++seen === N) done();
    },
    { queueName: queue },
  );
  await broker.declareQueue(queue);
  await broker.flush(queue);
  const worker = broker.createWorker({ concurrency: 50, queues: [queue] });
  await worker.start();
  const payload = { pad: 'x'.repeat(1000) };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < N) {
      next++;
      await broker.send('noop', { args: [payload], queueName: queue });
    }
  };
  await Promise.all(Array.from({ length: 1000 }, lane));
  await finished;
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  await worker.stop();
  await broker.deleteQueue(queue).catch(() => undefined);
  await broker.close();
  return { variant, rate: Math.round((N / ms) * 1000), cpuUsPerMsg: (cpu.user + cpu.system) / N };
}
