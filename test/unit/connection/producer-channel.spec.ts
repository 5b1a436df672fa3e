/**
 * ProducerChannel against a fake amqplib channel: the exact frame it writes, and how each
 * confirm, nack, return, server close and lost channel becomes one outcome per publish.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { type PublishOutcome, ProducerChannel } from '../../../lib/core/connection/producer-channel.js';
import { encodePublishFrames } from '../../../lib/core/connection/publish-frames.js';
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

/**
 * With the amqplib 2.x internals the producer channel writes its own encoding of the frames to:
 * channel number 7 on a connection whose write stream for it records what it is given. Closing
 * does what amqplib does: the send methods are replaced by ones that throw, the stream is released.
 */
class FakeRawWithStream extends FakeRaw {
  readonly ch = 7;
  readonly written: Buffer[] = [];
  readonly connection = {
    channels: [] as Array<{ channel: unknown; buffer: { write(b: Buffer): boolean } } | null>,
    sentSinceLastCheck: false,
    frameMax: 4_096,
  };
  constructor() {
    super();
    this.connection.channels[this.ch] = { channel: this, buffer: { write: (b: Buffer) => this.written.push(b) > 0 } };
  }
  override close(): void {
    this.sendMessage = () => {
      throw new Error('Channel closed');
    };
    this.connection.channels[this.ch] = null;
    super.close();
  }
}

function setup(makeRaw: () => FakeRaw = () => new FakeRaw()) {
  const { wrapper, host, open: run } = fakeWrapperAndHost();
  const channel = new ProducerChannel(wrapper, host, 'producer-1');
  const open = () => run(makeRaw());
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

  describe('on amqplib 2.x, writing its own encoding of the frames', () => {
    it("puts one buffer on the channel's write stream, marks the connection as having sent, and reports the confirm", () => {
      const { open, publish, outcomes } = setup(() => new FakeRawWithStream());
      const raw = open() as FakeRawWithStream;
      expect(publish('a', { persistent: true, priority: 3 })).toBe(true);
      expect(raw.frames).toHaveLength(0); // not through amqplib's sendMessage
      expect(raw.written).toEqual([
        encodePublishFrames(7, 'q', { persistent: true, priority: 3 }, Buffer.from('a'), 4_096),
      ]);
      expect(raw.connection.sentSinceLastCheck).toBe(true);
      raw.callbacks[0]!(null);
      expect(outcomes).toEqual([['a', 'confirmed', undefined]]);
    });

    it('leaves a body larger than one frame to amqplib, which splits it', () => {
      const { open, publish } = setup(() => new FakeRawWithStream());
      const raw = open() as FakeRawWithStream;
      const big = 'x'.repeat(4_089); // 4,089 + 8 > frameMax 4,096
      expect(publish(big, { persistent: true })).toBe(true);
      expect(raw.written).toHaveLength(0);
      expect(raw.frames).toHaveLength(1);
    });

    it('writes nothing on a channel or connection amqplib is closing or has closed, nor on a stream not its own', () => {
      const { open, publish, outcomes } = setup(() => new FakeRawWithStream());
      const raw = open() as FakeRawWithStream;
      raw.sendMessage = () => {
        throw new Error('Channel closing'); // what amqplib does as it sends channel.close
      };
      expect(publish('a', { persistent: true })).toBe(false);
      const other = open() as FakeRawWithStream;
      other.connection.channels[7] = { channel: raw, buffer: { write: () => true } };
      expect(publish('b', { persistent: true })).toBe(false);
      const third = open() as FakeRawWithStream;
      Object.assign(third.connection, {
        sendMessage: () => {
          throw new Error('Connection closing'); // what amqplib does as it sends connection.close
        },
      });
      expect(publish('c', { persistent: true })).toBe(false);
      expect([raw.written, other.written, third.written]).toEqual([[], [], []]);
      expect([raw.callbacks, other.callbacks, third.callbacks]).toEqual([[], [], []]);
      expect(outcomes).toEqual([]);
    });
  });

  it('a channel amqplib is closing is not open: whenOpen waits for the next channel instead of resolving at once', async () => {
    const { channel, open, publish } = setup();
    const raw = open();
    raw.sendMessage = () => {
      throw new Error('Channel closing'); // amqplib sent channel.close and waits for close-ok
    };
    expect(channel.isOpen).toBe(false);
    expect(publish('a', { persistent: true })).toBe(false);
    let opened = false;
    const waiting = channel.whenOpen().then(() => (opened = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(opened).toBe(false); // before: resolved at once, and the publisher wrote again, in a loop
    open();
    await waiting;
    expect(publish('a', { persistent: true })).toBe(true);
  });

  it('a channel being closed by us rejects whenOpen even before amqplib has closed it', async () => {
    const { channel, open } = setup();
    open();
    void channel.close();
    await expect(channel.whenOpen()).rejects.toThrow(/channel producer-1 closed/);
  });
});
