/**
 * The Enqueuer's events against the real Publisher and a fake producer channel: `published` and
 * `publishFailed` carry the canonical queue, the delay asked for, a duration and a reason, and
 * are heard before the sender's await resumes. No RabbitMQ.
 */
import { describe, expect, it } from '@jest/globals';
import { createMessage } from '../../../lib/core/message/message.js';
import { BrokerEvents } from '../../../lib/core/observability/events/broker-events.js';
import type { BrokerEventMap } from '../../../lib/core/observability/events/event-types.js';
import { resolveMessagingSettings } from '../../../lib/core/options/messaging-settings.js';
import { Enqueuer } from '../../../lib/core/publishing/enqueuer.js';
import { Publisher } from '../../../lib/core/publishing/publisher.js';
import type { QueueDeclarer } from '../../../lib/core/queues/queue-declarer.js';
import { DefaultDramatiqTopology } from '../../../lib/core/topology/topology.js';
import { CapturingLogger } from '../../support/broker-fixtures.js';
import { FakeHolder } from '../../support/fake-channels.js';

const declarer = {
  isDeclared: () => true,
  ensure: async () => undefined,
  forget: () => undefined,
} as unknown as QueueDeclarer;

function setup() {
  const holder = new FakeHolder();
  const events = new BrokerEvents();
  const settings = resolveMessagingSettings({ confirmTimeout: 1_000 });
  const publisher = new Publisher(holder, declarer, settings, new CapturingLogger(), 10);
  const enqueuer = new Enqueuer(publisher, new DefaultDramatiqTopology(), () => [], events);
  const published: BrokerEventMap['published'][] = [];
  const failed: BrokerEventMap['publishFailed'][] = [];
  return { holder, channel: holder.producer, events, enqueuer, published, failed };
}

const message = (args: unknown[] = [1]) => createMessage({ queueName: 'jobs', actorName: 'work', args });

describe('Enqueuer events', () => {
  it('published: canonical queue, the delay asked for, a duration; heard before the sender resumes', async () => {
    const { channel, events, enqueuer, published } = setup();
    events.on('published', (e) => void published.push(e));
    const now = enqueuer.enqueue(message());
    const later = enqueuer.enqueue(message(), { delay: 5_000 });
    let heardWhenResumed = -1;
    const resumed = later.then(() => (heardWhenResumed = published.length));
    expect(channel.writes.map((w) => w.routingKey)).toEqual(['jobs', 'jobs.DQ']);
    channel.settle('confirmed', undefined, channel.writes[0]);
    channel.settle('confirmed', undefined, channel.writes[1]);
    await now;
    await resumed;
    expect(heardWhenResumed).toBe(2);
    expect(published.map((e) => [e.queueName, e.delayMs])).toEqual([
      ['jobs', undefined],
      ['jobs', 5_000],
    ]);
    expect(published[1]!.message.queue_name).toBe('jobs.DQ');
    expect(published.every((e) => e.durationMs >= 0)).toBe(true);
  });

  it('publishFailed: a nack with its reason; nothing reported while nobody listens', async () => {
    const { channel, events, enqueuer, failed } = setup();
    const unheard = enqueuer.enqueue(message());
    channel.settle('nacked', new Error('message nacked'));
    await expect(unheard).rejects.toThrow(/nacked/);
    events.on('publishFailed', (e) => void failed.push(e));
    const heard = enqueuer.enqueue(message());
    channel.settle('nacked', new Error('message nacked'));
    await expect(heard).rejects.toThrow(/nacked/);
    expect(failed.map((e) => [e.queueName, e.reason])).toEqual([['jobs', 'rejected']]);
  });

  it('publishFailed for a message that cannot be encoded, with no write and duration 0', async () => {
    const { channel, events, enqueuer, failed } = setup();
    events.on('publishFailed', (e) => void failed.push(e));
    await expect(enqueuer.enqueue(message([10n]))).rejects.toThrow();
    expect(channel.writes).toHaveLength(0);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ queueName: 'jobs', durationMs: 0, reason: 'other' });
  });
});
