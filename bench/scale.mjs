#!/usr/bin/env node
// The `scale` workload: one worker for many queues (one actor each), both strategies.
//
//   node bench/scale.mjs [--queues 10,100,1000] [--strategies raw,shared,pooled] [--messages 20000]
//                        [--rounds 1] [--warmup 0] [--out FILE] [--lib worktree|head|dist]
//
// For each strategy and queue count N, in a fresh child process: start time of the worker (queues
// declared and consumed), connections and channels as RabbitMQ reports them, RSS after start and
// at the end, and the end-to-end rate of M messages spread round-robin over the N queues. Each
// many-queue row is compared with a one-queue run at the same total prefetch (the same total
// concurrency on one queue), measured in the same round: the target is >= 0.8x. `raw` (raw
// amqplib over the same queues) shows what RabbitMQ itself makes of the layout; ours is also
// reported against it at each N.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AMQP_URL, median, mb, now, waitFor } from './common.mjs';
import { buildLib, removeLib } from './build-lib.mjs';

const run = promisify(execFile);

/** Total concurrency of every run: per queue it is TOTAL / N, at least 1 (prefetch is twice that). */
const TOTAL_CONCURRENCY = 100;
const WINDOW = 1_000;

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

// ---------------------------------------------------------------------------------------------
// Child: one measurement.

async function child(config) {
  if (config.strategy === 'raw') return rawChild(config);
  const { loadLib } = await import('./lib.mjs');
  const { DramatiqBroker } = await loadLib('core');
  const { strategy, queues: n, messages, concurrency, name } = config;
  // Diagnostic only (the reported rows use defaults): BENCH_SCALE_OPTIONS='{"maxConsumersPerChannel":1}'.
  const extra = JSON.parse(process.env.BENCH_SCALE_OPTIONS ?? '{}');
  const broker = new DramatiqBroker({ strategy, url: AMQP_URL, connectionName: name, ...extra });
  const queues = [];
  let handled = 0;
  for (let i = 0; i < n; i++) {
    const queue = `${name}-${i}`;
    queues.push(queue);
    broker.registerActor(`scale_${i}`, () => void (handled += 1), { queueName: queue });
  }
  const rssBefore = process.memoryUsage().rss;
  const t0 = now();
  const worker = broker.createWorker({ queues, concurrency });
  await worker.start();
  const startMs = now() - t0;
  const rssStarted = process.memoryUsage().rss;
  const server = await serverCounts(name);
  let rssPeak = rssStarted;
  // process.memoryUsage.rss(), not memoryUsage(): the full call walks the heap (about 2 ms each
  // with 1,000 queues' worth of objects), which the profile showed taking 7 us per message.
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 100);

  let failed = 0;
  const { seconds, cpu } = await warmUpThenMeasure(
    config,
    (i) => broker.send(`scale_${i % n}`, { args: [] }).catch(() => void (failed += 1)),
    () => handled,
  );
  clearInterval(sampler);
  const tStop = now();
  await worker.stop();
  const stopMs = now() - tStop;
  for (let i = 0; i < queues.length; i += 50) {
    await Promise.all(queues.slice(i, i + 50).map((q) => broker.deleteQueue(q).catch(() => undefined)));
  }
  await broker.close();
  return {
    ok: failed === 0,
    failed,
    startMs,
    stopMs,
    connections: server.connections,
    channels: server.channels,
    rssBeforeMB: mb(rssBefore),
    rssStartedMB: mb(rssStarted),
    rssPeakMB: mb(rssPeak),
    rate: messages / seconds,
    cpuUsPerMsg: (cpu.user + cpu.system) / messages,
  };
}

/**
 * Sends `count` messages (`send(i)`, WINDOW in flight), then waits until `handledCount()` has grown
 * by `count`.
 */
