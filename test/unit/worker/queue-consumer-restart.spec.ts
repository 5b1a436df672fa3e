/**
 * QueueConsumer's life cycle against a fake consumer channel: start, restart when the channel
 * or the connection is lost (on a fresh lease, after the documented delays, with the queue
 * declared again), and stop. Delays run on Jest's fake timers.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { CONSUMER_RESTART } from '../../../lib/core/policies/retry-policies.js';
import type { MessageProcessor } from '../../../lib/core/worker/message-processor.js';
import { QueueConsumer } from '../../../lib/core/worker/queue-consumer.js';
import type { WorkerHost } from '../../../lib/core/worker/worker-host.js';
import { resolveWorkerSettings } from '../../../lib/core/worker/worker-options.js';
import { CapturingLogger } from '../../support/broker-fixtures.js';
import { consumerLease, FakeConsumerChannel } from '../../support/fake-channels.js';

function fakeHost(leases: Array<ReturnType<typeof consumerLease>>) {
  const logger = new CapturingLogger();
  const declared: string[] = [];
  const forgotten: string[] = [];
  const host: WorkerHost = {
    logger,
    processor: {} as MessageProcessor,
    maxMessageBytes: 1024,
    restartDelayMs: 5_000,
    consumerRoom: () => ({
      strategy: 'shared',
      available: 5_000,
      limits: { maxConnections: 1, channelsPerConnection: 100, consumersPerChannel: 50 },
    }),
    acquireConsumer: () => {
      const next = leases.shift();
      return next ? Promise.resolve(next) : Promise.reject(new Error('connection was lost'));
    },
    acquireForQueues: () => Promise.reject(new Error('no operator channels in this test')),
    declareQueue: async (q) => void declared.push(q),
    forgetQueue: (q) => void forgotten.push(q),
    enqueue: (m) => Promise.resolve(m),
    getActor: () => undefined,
  };
  return { host, logger, declared, forgotten };
}

describe('QueueConsumer restart', () => {
  beforeEach(() => void jest.useFakeTimers());
  afterEach(() => void jest.useRealTimers());

  it('starts: declares the queue, consumes with the prefetch (twice the concurrency), listens for a loss', async () => {
    const channel = new FakeConsumerChannel();
    const { host, declared } = fakeHost([consumerLease(channel)]);
    const consumer = new QueueConsumer('q', host, resolveWorkerSettings({ concurrency: 4 }));
    await consumer.start();
    expect(declared).toEqual(['q']);
    expect(channel.queue).toBe('q');
    expect(channel.prefetch).toBe(8);
    expect(channel.listening).toBe(true);
  });

  it('a consume the server refuses: start rejects, the lease is discarded and a late loss report schedules nothing', async () => {
    const refused = new FakeConsumerChannel();
    refused.refuse = new Error('403 ACCESS_REFUSED');
    const lease = consumerLease(refused);
    const { host, logger } = fakeHost([lease]);
    const consumer = new QueueConsumer('q', host, resolveWorkerSettings());
    await expect(consumer.start()).rejects.toThrow(/403/);
    expect(lease.discarded).toBe(1);
    expect(refused.listening).toBe(false);
    refused.lose('channel'); // the refusal closed the channel: reported 100 ms later
    expect(logger.text()).not.toMatch(/Restarting/);
  });

  it('a channel lost while the connection stays up: restarts on a new lease after channelClosedDelay', async () => {
    const first = new FakeConsumerChannel();
    const second = new FakeConsumerChannel();
    const firstLease = consumerLease(first);
    const { host, forgotten, logger, declared } = fakeHost([firstLease, consumerLease(second)]);
    const consumer = new QueueConsumer('q', host, resolveWorkerSettings());
    await consumer.start();

    first.lose('channel');
    expect(first.listening).toBe(false); // detached from the old lease at once
    expect(firstLease.discarded).toBe(1);
    expect(forgotten).toEqual(['q']); // declared again on restart: it may have been deleted
    expect(logger.text()).toMatch(/consumer of "q" stopped: its channel closed\. Restarting it in 1000 ms/);
    await jest.advanceTimersByTimeAsync(CONSUMER_RESTART.channelClosedDelay - 1);
    expect(second.queue).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(second.queue).toBe('q');
    expect(declared).toEqual(['q', 'q']);
    // A loss of the old channel reported late changes nothing.
    first.lose('channel');
    expect(logger.lines.filter((l) => l.includes('stopped')).length).toBe(1);
  });

  it("a connection that gave up: restarts after the host's restart delay, and keeps trying while starts fail", async () => {
    const first = new FakeConsumerChannel();
    const later = new FakeConsumerChannel();
    const leases = [consumerLease(first)];
    const { host, logger } = fakeHost(leases);
    const consumer = new QueueConsumer('q', host, resolveWorkerSettings());
    await consumer.start();

    first.lose('connection');
    expect(logger.text()).toMatch(/its connection gave up\. Restarting it in 5000 ms/);
    await jest.advanceTimersByTimeAsync(5_000); // no lease available: this start fails
    expect(logger.text()).toMatch(/Restarting the consumer of "q" failed: connection was lost/);
    leases.push(consumerLease(later));
    await jest.advanceTimersByTimeAsync(5_000); // tried again after restartDelayMs
    expect(later.queue).toBe('q');
  });

  it('stop: cancels the consumer, discards its lease, and no restart follows', async () => {
    const channel = new FakeConsumerChannel();
    const lease = consumerLease(channel);
    const { host } = fakeHost([lease]);
    const consumer = new QueueConsumer('q', host, resolveWorkerSettings());
    await consumer.start();
    await consumer.stop(1_000);
    expect(channel.cancelled).toBe(true);
    expect(lease.discarded).toBe(1);
    expect(channel.listening).toBe(false);
    channel.lose('channel');
    await jest.advanceTimersByTimeAsync(10_000);
    expect(lease.discarded).toBe(1);
  });
});
