// One measurement in a fresh process: node [--expose-gc] bench/child.mjs '<json config>'.
// Prints one line `BENCH_RESULT {...}` on stdout; everything else goes to stderr.
// Every loop is bounded by a message count, and the whole process by config.timeoutMs.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { now, sleep, sendWindowed, waitFor, percentile, mb, makePayload, PAYLOAD_BYTES } from './common.mjs';

const config = JSON.parse(process.argv[2] ?? '{}');
const { system, workload, queue } = config;

const ADAPTERS = {
  raw: ['./adapters/raw.mjs'],
  shared: ['./adapters/ours.mjs', { strategy: 'shared' }],
  pooled: ['./adapters/ours.mjs', { strategy: 'pooled' }],
  'nest-shared': ['./adapters/ours-nest.mjs', { strategy: 'shared' }],
  'nest-pooled': ['./adapters/ours-nest.mjs', { strategy: 'pooled' }],
  golevelup: ['./peers/golevelup/adapter.mjs'],
  microservices: ['./adapters/microservices.mjs'],
  bullmq: ['./adapters/bullmq.mjs'],
};

function emit(result) {
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ system, workload, pid: process.pid, ...result })}\n`);
}

const watchdog = setTimeout(() => {
  emit({ ok: false, error: `child watchdog: no result after ${config.timeoutMs} ms` });
  process.exit(3);
}, config.timeoutMs ?? 120_000);
watchdog.unref();

/** Resolves with fn()'s value, or undefined after ms (never hangs the child). */
async function bounded(fn, ms, what) {
  let timer;
  const out = await Promise.race([
    Promise.resolve().then(fn),
    new Promise((resolve) => {
      timer = setTimeout(() => {
        process.stderr.write(`[child] ${what} did not finish in ${ms} ms\n`);
        resolve(undefined);
      }, ms);
    }),
  ]);
  clearTimeout(timer);
  return out;
}

async function main() {
  // A variant: "shared@maxProducerChannels=1000+confirmTimeout=10000" passes options to the adapter.
  const [base, variant] = system.split('@');
  const entry = ADAPTERS[base];
  if (!entry) throw new Error(`unknown system ${base}`);
  const [path, fixed = {}] = entry;
  const variantOptions = Object.fromEntries(
    (variant ? variant.split('+') : []).map((kv) => {
      const [k, v] = kv.split('=');
      if (v === 'true' || v === 'false') return [k, v === 'true'];
      return [k, v !== undefined && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v];
    }),
  );
  const extra = { ...fixed, variantOptions };
  const mod = await import(path);
  const meta = { ...(typeof mod.info === 'function' ? mod.info(extra) : mod.info) };
  if (variant) meta.system += ` @${variant}`;

  let handled = 0;
  let recording = false;
  let recorded = 0;
  const latencies = workload === 'latency' ? new Float64Array(config.n) : undefined;
  const onMessage = (payload) => {
    handled += 1;
    if (recording && recorded < latencies.length) latencies[recorded++] = now() - payload.t;
  };

  const consume = workload !== 'publish';
  const tSetup = now();
  const adapter = await mod.create({
    queue,
    prefetch: config.prefetch,
    concurrency: config.concurrency,
    consume,
    onMessage,
    ...extra,
  });
  const setupMs = now() - tSetup;
  let errors = 0;
  let firstError;
  const send = (p) =>
    adapter.send(p).then(
      () => undefined,
      (err) => {
        errors += 1;
        firstError ??= String(err?.message ?? err);
      },
    );
  const publishN = (count, offset) =>
    adapter.publishMany
      ? adapter.publishMany(count, config.window, offset)
      : sendWindowed(send, count, config.window, offset);
  const waitHandled = (target, what) => waitFor(() => handled >= target, config.timeoutMs, what);

  const result = {
    ok: true,
    system: system,
    label: meta.system,
    note: meta.note,
    setupMs,
    payloadBytes: PAYLOAD_BYTES,
  };
  try {
    const warm = config.warmup ?? 0;
    if (warm > 0) {
      await publishN(warm, 0);
      if (consume) await waitHandled(warm, 'warm-up messages');
    }
    const n = config.n;
    // bench/profile.mjs: CPU-profile only the measured phase (not start-up or warm-up).
    const profiler = config.profile ? await startProfiler() : undefined;
    const cpu0 = process.cpuUsage();
    const threads0 = threadCpuNs();
    const t0 = now();

    if (workload === 'publish') {
      await publishN(n, warm);
      const t1 = now();
      result.rate = (n / (t1 - t0)) * 1000;
      result.seconds = (t1 - t0) / 1000;
    } else if (workload === 'e2e') {
      await publishN(n, warm);
      const tPub = now();
      await waitHandled(warm + n, 'all messages handled');
      const t1 = now();
      result.rate = (n / (t1 - t0)) * 1000;
      result.publishRate = (n / (tPub - t0)) * 1000;
      result.seconds = (t1 - t0) / 1000;
    } else if (workload === 'latency') {
      const interval = 1000 / config.rate;
      let outstanding = 0;
      recording = true;
      for (let i = 0; i < n; i++) {
        const due = t0 + i * interval;
        const wait = due - now();
        if (wait >= 1) await sleep(wait);
        if (outstanding >= 5_000) await waitFor(() => outstanding < 5_000, config.timeoutMs, 'send backlog');
        outstanding += 1;
        void send(makePayload(warm + i)).finally(() => (outstanding -= 1));
      }
      const tSent = now();
      await waitHandled(warm + n, 'all latency messages handled');
      const sorted = Array.from(latencies.subarray(0, recorded)).sort((a, b) => a - b);
      result.sendRate = (n / (tSent - t0)) * 1000;
      result.samples = sorted.length;
      result.p50 = percentile(sorted, 50);
      result.p90 = percentile(sorted, 90);
      result.p99 = percentile(sorted, 99);
      result.max = sorted[sorted.length - 1];
      result.mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
    } else if (workload === 'memory') {
      const samples = [];
      const sample = () => {
        const m = process.memoryUsage();
        samples.push({ h: handled, rss: m.rss, heap: m.heapUsed });
      };
      sample();
      const sampler = setInterval(sample, config.sampleMs ?? 200);
      await publishN(n, warm);
      await waitHandled(warm + n, 'all messages handled');
      const t1 = now();
      clearInterval(sampler);
      sample();
      const endRaw = samples[samples.length - 1];
      global.gc?.();
      await sleep(500);
      global.gc?.();
      const after = process.memoryUsage();
      const target = (f) => warm + f * n;
      const base = samples.find((s) => s.h >= target(0.1)) ?? samples[0];
      const tail = samples.filter((s) => s.h >= target(0.2));
      result.rate = (n / (t1 - t0)) * 1000;
      result.seconds = (t1 - t0) / 1000;
      result.rssStartMB = mb(samples[0].rss);
      result.rssBaseMB = mb(base.rss);
      result.rssPeakMB = mb(Math.max(...samples.map((s) => s.rss)));
      result.rssEndMB = mb(endRaw.rss);
      result.rssAfterGcMB = mb(after.rss);
      result.rssGrowthMB = mb(after.rss - base.rss);
      result.heapBaseMB = mb(base.heap);
      result.heapAfterGcMB = mb(after.heapUsed);
      result.rssSlopeMBper100k =
        slope(
          tail.map((s) => s.h),
          tail.map((s) => mb(s.rss)),
        ) * 100_000;
      result.samples = samples.length;
    } else {
      throw new Error(`unknown workload ${workload}`);
    }
    const cpu = process.cpuUsage(cpu0);
    result.cpuUsPerMsg = (cpu.user + cpu.system) / n;
    // Kernel time apart: it moves with the number of socket writes, user time with the JS work.
    result.cpuSystemUsPerMsg = cpu.system / n;
    // Main thread apart from V8's helper threads (JIT compilation, GC): a short run pays for
    // compiling the code it runs there, a cost that does not recur.
    const threads1 = threadCpuNs();
    if (threads0 && threads1) {
      result.cpuMainThreadUsPerMsg = (threads1.main - threads0.main) / 1_000 / n;
      result.cpuOtherThreadsUsPerMsg = (threads1.other - threads0.other) / 1_000 / n;
    }
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(config.profile, JSON.stringify(profile));
      profiler.disconnect();
      result.profile = config.profile;
    }
    result.errors = errors;
    if (errors > 0) {
      result.ok = false;
      result.error = `${errors} send(s) failed, first: ${firstError}`;
    }
    if (adapter.serverVersion) result.serverVersion = adapter.serverVersion;
  } finally {
    await bounded(() => adapter.close(), 15_000, 'close');
    await bounded(() => adapter.cleanup(), 15_000, 'cleanup');
  }
  return result;
}

async function startProfiler() {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return session;
}

function slope(xs, ys) {
  const n = xs.length;
  if (n < 3) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

main().then(
  (result) => {
    emit(result);
    process.exit(0);
  },
  (err) => {
    emit({ ok: false, error: String(err?.stack ?? err) });
    process.exit(1);
  },
);

/**
 * CPU time (ns) of this process's main thread and of all its other threads, from Linux's
 * /proc/self/task/<tid>/schedstat; undefined elsewhere. Threads that ended in between are lost
 * from `other` (V8's and libuv's threads live as long as the process).
 */
function threadCpuNs() {
  try {
    let main = 0;
    let other = 0;
    for (const tid of readdirSync('/proc/self/task')) {
      const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      if (Number(tid) === process.pid) main += ns;
      else other += ns;
    }
    return { main, other };
  } catch {
    return undefined;
  }
}
