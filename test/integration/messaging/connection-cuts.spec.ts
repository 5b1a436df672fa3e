import { afterEach, describe, expect, it } from '@jest/globals';
import { DramatiqBroker } from '../../../lib/core/broker.js';
import { defaultMiddleware } from '../../../lib/core/middleware/default-middleware.js';
import { CapturingLogger, uniqueName } from '../../support/broker-fixtures.js';
import { unackedOnServer } from '../../support/rabbitmqctl.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { sleep, waitFor } from '../../support/wait.js';

const TOTAL = 10_000;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe.each(['shared', 'pooled'] as const)('connection cuts during a %s run', (strategy) => {
  it(`processes every confirmed message of ${TOTAL} at least once, leaves none unacked, reports duplicates`, async () => {
    const proxy = await TcpProxy.start(5672);
    cleanups.push(() => proxy.close());
    const logger = new CapturingLogger();
    const queue = uniqueName(`cuts-${strategy}`);
    const broker = new DramatiqBroker({
      strategy,
      url: proxy.amqpUrl(),
      heartbeat: 5,
      retry: { maxRetries: 50, intervalStart: 100, intervalStep: 100, intervalMax: 500 },
      confirmTimeout: 5_000,
      logger,
      middleware: defaultMiddleware({ retries: { minBackoff: 50, maxBackoff: 200 } }),
    });
    cleanups.push(async () => {
      await broker.deleteQueue(queue).catch(() => undefined);
      await broker.close();
    });
    const seen = new Map<number, number>();
    broker.registerActor('record', (n: number) => void seen.set(n, (seen.get(n) ?? 0) + 1), { queueName: queue });
    const worker = broker.createWorker({ concurrency: 32, shutdownTimeout: 5_000 });
    await worker.start();
    cleanups.push(() => worker.stop());

    let cuts = 0;
    let sending = true;
    const cutter = (async () => {
      // Bounded: at most 30 cuts, one every 1.5 s, while messages are still in flight.
      while (cuts < 30 && (sending || seen.size < TOTAL)) {
        await sleep(1_500);
        proxy.cut();
        cuts += 1;
      }
    })();

    const started = Date.now();
    const confirmed = new Set<number>();
    const pendingNumbers = Array.from({ length: TOTAL }, (_, n) => n);
    let rejected = 0;
    const reasons = new Map<string, number>();
    // A caller's duty with at-least-once: a send that rejected is sent again (bounded rounds).
    for (let round = 0; round < 10 && pendingNumbers.length > 0; round += 1) {
      const batch = pendingNumbers.splice(0);
      const results = await Promise.allSettled(batch.map((n) => broker.send('record', { args: [n] })));
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') confirmed.add(batch[i]);
        else {
          rejected += 1;
          const why = String((r.reason as Error)?.message)
            .replace(/[0-9a-f-]{36}/g, '<id>')
            .replace(/"cuts-[^"]+"/g, '<q>')
            .slice(0, 160);
          reasons.set(why, (reasons.get(why) ?? 0) + 1);
          pendingNumbers.push(batch[i]);
        }
      });
    }
    sending = false;
    expect(confirmed.size).toBe(TOTAL);

    await waitFor(() => [...confirmed].every((n) => seen.has(n)), {
      timeoutMs: 120_000,
      intervalMs: 250,
      message: 'every confirmed message processed',
    });
    await cutter;
    await broker.join(queue, { timeout: 30_000, minSuccesses: 5 });
    await waitFor(async () => (await unackedOnServer(queue)) === 0, {
      timeoutMs: 30_000,
      intervalMs: 500,
      message: 'no unacked messages',
    });

    const duplicates = [...seen.values()].reduce((sum, count) => sum + (count - 1), 0);
    const counts = await broker.getQueueMessageCounts(queue);
    // Figures for the record (visible with --verbose).
    console.log(
      `[${strategy}] sent ${TOTAL}, send rejections retried ${rejected}, processed ${seen.size}, duplicates ${duplicates}, ` +
        `cuts ${cuts}, ${Date.now() - started} ms, dead ${counts.dead}; rejection reasons: ${JSON.stringify([...reasons])}`,
    );
    expect(seen.size).toBe(TOTAL);
    expect(counts).toEqual({ ready: 0, delayed: 0, dead: 0 });
    expect(cuts).toBeGreaterThanOrEqual(1);
  }, 240_000);
});
