/**
 * Every message in q.XQ says why it is there (issue #15, item 1), against a real RabbitMQ: each
 * reason a worker dead-letters for, read back both raw (as a Python consumer would) and through
 * the dead-letter API.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import amqplib from 'amqplib';
import { DramatiqBroker } from '../../../lib/core/broker.js';
import { DEAD_LETTER_HEADER, type DeadLetter } from '../../../lib/core/dead-letters/index.js';
import { decodeMessage } from '../../../lib/core/message/message-codec.js';
import { createMessage } from '../../../lib/core/message/message.js';
import { defaultMiddleware } from '../../../lib/core/middleware/default-middleware.js';
import type { Middleware } from '../../../lib/core/middleware/middleware.js';
import { CapturingLogger, closeServerConnectionsNamed, uniqueName } from '../../support/broker-fixtures.js';
import { waitFor } from '../../support/wait.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe('the reason on the dead letter', () => {
  it('says why for each kind of failure, with error, time, attempts and worker', async () => {
    const connectionName = uniqueName('dl-worker');
    const guard: Middleware = {
      name: 'Guard',
      beforeProcess: (ctx) => {
        if (ctx.message.actor_name === 'guarded') throw new RangeError('policy service unavailable');
      },
    };
    const broker = new DramatiqBroker({
      strategy: 'shared',
      connectionName,
      logger: new CapturingLogger(),
      middleware: [...defaultMiddleware({ retries: { minBackoff: 10, maxBackoff: 20 } }), guard],
    });
    cleanups.push(async () => {
      await broker.deleteAll().catch(() => undefined);
      await broker.close();
    });
    const queue = uniqueName('reasons');
    const actor = (name: string, fn: (...a: any[]) => unknown, opts = {}) =>
      broker.registerActor(name, fn, { queueName: queue, ...opts });
    actor(
      'always_fails',
      () => {
        throw new TypeError('never works');
      },
      { maxRetries: 1 },
    );
    actor('too_slow', () => new Promise(() => undefined), { maxRetries: 0, timeLimit: 50 });
    actor('too_old', () => undefined);
    actor('guarded', () => undefined);
    const worker = broker.createWorker({ concurrency: 4, shutdownTimeout: 2_000, maxMiddlewareFailures: 1 });
    await worker.start();
    cleanups.push(() => worker.stop());

    const failing = await broker.send('always_fails', { args: ['<b>x</b>'] });
    await broker.send('too_slow');
    // A minute old already (a max_age of 1 ms could still be met on a fast machine).
    const old = createMessage({ queueName: queue, actorName: 'too_old', options: { max_age: 1_000 } });
    await broker.enqueue({ ...old, message_timestamp: Date.now() - 60_000 });
    await broker.send('guarded');
    await broker.send('only_in_python', { queueName: queue });
    const raw = await amqplib.connect('amqp://guest:guest@127.0.0.1:5672');
    cleanups.push(() => raw.close());
    const rawChannel = await raw.createConfirmChannel();
    rawChannel.sendToQueue(queue, Buffer.from('this is not json'), { persistent: true });
    await rawChannel.waitForConfirms();

    // At least six: dead-lettering is at least once (a copy confirmed but its ack lost to a channel
    // closing would leave a second one), and every reason is checked one by one below.
    let counts = { ready: 0, delayed: 0, dead: 0 };
    await waitFor(
      async () => {
        counts = await broker.getQueueMessageCounts(queue);
        return counts.dead >= 6;
      },
      { timeoutMs: 40_000, intervalMs: 200, message: 'six dead letters' },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; counts ${JSON.stringify(counts)}\n${(broker.logger as CapturingLogger).text()}`);
    });
    const page = await broker.deadLetters.list(queue);
    const byActor = new Map<string | null, DeadLetter>(page.items.map((d) => [d.actorName, d]));
    const now = Date.now();
    for (const d of page.items) {
      expect(d.reason).not.toBeNull();
      expect(d.reason!.worker).toBe(connectionName);
      expect(d.reason!.queue).toBe(queue);
      expect(now - d.reason!.at).toBeLessThan(60_000);
    }
    expect(byActor.get('always_fails')!.reason).toMatchObject({
      reason: 'retries_exceeded',
      error_type: 'TypeError',
      error_message: 'never works',
      attempts: 2,
      detail: 'retries exceeded (1) after TypeError: never works',
    });
    expect(byActor.get('always_fails')!.argsPreview).toBe('["<b>x</b>"]');
    expect(byActor.get('too_slow')!.reason).toMatchObject({
      reason: 'time_limit',
      error_type: 'TimeLimitExceededError',
      attempts: 1,
    });
    expect(byActor.get('too_old')!.reason).toMatchObject({ reason: 'age_limit', error_type: null });
    expect(byActor.get('guarded')!.reason).toMatchObject({
      reason: 'middleware_failure',
      error_type: 'RangeError',
      error_message: 'policy service unavailable',
    });
    expect(byActor.get('only_in_python')!.reason).toMatchObject({ reason: 'unknown_actor' });
    const undecodable = byActor.get(null)!;
    expect(undecodable).toMatchObject({
      message: null,
      rawBody: 'this is not json',
      reason: { reason: 'undecodable_body' },
    });
    expect(undecodable.reason!.error_type).toBe('MessageDecodeError');

    // Read raw, as anyone holding the message would (a Python consumer, rabbitmqadmin): the body
    // is still a Dramatiq message, the record inside options; the undecodable body is unchanged.
    const reader = await raw.createChannel();
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const got = await reader.get(`${queue}.XQ`, { noAck: false });
      if (got === false) throw new Error('XQ ran dry');
      expect(got.properties.headers?.[DEAD_LETTER_HEADER]).toMatchObject({ worker: connectionName });
      if (got.content.toString() === 'this is not json') {
        seen.push('raw');
        continue;
      }
      const message = decodeMessage(got.content);
      seen.push(message.actor_name);
      if (message.message_id === failing.message_id) {
        expect(message.options).toMatchObject({ retries: 1, dead_letter: { reason: 'retries_exceeded' } });
        expect(message.queue_name).toBe(queue);
      }
    }
    await reader.close(); // hands them all back
    expect(seen.sort()).toEqual(['always_fails', 'guarded', 'only_in_python', 'raw', 'too_old', 'too_slow']);
    expect((await broker.getQueueMessageCounts(queue)).dead).toBe(6);
  });

  it('declares q.XQ again when it was deleted under a running worker, and the record is still written', async () => {
    const broker = new DramatiqBroker({ strategy: 'shared', logger: new CapturingLogger() });
    cleanups.push(async () => {
      await broker.deleteAll().catch(() => undefined);
      await broker.close();
    });
    const queue = uniqueName('xq-gone');
    broker.registerActor(
      'fails',
      () => {
        throw new Error('nope');
      },
      { queueName: queue, maxRetries: 0 },
    );
    const worker = broker.createWorker({ concurrency: 1, shutdownTimeout: 2_000 });
    await worker.start();
    cleanups.push(() => worker.stop());
    const raw = await amqplib.connect('amqp://guest:guest@127.0.0.1:5672');
    cleanups.push(() => raw.close());
    await (await raw.createChannel()).deleteQueue(`${queue}.XQ`);
    const sent = await broker.send('fails');
    // Checked without declaring anything (a count through the broker would declare q.XQ itself).
    const deadCount = async () => {
      const channel = await raw.createChannel();
      channel.on('error', () => undefined);
      const { messageCount } = await channel.checkQueue(`${queue}.XQ`);
      await channel.close();
      return messageCount;
    };
    await waitFor(async () => (await deadCount()) === 1, {
      timeoutMs: 15_000,
      message: 'the dead letter in the re-declared q.XQ',
    });
    expect((await broker.deadLetters.get(queue, sent.message_id))?.reason).toMatchObject({
      reason: 'retries_exceeded',
    });
  });

  it('keeps writing the record after its connection was cut (the writer opens a new channel)', async () => {
    const connectionName = uniqueName('dl-cut');
    const logger = new CapturingLogger();
    const broker = new DramatiqBroker({ strategy: 'shared', connectionName, logger });
    cleanups.push(async () => {
      await broker.deleteAll().catch(() => undefined);
      await broker.close();
    });
    const queue = uniqueName('dl-cut');
    broker.registerActor(
      'fails',
      () => {
        throw new Error('nope');
      },
      { queueName: queue, maxRetries: 0 },
    );
    const worker = broker.createWorker({ concurrency: 2, shutdownTimeout: 2_000 });
    await worker.start();
    cleanups.push(() => worker.stop());
    const dead = async () => (await broker.getQueueMessageCounts(queue)).dead;
    const first = await broker.send('fails');
    await waitFor(async () => (await dead()) === 1, { timeoutMs: 10_000, message: 'first dead letter' });
    expect(await closeServerConnectionsNamed(connectionName, 'test cut')).toBeGreaterThan(0);
    await waitFor(() => broker.health().status === 'up' && logger.text().includes('Connected'), { timeoutMs: 15_000 });
    const second = await broker.send('fails');
    await waitFor(async () => (await dead()) === 2, { timeoutMs: 20_000, message: 'second dead letter' });
    for (const sent of [first, second]) {
      expect((await broker.deadLetters.get(queue, sent.message_id))?.reason).toMatchObject({
        reason: 'retries_exceeded',
      });
    }
    expect(logger.text()).not.toContain('Could not put the dead-letter reason');
  });
});
