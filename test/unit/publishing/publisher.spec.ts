/**
 * The publish state machine against a fake producer channel: every outcome a channel can
 * report, the retries, the deadline of a send (confirmTimeout from the call, in every path),
 * the bounded buffer and close(). No RabbitMQ: each test settles the writes itself.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { ConnectionRefusedError } from '../../../lib/core/errors/connection.errors.js';
import { BrokerClosedError } from '../../../lib/core/errors/connection.errors.js';
import { resolveMessagingSettings } from '../../../lib/core/options/messaging-settings.js';
import type { MessagingOptions } from '../../../lib/core/options/messaging-options.js';
import {
  PublishBufferFullError,
  PublishConfirmTimeoutError,
  PublishFailedError,
  PublishRejectedError,
} from '../../../lib/core/publishing/publish.errors.js';
import { type OutgoingMessage, Publisher } from '../../../lib/core/publishing/publisher.js';
import type { QueueDeclarer } from '../../../lib/core/queues/queue-declarer.js';
import { CapturingLogger } from '../../support/broker-fixtures.js';
import { FakeHolder } from '../../support/fake-channels.js';

/** Declares instantly; counts declarations and forgets. */
class FakeDeclarer {
  readonly declared = new Set<string>();
  ensures = 0;
  forgets = 0;
  isDeclared(q: string) {
    return this.declared.has(q);
  }
  async ensure(q: string) {
    this.ensures += 1;
    this.declared.add(q);
  }
  forget(q: string) {
    this.forgets += 1;
    this.declared.delete(q);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Lets promise jobs and immediate callbacks run (a declaration, a lease). */
const settleJobs = () => new Promise((r) => setImmediate(r));

let counter = 0;
function message(): OutgoingMessage {
  counter += 1;
  return {
    queueName: 'q',
    canonicalQueue: 'q',
    messageId: `id-${counter}`,
    body: Buffer.from(`{"n":${counter}}`),
    properties: { persistent: true },
  };
}

/** Every holder a test made: the publisher gives each lease back once, at the one place it settles an attempt. */
const holders: FakeHolder[] = [];

afterEach(() => {
  for (const h of holders.splice(0)) expect(h.extraReleases).toBe(0);
});

function setup(options: MessagingOptions = {}, capacity = 10) {
  const holder = new FakeHolder();
  holders.push(holder);
  const declarer = new FakeDeclarer();
  const logger = new CapturingLogger();
  const settings = resolveMessagingSettings({ confirmTimeout: 300, ...options });
  const publisher = new Publisher(holder, declarer as unknown as QueueDeclarer, settings, logger, capacity);
  return { holder, channel: holder.producer, declarer, logger, publisher };
}

/** Outcome of a promise with the time it took. */
async function timed<T>(p: Promise<T>): Promise<{ ok: boolean; value?: T; error?: unknown; ms: number }> {
  const t0 = Date.now();
  return p.then(
    (value) => ({ ok: true, value, ms: Date.now() - t0 }),
    (error: unknown) => ({ ok: false, error, ms: Date.now() - t0 }),
  );
}

describe('Publisher', () => {
  it('resolves with the result once the write is confirmed; slot and lease go back', async () => {
    const { publisher, channel, holder, declarer } = setup();
    const sent = publisher.publish(message(), 'result');
    await settleJobs(); // the first send declares its queue
    expect(declarer.ensures).toBe(1);
    expect(channel.writes).toHaveLength(1);
    expect(channel.writes[0]!.routingKey).toBe('q');
    expect(publisher.stats().inFlight).toBe(1);
    channel.settle('confirmed');
    await expect(sent).resolves.toBe('result');
    expect(publisher.stats().inFlight).toBe(0);
    expect(holder.outstanding).toBe(0);
  });

  it('writes synchronously when the queue is declared and a channel is ready', () => {
    const { publisher, channel, declarer } = setup();
    declarer.declared.add('q');
    void publisher.publish(message(), undefined);
    expect(channel.writes).toHaveLength(1); // no await between send and write
    channel.settle('confirmed');
  });

  it('rejects with PublishRejectedError on a nack, without retrying', async () => {
    const { publisher, channel, declarer, holder } = setup();
    declarer.declared.add('q');
    const sent = publisher.publish(message(), undefined);
    channel.settle('nacked', new Error('message nacked'));
    await expect(sent).rejects.toBeInstanceOf(PublishRejectedError);
    await expect(sent).rejects.toThrow(/message nacked/);
    expect(channel.writes).toHaveLength(1);
    expect(publisher.stats().inFlight).toBe(0);
    expect(holder.outstanding).toBe(0);
  });

  it('rejects with the server reason when the server closed the channel over the publish (refused)', async () => {
    const { publisher, channel, declarer } = setup();
    declarer.declared.add('q');
    const sent = publisher.publish(message(), undefined);
    channel.settle('refused', new Error('403 (ACCESS-REFUSED) with message "write access refused"'));
    await expect(sent).rejects.toThrow(/RabbitMQ refused message .* 403 \(ACCESS-REFUSED\)/);
    expect(channel.writes).toHaveLength(1);
  });

  it('on a return, declares the queue again and publishes once more', async () => {
    const { publisher, channel, declarer, logger } = setup();
    declarer.declared.add('q');
    const sent = publisher.publish(message(), 'ok');
    channel.settle('returned');
    await settleJobs();
    expect(declarer.forgets).toBe(1);
    expect(declarer.ensures).toBe(1); // declared again
    expect(channel.writes).toHaveLength(2);
    channel.settle('confirmed');
    await expect(sent).resolves.toBe('ok');
    expect(logger.text()).toMatch(/Queue "q" was missing when id-\d+ was published; declaring it again/);
  });

  it('a second return after re-declaring is final: unroutable', async () => {
    const { publisher, channel, declarer } = setup();
    declarer.declared.add('q');
    const sent = publisher.publish(message(), undefined);
    channel.settle('returned');
    await settleJobs();
    channel.settle('returned');
    await expect(sent).rejects.toThrow(/unroutable even after re-declaring the queue/);
    expect(channel.writes).toHaveLength(2);
    expect(publisher.stats().inFlight).toBe(0);
  });

  it('a channel closed mid-flight is retried on the reopened channel', async () => {
    const { publisher, channel, declarer, holder } = setup({ confirmTimeout: 2_000 });
    declarer.declared.add('q');
    const sent = publisher.publish(message(), 'ok');
    channel.close(); // the write is interrupted; the connection stays up
    channel.reopen();
    await sleep(150); // the first retry pauses 100 ms
    expect(channel.writes).toHaveLength(2);
    channel.settle('confirmed');
    await expect(sent).resolves.toBe('ok');
    expect(holder.outstanding).toBe(0);
  });

  it('a lost connection is retried after the reconnect', async () => {
    const { publisher, channel, declarer, holder } = setup({ confirmTimeout: 2_000 });
    declarer.declared.add('q');
    const sent = publisher.publish(message(), 'ok');
    holder.disconnect();
    await sleep(400); // the retry waits for the connection
    expect(channel.writes).toHaveLength(1);
    expect(publisher.stats().inFlight).toBe(1); // still holds its slot while it waits
    holder.reconnect();
    await settleJobs();
    expect(channel.writes).toHaveLength(2);
    channel.settle('confirmed');
    await expect(sent).resolves.toBe('ok');
    expect(holder.outstanding).toBe(0);
  });

  it('gives up with PublishFailedError after maxEnqueueAttempts interruptions', async () => {
    const { publisher, channel, declarer } = setup({ confirmTimeout: 5_000, maxEnqueueAttempts: 2 });
    declarer.declared.add('q');
    const sent = publisher.publish(message(), undefined);
    channel.close();
    channel.reopen();
    await sleep(150);
    channel.close();
    await expect(sent).rejects.toBeInstanceOf(PublishFailedError);
    await expect(sent).rejects.toThrow(/after 2 attempt\(s\): channel closed/);
  });

  it('a connection that gave up rejects with its own typed error', async () => {
    const { publisher, declarer, holder } = setup();
    declarer.declared.add('q');
    holder.connected = false;
    holder.failure = new ConnectionRefusedError('amqp://127.0.0.1:5672', new Error('ECONNREFUSED'));
    await expect(publisher.publish(message(), undefined)).rejects.toBeInstanceOf(ConnectionRefusedError);
    expect(publisher.stats().inFlight).toBe(0);
  });

  it('a send waiting for a connection when the broker closes rejects with BrokerClosedError', async () => {
    const { publisher, declarer, holder } = setup();
    declarer.declared.add('q');
    holder.connected = false;
    holder.failure = new BrokerClosedError('a producer connection request');
    await expect(publisher.publish(message(), undefined)).rejects.toBeInstanceOf(BrokerClosedError);
  });

  describe('the bound on a send: it settles within confirmTimeout of the call, whatever the path', () => {
    it('a write never confirmed rejects at confirmTimeout; slot and lease go back; a late confirm is ignored', async () => {
      const { publisher, channel, declarer, holder } = setup({ confirmTimeout: 200 });
      declarer.declared.add('q');
      const result = await timed(publisher.publish(message(), undefined));
      expect(result.error).toBeInstanceOf(PublishConfirmTimeoutError);
      expect(result.ms).toBeGreaterThanOrEqual(195);
      expect(result.ms).toBeLessThan(400);
      expect(publisher.stats().inFlight).toBe(0);
      expect(holder.outstanding).toBe(0);
      channel.settle('confirmed'); // arrives late: nothing happens
      expect(publisher.stats().inFlight).toBe(0);
    });

    it('a send interrupted before the deadline and waiting for a reconnect still rejects at confirmTimeout', async () => {
      const { publisher, channel, declarer, holder } = setup({ confirmTimeout: 300 });
      declarer.declared.add('q');
      const pending = timed(publisher.publish(message(), undefined));
      await sleep(100);
      holder.disconnect(); // the heartbeat declares the connection dead: the write is interrupted
      const result = await pending;
      expect(result.error).toBeInstanceOf(PublishConfirmTimeoutError);
      expect(result.ms).toBeLessThan(500);
      expect(channel.writes).toHaveLength(1);
      holder.reconnect(); // the retry it was waiting for must not go out any more
      await sleep(150);
      expect(channel.writes).toHaveLength(1);
      expect(holder.outstanding).toBe(0);
      expect(publisher.stats().inFlight).toBe(0);
    });

    it('a send made while the connection is down rejects at confirmTimeout', async () => {
      const { publisher, declarer, holder } = setup({ confirmTimeout: 200 });
      declarer.declared.add('q');
      holder.connected = false;
      const result = await timed(publisher.publish(message(), undefined));
      expect(result.error).toBeInstanceOf(PublishConfirmTimeoutError);
      expect(result.ms).toBeLessThan(400);
    });

    it('the wait for a slot counts: a send queued behind stalled ones rejects at its own deadline', async () => {
      const { publisher, channel, declarer } = setup({ confirmTimeout: 300 }, 1);
      declarer.declared.add('q');
      const first = timed(publisher.publish(message(), undefined));
      await sleep(100);
      const second = timed(publisher.publish(message(), undefined));
      expect(publisher.stats().waiting).toBe(1);
      const [a, b] = await Promise.all([first, second]);
      expect(a.error).toBeInstanceOf(PublishConfirmTimeoutError);
      expect(b.error).toBeInstanceOf(PublishConfirmTimeoutError);
      expect(b.ms).toBeLessThan(450);
      expect(channel.writes.length).toBeLessThanOrEqual(2);
      expect(publisher.stats()).toMatchObject({ inFlight: 0, waiting: 0 });
    });
  });

  it('refuses a send at once when maxBufferedMessages sends already wait for a slot', async () => {
    const { publisher, channel, declarer } = setup({ maxBufferedMessages: 1 }, 1);
    declarer.declared.add('q');
    const first = publisher.publish(message(), 1);
    const second = publisher.publish(message(), 2); // waits for the slot
    await expect(publisher.publish(message(), 3)).rejects.toBeInstanceOf(PublishBufferFullError);
    channel.settle('confirmed');
    await expect(first).resolves.toBe(1);
    await settleJobs();
    channel.settle('confirmed');
    await expect(second).resolves.toBe(2);
  });

  it('close() while publishing: confirmed sends resolve, interrupted ones reject with BrokerClosedError', async () => {
    const { publisher, channel, declarer, holder } = setup({ confirmTimeout: 2_000 });
    declarer.declared.add('q');
    const confirmed = publisher.publish(message(), 'a');
    const interrupted = publisher.publish(message(), 'b');
    channel.settle('confirmed', undefined, channel.writes[0]);
    publisher.close();
    holder.disconnect(); // the broker closes its connections
    holder.reconnect(); // a later use would open new ones: the old send must not go out on them
    await expect(confirmed).resolves.toBe('a');
    await expect(interrupted).rejects.toBeInstanceOf(BrokerClosedError);
    expect(channel.writes).toHaveLength(2);
    expect(publisher.stats().inFlight).toBe(0);
    // The publisher still works for sends made after close().
    const later = publisher.publish(message(), 'c');
    channel.settle('confirmed');
    await expect(later).resolves.toBe('c');
  });

  it('close() during a retry pause: the send is not attempted again (no connection reopened for it)', async () => {
    const { publisher, channel, declarer, holder } = setup({ confirmTimeout: 2_000 });
    declarer.declared.add('q');
    const sent = publisher.publish(message(), undefined);
    channel.close(); // interrupted: the retry waits 100 ms
    channel.reopen();
    publisher.close();
    await expect(sent).rejects.toBeInstanceOf(BrokerClosedError);
    expect(channel.writes).toHaveLength(1);
    expect(holder.outstanding).toBe(0);
  });

  it('without confirms, resolves at the write and only logs a later failure', async () => {
    const { publisher, channel, declarer, logger, holder } = setup({ confirmDelivery: false });
    declarer.declared.add('q');
    await expect(publisher.publish(message(), 'x')).resolves.toBe('x');
    expect(publisher.stats().inFlight).toBe(0);
    channel.settle('nacked', new Error('message nacked'));
    expect(logger.text()).toMatch(/Unconfirmed publish of id-\d+ failed: message nacked/);
    expect(holder.outstanding).toBe(0);
  });

  describe('the settled listener (the broker events published / publishFailed)', () => {
    function listening(options: MessagingOptions = {}, capacity = 10) {
      const env = setup(options, capacity);
      const heard: { id: string; result: unknown; error?: string; ms: number }[] = [];
      env.publisher.reportSettledTo((sent, result, error, durationMs) =>
        heard.push({ id: sent.messageId, result, error: error?.name, ms: durationMs }),
      );
      env.declarer.declared.add('q');
      return { ...env, heard };
    }

    it('hears of a confirm before the caller resumes, and only for sends that asked', async () => {
      const { publisher, channel, heard } = listening();
      const reported = publisher.publish(message(), 'a', true);
      const silent = publisher.publish(message(), 'b');
      let heardWhenResumed: number | undefined;
      const resumed = reported.then(() => (heardWhenResumed = heard.length));
      channel.settle('confirmed', undefined, channel.writes[0]);
      channel.settle('confirmed', undefined, channel.writes[1]);
      await resumed;
      await silent;
      expect(heardWhenResumed).toBe(1);
      expect(heard).toHaveLength(1);
      expect(heard[0]).toMatchObject({ result: 'a', error: undefined });
      expect(heard[0]!.ms).toBeGreaterThanOrEqual(0);
    });

    it('hears of failures: a nack, a confirm timeout, a full buffer', async () => {
      const { publisher, channel, heard } = listening({ maxBufferedMessages: 1, confirmTimeout: 100 }, 1);
      const nacked = timed(publisher.publish(message(), 1, true));
      channel.settle('nacked', new Error('message nacked'));
      expect((await nacked).ok).toBe(false);
      const stalled = timed(publisher.publish(message(), 2, true)); // never confirmed
      const waiting = timed(publisher.publish(message(), 3, true)); // waits for the slot
      const full = await timed(publisher.publish(message(), 4, true));
      expect(full.error).toBeInstanceOf(PublishBufferFullError);
      expect((await stalled).error).toBeInstanceOf(PublishConfirmTimeoutError);
      expect((await waiting).error).toBeInstanceOf(PublishConfirmTimeoutError);
      // The waiting send's deadline had passed when the stalled one expired: never written.
      expect(channel.writes).toHaveLength(2);
      expect(heard.map((h) => h.error).sort()).toEqual([
        'PublishBufferFullError',
        'PublishConfirmTimeoutError',
        'PublishConfirmTimeoutError',
        'PublishRejectedError',
      ]);
    });
  });

  it('sends that waited past their deadline are rejected without being written', async () => {
    const { publisher, channel, declarer } = setup({ confirmTimeout: 100 }, 1);
    declarer.declared.add('q');
    const sends = Array.from({ length: 5 }, (_, i) => timed(publisher.publish(message(), i)));
    const outcomes = await Promise.all(sends);
    expect(outcomes.every((o) => o.error instanceof PublishConfirmTimeoutError)).toBe(true);
    expect(channel.writes).toHaveLength(1); // only the one that held the slot
    expect(publisher.stats()).toMatchObject({ inFlight: 0, waiting: 0 });
  });

  it('a send is reported and settled before the waiting sends its slot lets in; a send made by a listener queues behind them', async () => {
    const { publisher, channel } = setup({ confirmDelivery: false }, 1);
    const heard: string[] = [];
    let later: Promise<unknown> | undefined;
    publisher.reportSettledTo((sent) => {
      heard.push(sent.messageId);
      later ??= publisher.publish(message(), 'later', true);
    });
    // Undeclared queue: the first holds the slot while it declares, the other three wait.
    const sends = Array.from({ length: 4 }, (_, i) => publisher.publish(message(), i, true));
    await Promise.all(sends);
    await later;
    const order = heard.map((id) => Number(id.slice(3)));
    expect(order).toHaveLength(5);
    expect(order.every((n, i) => i === 0 || n > order[i - 1]!)).toBe(true);
    expect(channel.writes.map((w) => w.body.toString())).toEqual(
      [...channel.writes.map((w) => w.body.toString())].sort(
        (a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]),
      ),
    );
  });

  it('sends waiting for a slot start in order as slots free up; without confirms, 20,000 of them never nest calls', async () => {
    // A deadline far off: under a loaded machine 20,000 sends may wait longer than the usual 300 ms.
    const { publisher, channel } = setup(
      { confirmDelivery: false, maxBufferedMessages: 50_000, confirmTimeout: 60_000 },
      1,
    );
    // The queue is not declared yet: the first send holds the slot while it declares, the rest queue.
    const sends = Array.from({ length: 20_000 }, (_, i) => publisher.publish(message(), i));
    expect(publisher.stats().waiting).toBe(19_999);
    // The first resolved at its write; each one settling frees the slot for the next, synchronously.
    await expect(Promise.all(sends)).resolves.toHaveLength(20_000);
    const order = channel.writes.map((w) => Number(/\d+/.exec(w.body.toString())![0]));
    expect(order.every((n, i) => i === 0 || n > order[i - 1]!)).toBe(true);
    expect(channel.writes).toHaveLength(20_000);
    expect(publisher.stats()).toMatchObject({ inFlight: 0, waiting: 0 });
  });
});