async function pump(count, send, handledCount) {
  const target = handledCount() + count;
  let next = 0;
  const lane = async () => {
    while (next < count) await send(next++);
  };
  await Promise.all(Array.from({ length: Math.min(WINDOW, count) }, lane));
  await waitFor(() => handledCount() >= target, 300_000, 'all messages handled', 5);
}

/** `config.warmup` messages per queue first (not measured), then `config.messages`, timed. */
async function warmUpThenMeasure(config, send, handledCount) {
  await pump(config.warmup * config.queues, send, handledCount);
  const cpu0 = process.cpuUsage();
  const t1 = now();
  await pump(config.messages, send, handledCount);
  return { seconds: (now() - t1) / 1000, cpu: process.cpuUsage(cpu0) };
}

/**
 * Raw amqplib over the same queues, as the baseline of what RabbitMQ itself does with the layout:
 * one connection, a confirm channel publishing (persistent, mandatory, a confirm per message, the
 * same 1,000 in flight), and N consumers spread over up to 100 channels, each with prefetch 2 x
 * concurrency, an ack per message.
 */
async function rawChild(config) {
  const { default: amqplib } = await import('amqplib');
  const { queues: n, messages, concurrency, name } = config;
  const conn = await amqplib.connect(AMQP_URL, { clientProperties: { connection_name: name } });
  const pub = await conn.createConfirmChannel();
  const queues = Array.from({ length: n }, (_, i) => `${name}-${i}`);
  for (const q of queues) await pub.assertQueue(q, { durable: true });
  let handled = 0;
  const channels = [];
  for (let i = 0; i < Math.min(n, 100); i++) channels.push(await conn.createChannel());
  const rssBefore = process.memoryUsage().rss;
  const t0 = now();
  for (let i = 0; i < n; i++) {
    const ch = channels[i % channels.length];
    await ch.prefetch(2 * concurrency, false);
    await ch.consume(queues[i], (msg) => {
      if (!msg) return;
      JSON.parse(msg.content.toString());
      handled += 1;
      ch.ack(msg);
    });
  }
  const startMs = now() - t0;
  const server = await serverCounts(name);
  const body = (i) =>
    Buffer.from(JSON.stringify({ queue_name: queues[i % n], actor_name: `scale_${i % n}`, args: [], kwargs: {} }));
  // Diagnostic only: BENCH_SCALE_RAW_TRANSIENT=1 publishes non-persistent messages, which shows how
  // much of the many-queue slowdown is RabbitMQ persisting each queue's messages on its own.
  const persistent = process.env.BENCH_SCALE_RAW_TRANSIENT !== '1';
  const { seconds, cpu } = await warmUpThenMeasure(
    config,
    (i) =>
      new Promise((resolve, reject) =>
        pub.publish('', queues[i % n], body(i), { persistent, mandatory: true }, (err) =>
          err ? reject(err) : resolve(),
        ),
      ),
    () => handled,
  );
  const rss = process.memoryUsage().rss;
  for (const ch of channels) await ch.close();
  for (const q of queues) await pub.deleteQueue(q);
  await conn.close();
  return {
    ok: true,
    failed: 0,
    startMs,
    connections: server.connections,
    channels: server.channels,
    rssBeforeMB: mb(rssBefore),
    rssStartedMB: mb(rssBefore),
    rssPeakMB: mb(rss),
    rate: messages / seconds,
    cpuUsPerMsg: (cpu.user + cpu.system) / messages,
  };
}

/** Connections carrying `name` and their channels, as RabbitMQ reports them. */
async function serverCounts(name) {
  const ctl = process.env.RABBITMQCTL ?? '/usr/sbin/rabbitmqctl';
  const { stdout } = await run(ctl, ['-q', 'list_connections', 'channels', 'client_properties'], {
    maxBuffer: 64 << 20,
  });
  const mine = stdout.split('\n').filter((line) => line.includes(`"${name}"`));
  return {
    connections: mine.length,
    channels: mine.reduce((sum, line) => sum + Number(line.split('\t')[0]), 0),
  };
}

