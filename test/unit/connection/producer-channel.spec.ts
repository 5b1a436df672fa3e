/**
 * ProducerChannel against a fake amqplib channel: the exact frame it writes, and how each
 * confirm, nack, return, server close and lost channel becomes one outcome per publish.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { type PublishOutcome, ProducerChannel } from '../../../lib/core/connection/producer-channel.js';
import { fakeWrapperAndHost } from '../../support/fake-channels.js';

/** amqplib's ConfirmChannel as far as the producer channel uses it. */
class FakeRaw extends EventEmitter {
  readonly frames: Array<Record<string, unknown>> = [];
  readonly callbacks: Array<(err: Error | null) => void> = [];
  closed = false;
  sendMessage(fields: Record<string, unknown>, _props: object, content: Buffer): boolean {
    if (this.closed) throw new Error('Channel closed');
    this.frames.push({ ...fields, body: content.toString() });
    return true;
  }
  pushConfirmCallback(cb: (err: Error | null) => void): void {
    this.callbacks.push(cb);
  }
  /** What amqplib does on close: every unconfirmed callback gets 'channel closed'. */
  close(): void {
    this.closed = true;
    for (const cb of this.callbacks.splice(0)) cb(new Error('channel closed'));
    this.emit('close');
  }
}

function setup() {
  const { wrapper, host, open: run } = fakeWrapperAndHost();
  const channel = new ProducerChannel(wrapper, host, 'producer-1');
  const open = () => run(new FakeRaw());
  const outcomes: Array<[string, PublishOutcome, string | undefined]> = [];
  const publish = (body: string, properties: { persistent: boolean; priority?: number; expiration?: string }) =>
    channel.publish('q', Buffer.from(body), properties, {
      published: (outcome: PublishOutcome, error: Error | undefined) =>
        void outcomes.push([body, outcome, error?.message]),
    });
  return { channel, host, open, outcomes, publish };
}

describe('ProducerChannel', () => {
  it("writes exactly Dramatiq's properties: mandatory, delivery mode 2, priority and expiration only when set", () => {
    const { open, publish } = setup();
    const raw = open();
    expect(publish('a', { persistent: true })).toBe(true);
    expect(publish('b', { persistent: true, priority: 5, expiration: '1000' })).toBe(true);
    expect(raw.frames[0]).toMatchObject({ exchange: '', routingKey: 'q', mandatory: true, deliveryMode: 2 });
    expect(raw.frames[0]!.headers).toBeUndefined();
    expect(raw.frames[0]!.priority).toBeUndefined();
    expect(raw.frames[0]!.expiration).toBeUndefined();
    expect(raw.frames[1]).toMatchObject({ priority: 5, expiration: '1000', headers: undefined });
  });

  it('reports confirmed, nacked, and returned (the return matched to its publish by body)', () => {
    const { open, publish, outcomes } = setup();
    const raw = open();
    publish('first', { persistent: true });
    publish('second', { persistent: true });
    publish('third', { persistent: true });
    raw.emit('return', { content: Buffer.from('second') }); // RabbitMQ returns before it confirms
    raw.callbacks[2]!(null);
    raw.callbacks[1]!(null);
    raw.callbacks[0]!(new Error('message nacked'));
    expect(outcomes).toEqual([
      ['third', 'confirmed', undefined],
      ['second', 'returned', undefined],
      ['first', 'nacked', 'message nacked'],
    ]);
  });

  it("a channel the server closed over a publish: refused, with the server's reason", () => {
    const { open, publish, outcomes } = setup();
    const raw = open();
    publish('a', { persistent: true });
    raw.emit('error', new Error('Channel closed by server: 403 (ACCESS-REFUSED)'));
    raw.close();
    expect(outcomes).toEqual([['a', 'refused', 'Channel closed by server: 403 (ACCESS-REFUSED)']]);
  });

  it('a lost channel interrupts its publishes; until it reopens, publish writes nothing and whenOpen waits', async () => {
    const { channel, open, publish, outcomes } = setup();
    const raw = open();
    publish('a', { persistent: true });
    raw.close();
    expect(outcomes).toEqual([['a', 'interrupted', 'channel closed']]);
    expect(publish('b', { persistent: true })).toBe(false);
    let opened = false;
    const waiting = channel.whenOpen().then(() => (opened = true));
    await Promise.resolve();
    expect(opened).toBe(false);
    const again = open(); // the reconnect: a new amqplib channel under the wrapper
    await waiting;
    expect(publish('b', { persistent: true })).toBe(true);
    expect(again.frames).toHaveLength(1);
  });

  it('whenOpen rejects once the channel is closed for good', async () => {
    const { channel, open } = setup();
    open().close();
    const waiting = channel.whenOpen();
    void channel.close();
    await expect(waiting).rejects.toThrow(/channel producer-1 closed/);
  });
});
