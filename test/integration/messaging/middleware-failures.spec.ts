/**
 * A middleware hook that always throws, against a real RabbitMQ: the message must not loop
 * forever (before worker.maxMiddlewareFailures it was handed back about once a second, for good).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import amqplib from 'amqplib';
import { DramatiqBroker } from '../../../lib/core/broker.js';
import { decodeMessage } from '../../../lib/core/message/message-codec.js';
import { defaultMiddleware } from '../../../lib/core/middleware/default-middleware.js';
import type { Middleware } from '../../../lib/core/middleware/middleware.js';
import { CapturingLogger, uniqueName } from '../../support/broker-fixtures.js';
import { sleep, waitFor } from '../../support/wait.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe('a middleware hook that always throws', () => {
  it('dead-letters the message after worker.maxMiddlewareFailures attempts, logs one warning, and the worker goes on', async () => {
    const logger = new CapturingLogger();
    let guardCalls = 0;
    const guard: Middleware = {
      name: 'Guard',
      beforeProcess: (ctx) => {
        if (ctx.message.actor_name !== 'guarded') return;
        guardCalls += 1;
        throw new Error('policy service unavailable');
      },
    };
    const broker = new DramatiqBroker({ strategy: 'shared', logger, middleware: [...defaultMiddleware(), guard] });
    cleanups.push(async () => {
      await broker.deleteAll().catch(() => undefined);
      await broker.close();
    });
    const queue = uniqueName('hookfail');
    let guardedRuns = 0;
    const fine: number[] = [];
    broker.registerActor('guarded', () => void (guardedRuns += 1), { queueName: queue });
    broker.registerActor('fine', (n: number) => void fine.push(n), { queueName: queue });
    // Concurrency 1: the failing message and the good one take turns on the same slot.
    const worker = broker.createWorker({ concurrency: 1, shutdownTimeout: 5_000, maxMiddlewareFailures: 3 });
    await worker.start();
    cleanups.push(() => worker.stop());

    const failing = await broker.send('guarded');
    await broker.send('fine', { args: [1] });

    await waitFor(async () => (await broker.getQueueMessageCounts(queue)).dead === 1, {
      timeoutMs: 15_000,
      intervalMs: 200,
      message: 'the failing message in the XQ',
    });
    expect(guardCalls).toBe(3);
    await waitFor(() => fine.length === 1, { timeoutMs: 5_000, message: 'the good message processed' });

    // Longer than a redelivery round (1 s pause): nothing runs again.
    await sleep(1_500);
    expect(guardCalls).toBe(3);
    expect(guardedRuns).toBe(0);
    expect(fine).toEqual([1]);
    expect(await broker.getQueueMessageCounts(queue)).toEqual({ ready: 0, delayed: 0, dead: 1 });
    expect(worker.stats()[queue]).toMatchObject({ acked: 1, requeued: 2, deadLettered: 1 });

    // The dead letter is that message, unchanged but for the reason in options.dead_letter.
    const raw = await amqplib.connect('amqp://127.0.0.1');
    cleanups.push(() => raw.close());
    const got = await (await raw.createChannel()).get(`${queue}.XQ`, { noAck: true });
    expect(got).not.toBe(false);
    if (got) {
      const { dead_letter: record, ...options } = decodeMessage(got.content).options;
      expect({ ...decodeMessage(got.content), options }).toEqual(failing);
      expect(record).toMatchObject({
        reason: 'middleware_failure',
        error_type: 'Error',
        error_message: 'policy service unavailable',
        attempts: 1,
        queue,
      });
    }

    // One warning for the message (its first failure), one error (the dead-letter), no line per loop.
    const about = logger.lines.filter((line) => line.includes(failing.message_id));
    expect(about).toEqual([
      `WARN Middleware Guard.beforeProcess failed on ${failing.message_id} (guarded) from "${queue}": ` +
        'Error: policy service unavailable. The message goes back to the queue; it is tried up to 3 times in all, ' +
        'then dead-lettered (worker.maxMiddlewareFailures). Its next failures are not logged.',
      `ERROR Dead-lettered ${failing.message_id} (guarded) from "${queue}" to "${queue}.XQ": ` +
        'middleware Guard.beforeProcess failed 3 times (worker.maxMiddlewareFailures): Error: policy service unavailable',
    ]);
    expect(logger.text()).not.toMatch(/for redelivery/);
  });
});