// ---------------------------------------------------------------------------------------------
// Orchestrator.

function runChild(config, libDir) {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_LIB_DIR: libDir ?? '', BENCH_LIB: libDir ? 'snapshot' : 'dist' },
    });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 600_000);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('SCALE_RESULT '));
      resolve(line ? JSON.parse(line.slice(13)) : { ok: false, error: `child exited ${code} without a result` });
    });
  });
}

async function main() {
  const queueCounts = arg('queues', '10,100,1000').split(',').map(Number);
  const strategies = arg('strategies', 'raw,shared,pooled').split(',');
  const messages = Number(arg('messages', '20000'));
  // Messages per queue sent and handled before the measured phase (not counted).
  const warmup = Number(arg('warmup', '0'));
  const rounds = Number(arg('rounds', '1'));
  const out = arg('out');
  const lib = arg('lib', 'worktree');
  const libDir = lib === 'dist' ? undefined : await buildLib(lib, `scale-${process.pid}`);
  const rows = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const strategy of strategies) {
        for (const n of queueCounts) {
          const concurrency = Math.max(1, Math.floor(TOTAL_CONCURRENCY / n));
          const totalConcurrency = concurrency * n;
          const tag = `scale-${strategy}-${n}-${Date.now().toString(36)}`;
          const many = await runChild({ strategy, queues: n, messages, concurrency, warmup, name: tag }, libDir);
          const one = await runChild(
            // The one queue gets as many warm-up messages in total as the N queues together.
            { strategy, queues: 1, messages, concurrency: totalConcurrency, warmup: warmup * n, name: `${tag}-one` },
            libDir,
          );
          const row = { round, strategy, queues: n, concurrency, totalPrefetch: 2 * totalConcurrency, many, one };
          row.ratio = many.rate / one.rate;
          rows.push(row);
          const f = (x, d = 0) => (typeof x === 'number' ? x.toFixed(d) : String(x));
          console.log(
            `[scale] ${strategy} ${n} queues: start ${f(many.startMs)} ms, ${many.connections} connection(s), ` +
              `${many.channels} channel(s), RSS ${f(many.rssStartedMB)} MB started / ${f(many.rssPeakMB)} MB peak, ` +
              `${f(many.rate)} msg/s vs one queue ${f(one.rate)} msg/s (same total prefetch ${row.totalPrefetch}): ` +
              `${f(row.ratio, 2)}x` +
              (many.ok && one.ok ? '' : ` FAILED: ${many.error ?? one.error ?? `${many.failed} sends failed`}`),
          );
        }
      }
    }
  } finally {
    if (libDir) removeLib(libDir);
  }
  const summary = {};
  for (const strategy of strategies) {
    for (const n of queueCounts) {
      const mine = rows.filter((r) => r.strategy === strategy && r.queues === n);
      summary[`${strategy}/${n}`] = {
        startMs: median(mine.map((r) => r.many.startMs)),
        connections: median(mine.map((r) => r.many.connections)),
        channels: median(mine.map((r) => r.many.channels)),
        rssPeakMB: median(mine.map((r) => r.many.rssPeakMB)),
        rate: median(mine.map((r) => r.many.rate)),
        ratioToOneQueue: median(mine.map((r) => r.ratio)),
      };
    }
  }
  console.table(summary);
  const cpu = execFileSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"]).toString().trim();
  if (out) writeFileSync(out, JSON.stringify({ cpu, messages, rounds, rows, summary }, null, 2));
  if (rows.some((r) => !r.many.ok || !r.one.ok)) process.exitCode = 1;
}

if (process.argv[2] === '--child') {
  child(JSON.parse(process.argv[3])).then(
    (result) => {
      process.stdout.write(`SCALE_RESULT ${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (err) => {
      process.stdout.write(`SCALE_RESULT ${JSON.stringify({ ok: false, error: String(err?.stack ?? err) })}\n`);
      process.exit(1);
    },
  );
} else {
  await main();
}
