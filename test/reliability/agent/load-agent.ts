/**
 * Load agent: a plain Node process (no Jest) that behaves like an application under a fault.
 * It sends `total` messages to an actor and runs a worker for it in the same process, re-sends
 * every send that rejects (as an app would), tracks every send promise, counts unhandled
 * rejections with process.on (which Jest's sandbox does not allow), and reports the figures.
 *
 * Compiled by swc into .tmp (see ../support/agent-client.ts) and started with child_process.fork;
 * the test injects the faults and reads progress messages meanwhile.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DramatiqBroker } from '../../../lib/core/broker.js';
import { CurrentMessage } from '../../../lib/core/middleware/current-message.js';
import { defaultMiddleware } from '../../../lib/core/middleware/default-middleware.js';
import type { AgentConfig, AgentResult, ChildMessage, ParentMessage } from './protocol.js';

const send = (m: ChildMessage): void => {
  process.send?.(m);
};

let unhandledRejections = 0;
let uncaughtExceptions = 0;
const processErrors: string[] = [];
process.on('unhandledRejection', (reason) => {
  unhandledRejections += 1;
  if (processErrors.length < 20) processErrors.push(`unhandledRejection: ${describe(reason)}`);
});
process.on('uncaughtException', (err) => {
  uncaughtExceptions += 1;
  if (processErrors.length < 20) processErrors.push(`uncaughtException: ${describe(err)}`);
});

function describe(e: unknown): string {
  if (e instanceof Error) {
    let text = `${e.name}: ${e.message}\n${e.stack ?? ''}`;
    let cause = (e as { cause?: unknown }).cause;
    for (let i = 0; i < 5 && cause instanceof Error; i++) {
      text += `\ncaused by ${cause.name}: ${cause.message}\n${cause.stack ?? ''}`;
      cause = (cause as { cause?: unknown }).cause;
    }
    return text;
  }
  return String(e);
}

function rssMb(): number {
  return Math.round((process.memoryUsage().rss / 1024 / 1024) * 10) / 10;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

class Logger {
  readonly lines: string[] = [];
  readonly counts: Record<string, number> = { LOG: 0, WARN: 0, ERROR: 0, DEBUG: 0 };
  private push(level: string, m: string): void {
    this.counts[level] = (this.counts[level] ?? 0) + 1;
    // Every warning and error is kept (bounded); plain log lines up to a few hundred.
    if ((level === 'WARN' || level === 'ERROR') && this.lines.length < 20_000)
      this.lines.push(`${Date.now()} ${level} ${m}`);
    else if (level === 'LOG' && this.counts.LOG! <= 500) this.lines.push(`${Date.now()} ${level} ${m}`);
  }
  log(m: string): void {
    this.push('LOG', m);
  }
  warn(m: string): void {
    this.push('WARN', m);
  }
  error(m: string): void {
    this.push('ERROR', m);
  }
  debug(): void {
    this.counts.DEBUG! += 1;
  }
}

async function run(config: AgentConfig, abort: AbortSignal): Promise<AgentResult> {
  const t0 = Date.now();
  gc();
  const rssBeforeMb = rssMb();
  let rssPeakMb = rssBeforeMb;
  const logger = new Logger();
  const errorTexts = new Set<string>();
  const healthReports = new Set<string>();

  const broker = new DramatiqBroker({
    strategy: config.strategy,
    url: config.url,
    heartbeat: config.heartbeat,
    connectTimeout: config.connectTimeout,
    retry: config.retry,
    confirmTimeout: config.confirmTimeout,
    queueType: config.queueType,
    connectionName: `reliability-${config.label}`,
    logger,
    middleware: [...defaultMiddleware(), new CurrentMessage()],
  });

  const processed = new Map<string, number>();
  const processedByLogical = new Map<number, Set<string>>();
  const processedTimes: number[] = [];
  broker.registerActor(
    'rel_record',
    async (n: number) => {
      const id = CurrentMessage.get()?.message_id ?? `unknown-${n}`;
      if (config.actorSleepMs > 0) await sleep(config.actorSleepMs);
      processed.set(id, (processed.get(id) ?? 0) + 1);
      let ids = processedByLogical.get(n);
      if (!ids) processedByLogical.set(n, (ids = new Set()));
      ids.add(id);
      processedTimes.push(Date.now());
    },
    { queueName: config.queue },
  );

  const worker = broker.createWorker({ concurrency: config.concurrency, shutdownTimeout: 10_000 });
  // Bounded start: the fault has not begun yet, but be safe.
  for (let attempt = 1; ; attempt++) {
    try {
      await worker.start();
      break;
    } catch (err) {
      errorTexts.add(describe(err));
      if (attempt >= 5) throw err;
      await sleep(1_000);
    }
  }

  // Health timeline.
  const healthTimeline: Array<[number, string, string]> = [];
  let lastHealth = '';
  const sampleHealth = (): string => {
    const h = broker.health();
    const json = JSON.stringify(h);
    if (healthReports.size < 2_000) healthReports.add(json);
    if (h.status !== lastHealth) {
      lastHealth = h.status;
      healthTimeline.push([Date.now(), h.status, h.reason ?? '']);
    }
    return h.status;
  };
  const healthTimer = setInterval(sampleHealth, 20);

  // Send tracking.
  const confirmedIds = new Set<string>();
  const rejectionKinds: Record<string, number> = {};
  const pending = new Set<Promise<unknown>>();
  let sendsStarted = 0;
  let rejected = 0;
  let maxSettleMs = 0;
  let unconfirmedLogical = 0;

  const tracked = (n: number): Promise<'ok' | 'rejected'> => {
    sendsStarted += 1;
    const started = Date.now();
    const p = broker.send('rel_record', { args: [n], queueName: config.queue }).then(
      (msg) => {
        confirmedIds.add(msg.message_id);
        return 'ok' as const;
      },
      (err: unknown) => {
        rejected += 1;
        const kind =
          err instanceof Error
            ? `${err.name}${(err as { code?: string }).code ? `/${(err as { code?: string }).code}` : ''}`
            : typeof err;
        rejectionKinds[kind] = (rejectionKinds[kind] ?? 0) + 1;
        if (errorTexts.size < 500) errorTexts.add(describe(err));
        return 'rejected' as const;
      },
    );
    pending.add(p);
    void p.finally(() => {
      pending.delete(p);
      maxSettleMs = Math.max(maxSettleMs, Date.now() - started);
    });
    return p;
  };

  const deliverOne = async (n: number): Promise<void> => {
    for (let attempt = 1; attempt <= config.maxAttemptsPerMessage; attempt++) {
      if ((await tracked(n)) === 'ok') return;
      if (abort.aborted) break;
      await sleep(config.resendDelayMs);
    }
    unconfirmedLogical += 1;
  };

  const progressTimer = setInterval(() => {
    rssPeakMb = Math.max(rssPeakMb, rssMb());
    send({
      type: 'progress',
      t: Date.now(),
      sendsStarted,
      confirmed: confirmedIds.size,
      processed: processed.size,
      rejected,
      pending: pending.size,
      addresses: broker.connections().map((c) => `${c.role}:${c.state}:${c.address ?? '-'}`),
      health: lastHealth,
    });
  }, 200);

  // Send phase: a window of `window` logical messages in flight, paced at ratePerSec.
  const sendStart = Date.now();
  const inFlight = new Set<Promise<void>>();
  for (let n = 0; n < config.total && !abort.aborted; n++) {
    if (config.ratePerSec > 0) {
      const due = sendStart + (n * 1000) / config.ratePerSec;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
    }
    while (inFlight.size >= config.window) await Promise.race(inFlight);
    const d = deliverOne(n);
    inFlight.add(d);
    void d.finally(() => inFlight.delete(d));
  }
  await Promise.all(inFlight);
  const sendPhaseMs = Date.now() - sendStart;

  // Drain: every confirmed id processed (bounded).
  const drainDeadline = Date.now() + config.drainTimeoutMs;
  let drained = false;
  while (Date.now() < drainDeadline && !abort.aborted) {
    let all = true;
    for (const id of confirmedIds) {
      if (!processed.has(id)) {
        all = false;
        break;
      }
    }
    if (all) {
      drained = true;
      break;
    }
    await sleep(100);
  }
  const drainMs = Date.now() - sendStart - sendPhaseMs;
  const joinStart = Date.now();
  // Late redeliveries: wait until the queue is empty (bounded) and a quiet moment passes.
  let queueCounts: AgentResult['queueCounts'];
  let queueCountsError: string | undefined;
  try {
    await broker.join(config.queue, {
      timeout: Math.min(30_000, config.drainTimeoutMs),
      minSuccesses: 5,
      idleTime: 100,
    });
  } catch (err) {
    queueCountsError = describe(err);
    errorTexts.add(queueCountsError);
  }
  const joinMs = Date.now() - joinStart;
  await sleep(config.quietMs);
  try {
    queueCounts = await broker.getQueueMessageCounts(config.queue);
  } catch (err) {
    queueCountsError = describe(err);
    errorTexts.add(queueCountsError);
  }
  // No send may stay pending: give stragglers a bounded moment, then count.
  const settleDeadline = Date.now() + 2 * config.confirmTimeout + 5_000;
  while (pending.size > 0 && Date.now() < settleDeadline) await sleep(50);
  const pendingAtEnd = pending.size;

  clearInterval(progressTimer);
  clearInterval(healthTimer);
  sampleHealth();
  const workerStats = worker.stats();
  gc();
  const rssAfterMb = rssMb();
  rssPeakMb = Math.max(rssPeakMb, rssAfterMb);

  const lostIds = [...confirmedIds].filter((id) => !processed.has(id));
  let duplicatedDeliveries = 0;
  for (const count of processed.values()) duplicatedDeliveries += count - 1;
  const storedDespiteRejection = [...processed.keys()].filter((id) => !confirmedIds.has(id)).length;

  // Clean up: stop the worker, delete the queues, close.
  await worker.stop().catch((err: unknown) => errorTexts.add(describe(err)));
  await broker.deleteQueue(config.queue).catch((err: unknown) => errorTexts.add(describe(err)));
  await broker.close().catch((err: unknown) => errorTexts.add(describe(err)));
  await sleep(200);
  gc();
  const rssAfterCloseMb = rssMb();

  return {
    type: 'result',
    label: config.label,
    strategy: config.strategy,
    logical: config.total,
    sendsStarted,
    confirmed: confirmedIds.size,
    rejected,
    rejectionKinds,
    unconfirmedLogical,
    processedDeliveries: processedTimes.length,
    processedDistinctIds: processed.size,
    lost: lostIds.length,
    lostSample: lostIds.slice(0, 10),
    duplicatedDeliveries,
    storedDespiteRejection,
    pendingAtEnd,
    maxSettleMs,
    unhandledRejections,
    uncaughtExceptions,
    processErrors,
    rssBeforeMb,
    rssPeakMb,
    rssAfterMb,
    rssAfterCloseMb,
    sendPhaseMs,
    drainMs,
    joinMs,
    durationMs: Date.now() - t0,
    drained,
    processedTimes,
    healthTimeline,
    logCounts: logger.counts,
    logs: logger.lines,
    errorTexts: [...errorTexts],
    healthReports: [...healthReports],
    queueCounts,
    queueCountsError,
    workerStats,
  };
}

const abortController = new AbortController();
process.on('message', (m: ParentMessage) => {
  if (m.type === 'abort') abortController.abort();
  if (m.type === 'start') {
    run(m.config, abortController.signal).then(
      (result) => {
        process.send?.(result, () => process.exit(0));
      },
      (err: unknown) => {
        process.send?.({ type: 'fatal', error: describe(err) } satisfies ChildMessage, () => process.exit(1));
      },
    );
  }
});
send({ type: 'ready' });
