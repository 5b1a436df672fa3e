// Helpers shared by the orchestrator (run.mjs), the per-measurement child (child.mjs) and the adapters.
import { performance } from 'node:perf_hooks';

export const AMQP_URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const REDIS = { host: '127.0.0.1', port: Number(process.env.BENCH_REDIS_PORT ?? 6379) };

// Only loopback targets: the benchmark never talks to anything else.
for (const target of [new URL(AMQP_URL).hostname, REDIS.host]) {
  if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(target)) {
    throw new Error(`bench: refusing non-loopback target ${target}`);
  }
}

/** Application payload: ~1 KB of JSON ({"t":..,"i":..,"pad":"xxx..."}). */
const PAD = 'x'.repeat(980);
export const PAYLOAD_BYTES = Buffer.byteLength(JSON.stringify({ t: 123456.789012, i: 123456, pad: PAD }));

/** `t` is performance.now() at the moment the send is called (producer and consumer share the process). */
export function makePayload(i) {
  return { t: performance.now(), i, pad: PAD };
}

export const now = () => performance.now();
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps exactly `window` sends in flight until `count` were sent (bounded by count). */
export async function sendWindowed(send, count, window, offset = 0) {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = offset + next++;
      await send(makePayload(i));
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
}

/** Resolves when predicate() is true; polls every `everyMs`; rejects after `timeoutMs`. */
export async function waitFor(predicate, timeoutMs, what, everyMs = 1) {
  const deadline = now() + timeoutMs;
  while (!predicate()) {
    if (now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export const mb = (bytes) => bytes / (1024 * 1024);

/** A silent logger for the core broker (the Nest variant keeps Nest's own Logger). */
export const quietLogger = {
  log() {},
  warn(m) {
    if (process.env.BENCH_VERBOSE) process.stderr.write(`[warn] ${m}\n`);
  },
  error(m) {
    process.stderr.write(`[error] ${m}\n`);
  },
};

/** Queue names used by one measurement; ours adds .DQ and .XQ. */
export function queuesToDelete(queue) {
  return [queue, `${queue}.DQ`, `${queue}.XQ`];
}
