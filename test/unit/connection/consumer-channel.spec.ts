/**
 * ConsumerChannel against a fake amqplib channel: several consumers on one channel, each with
 * its own prefetch (qos and consume go out as a pair, never interleaved), re-registered after a
 * reconnect, a server cancel that stops only its own consumer, and what happens to deliveries
 * for a consumer that ended. ConsumerChannelPool: where consumers are placed.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { ConsumerChannel } from '../../../lib/core/connection/consumer-channel.js';
import { ConsumerChannelPool } from '../../../lib/core/connection/consumer-channel-pool.js';
import type { ManagedConnection } from '../../../lib/core/connection/managed-connection.js';
import { fakeWrapperAndHost } from '../../support/fake-channels.js';

type Callback = (msg: unknown) => void;

/** amqplib's channel as far as consumers use it; each RPC answers after a macrotask, like the server. */
class FakeRaw extends EventEmitter {
  readonly calls: string[] = [];
  readonly consumers = new Map<string, Callback>();
  private readonly queues = new Map<string, string>();
  readonly acks: Array<[number, boolean]> = [];
  readonly nacks: Array<[number, boolean]> = [];
  private next = 0;
  failConsumeOf: string | undefined;
  closedByClient = false;
  close(): Promise<void> {
    this.closedByClient = true;
    return Promise.resolve();
  }

  private reply<T>(value: T): Promise<T> {
    return new Promise((resolve) => setTimeout(() => resolve(value), 1));
  }
  prefetch(n: number): Promise<void> {
    this.calls.push(`qos ${n}`);
    return this.reply(undefined);
  }
  consume(queue: string, cb: Callback): Promise<{ consumerTag: string }> {
    this.calls.push(`consume ${queue}`);
    if (queue === this.failConsumeOf) return Promise.reject(new Error('404 NOT_FOUND'));
    const tag = `tag-${++this.next}`;
    this.consumers.set(tag, cb);
    this.queues.set(queue, tag);
    return this.reply({ consumerTag: tag });
  }
  cancel(tag: string): Promise<void> {
    this.calls.push(`cancel ${tag}`);
    this.consumers.delete(tag);
    return this.reply(undefined);
  }
  ack(msg: { fields: { deliveryTag: number } }, all: boolean): void {
    this.acks.push([msg.fields.deliveryTag, all]);
  }
  nack(msg: { fields: { deliveryTag: number } }, _all: boolean, requeue: boolean): void {
    this.nacks.push([msg.fields.deliveryTag, requeue]);
  }
  /** The server delivers `deliveryTag` to the consumer of `queue`. */
  deliver(queue: string, deliveryTag: number): void {
    const cb = this.consumers.get(this.queues.get(queue)!)!;
    cb({ content: Buffer.from('{}'), fields: { deliveryTag }, properties: {} });
  }
  /** The server cancels the consumer with `tag` (its queue was deleted). */
  serverCancel(tag: string): void {
    const cb = this.consumers.get(tag)!;
    this.consumers.delete(tag);
    cb(null);
  }
}

function setup() {
  const { wrapper, host, open: run } = fakeWrapperAndHost();
  const channel = new ConsumerChannel(wrapper, host, 'consumer-1');
  return { channel, host, open: () => run(new FakeRaw()) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('ConsumerChannel: many consumers, one channel', () => {
  it("sends each consumer's qos right before its consume, even when they subscribe at once", async () => {
    const { channel, open } = setup();
    const raw = open();
    const got: string[] = [];
    await Promise.all(
      [
        ['a', 2],
        ['b', 8],
        ['c', 1],
      ].map(([q, prefetch]) =>
        channel.subscription().consume(q as string, prefetch as number, {
          delivered: (d) => void got.push(`${q}:${d.fields.deliveryTag}`),
        }),
      ),
    );
    expect(raw.calls).toEqual(['qos 2', 'consume a', 'qos 8', 'consume b', 'qos 1', 'consume c']);
    raw.deliver('b', 1);
    raw.deliver('a', 2);
    expect(got).toEqual(['b:1', 'a:2']);
    expect(channel.consumerCount).toBe(3);
  });

  it('registers every consumer again, with its own prefetch, on the channel opened after a reconnect', async () => {
    const { channel, open } = setup();
    const first = open();
    await channel.subscription().consume('a', 2, { delivered: () => undefined });
    await channel.subscription().consume('b', 6, { delivered: () => undefined });
    first.emit('close');
    const second = open();
    await settle();
    expect(second.calls).toEqual(['qos 2', 'consume a', 'qos 6', 'consume b']);
  });

  it('a server cancel stops only its own consumer; the others keep their deliveries', async () => {
    const { channel, open } = setup();
    const raw = open();
    const a = channel.subscription();
    const b = channel.subscription();
    const lost: string[] = [];
    a.onLost((cause) => void lost.push(`a ${cause}`));
    b.onLost((cause) => void lost.push(`b ${cause}`));
    const got: number[] = [];
    await a.consume('a', 1, { delivered: () => undefined });
    await b.consume('b', 1, { delivered: (d) => void got.push(d.fields.deliveryTag) });
    raw.serverCancel('tag-1');
    expect(lost).toEqual(['a cancelled']);
    raw.deliver('b', 7);
    expect(got).toEqual([7]);
  });

  it('a lost channel or connection is reported to every consumer it carried', async () => {
    const { channel, host, open } = setup();
    open();
    const lost: string[] = [];
    for (const q of ['a', 'b']) {
      const s = channel.subscription();
      s.onLost((cause) => void lost.push(`${q} ${cause}`));
      await s.consume(q, 1, { delivered: () => undefined });
    }
    host.emit('channelDead', channel);
    host.emit('channelDead', {}); // another channel's death is not ours
    host.emit('failed', new Error('gave up'));
    expect(lost).toEqual(['a channel', 'b channel', 'a connection', 'b connection']);
  });

  it('a consumer whose lease ended is cancelled, and a delivery that still reaches it goes straight back', async () => {
    const { channel, open } = setup();
    const raw = open();
    const slot = channel.subscription();
    const got: number[] = [];
    await slot.consume('a', 1, { delivered: (d) => void got.push(d.fields.deliveryTag) });
    const stillThere = [...raw.consumers.values()][0];
    slot.end();
    await settle();
    expect(raw.calls).toContain('cancel tag-1');
    stillThere({ content: Buffer.from('{}'), fields: { deliveryTag: 3 }, properties: {} });
    expect(got).toEqual([]);
    expect(raw.nacks).toEqual([[3, true]]);
    expect(channel.consumerCount).toBe(0);
  });

  it('acks of all its consumers go through one batcher: a multiple ack never covers an unfinished delivery', async () => {
    const { channel, open } = setup();
    const raw = open();
    const deliveries: Array<{
      tag: number;
      channel: import('../../../lib/core/connection/consumer-channel.js').DeliveryChannel;
    }> = [];
    for (const q of ['a', 'b']) {
      await channel.subscription().consume(q, 5, {
        delivered: (d, ch) => {
          ch.acks.track(d.fields.deliveryTag);
          deliveries.push({ tag: d.fields.deliveryTag, channel: ch });
        },
      });
    }
    raw.deliver('a', 1);
    raw.deliver('b', 2); // b's delivery 2 is still running
    raw.deliver('a', 3);
    deliveries[0].channel.acks.ack(1);
    deliveries[2].channel.acks.ack(3);
    await settle();
    expect(deliveries[0].channel).toBe(deliveries[1].channel);
    expect(raw.acks).toEqual([
      [1, true],
      [3, false],
    ]);
  });

  it('a channel closed while it was still opening closes the amqplib channel that opens after (none stays on the server)', async () => {
    const { channel, open } = setup();
    await channel.close();
    const raw = open();
    expect(raw.closedByClient).toBe(true);
    expect(raw.calls).toEqual([]);
  });

  it('a consumer whose lease ends while its consume is on the way is cancelled as soon as it registers', async () => {
    const { channel, open } = setup();
    const raw = open();
    const slot = channel.subscription();
    const consuming = slot.consume('a', 1, { delivered: () => undefined });
    for (let i = 0; i < 100 && !raw.calls.includes('consume a'); i++) await new Promise((r) => setImmediate(r));
    slot.end(); // its consume is on the way to the server
    await consuming;
    await settle();
    expect(raw.calls).toEqual(['qos 1', 'consume a', 'cancel tag-1']);
    expect(raw.consumers.size).toBe(0);
  });

  it('a cancelled consumer is not registered again after a reconnect', async () => {
    const { channel, open } = setup();
    const first = open();
    const a = channel.subscription();
    await a.consume('a', 1, { delivered: () => undefined });
    await channel.subscription().consume('b', 3, { delivered: () => undefined });
    await a.cancel();
    expect(first.calls).toContain('cancel tag-1');
    first.emit('close');
    const second = open();
    await settle();
    expect(second.calls).toEqual(['qos 3', 'consume b']);
  });

  it('a server cancel in the same read as the consume-ok still reports the consumer lost', async () => {
    const { channel, open } = setup();
    const raw = open();
    const slot = channel.subscription();
    const lost: string[] = [];
    slot.onLost((cause) => void lost.push(cause));
    // The server cancels at once, before the consume call's promise has resolved.
    const original = raw.consume.bind(raw);
    raw.consume = (queue: string, cb: Callback) =>
      original(queue, cb).then((ok) => {
        cb(null);
        return ok;
      });
    await slot.consume('gone-soon', 1, { delivered: () => undefined });
    expect(lost).toEqual(['cancelled']);
    slot.end();
    await settle();
    expect(raw.calls).not.toContain('cancel tag-1'); // nothing left to cancel
  });

  it("a failed consume rejects the subscriber's promise and does not block the next consumer", async () => {
    const { channel, open } = setup();
    const raw = open();
    raw.failConsumeOf = 'gone';
    await expect(channel.subscription().consume('gone', 1, { delivered: () => undefined })).rejects.toThrow(/404/);
    await channel.subscription().consume('b', 1, { delivered: () => undefined });
    expect(raw.calls.slice(-2)).toEqual(['qos 1', 'consume b']);
  });
});

/** A connection whose channels are plain records: the pool only creates, counts and closes them. */
function fakeConnection() {
  const channels: Array<{ name: string; usable: boolean; closed: boolean; close(): Promise<void> }> = [];
  const connection = {
    createChannel: (_role: string, name: string) => {
      const c = {
        name,
        usable: true,
        closed: false,
        close: async () => void (c.closed = true),
      };
      channels.push(c);
      return c;
    },
  } as unknown as ManagedConnection;
  return { connection, channels };
}

describe('ConsumerChannelPool: where consumers go', () => {
  it('gives each consumer a channel of its own up to the channel limit, then shares the least busy', () => {
    const { connection, channels } = fakeConnection();
    const pool = new ConsumerChannelPool(connection, 3, 2);
    expect(pool.room).toBe(6);
    const leases = [1, 2, 3, 4, 5, 6].map(() => pool.tryAcquire());
    expect(leases.every((l) => l !== undefined)).toBe(true);
    expect(channels.map((c) => c.name)).toEqual(['consumer-1', 'consumer-2', 'consumer-3']);
    expect(pool.room).toBe(0);
    expect(pool.tryAcquire()).toBeUndefined(); // truly full: at once, nothing queued
    leases[1]!.release(); // channel 2 now carries one
    expect(pool.room).toBe(1);
    expect(pool.tryAcquire()).toBeDefined();
    expect(pool.tryAcquire()).toBeUndefined();
    expect(channels).toHaveLength(3);
  });

  it('closes a channel when its last consumer leaves, and tells when the pool is empty', () => {
    const { connection, channels } = fakeConnection();
    let empty = 0;
    const pool = new ConsumerChannelPool(connection, 1, 2, () => void (empty += 1));
    const a = pool.tryAcquire()!;
    const b = pool.tryAcquire()!;
    void a.discard(); // b still runs on it: the channel stays
    expect(channels[0].closed).toBe(false);
    b.release();
    expect(channels[0].closed).toBe(true);
    expect(pool.size).toBe(0);
    expect(empty).toBe(1);
  });

  it('lends a dedicated channel that no worker consumer shares, within the channel limit', () => {
    const { connection, channels } = fakeConnection();
    const pool = new ConsumerChannelPool(connection, 2, 5);
    const own = pool.tryAcquire(true)!;
    expect(pool.room).toBe(5); // the other channel's places only
    for (let i = 0; i < 5; i++) expect(pool.tryAcquire()).toBeDefined();
    expect(pool.tryAcquire()).toBeUndefined();
    expect(channels).toHaveLength(2);
    expect(pool.tryAcquire(true)).toBeUndefined(); // no channel left to lend whole
    own.release();
    expect(channels[0].closed).toBe(true);
  });

  it('drops a dead channel at once and places the next consumer on a new one', () => {
    const { connection, channels } = fakeConnection();
    const pool = new ConsumerChannelPool(connection, 1, 5);
    const a = pool.tryAcquire()!;
    pool.tryAcquire();
    channels[0].usable = false;
    void a.discard();
    expect(channels[0].closed).toBe(true);
    expect(pool.tryAcquire()).toBeDefined();
    expect(channels).toHaveLength(2);
  });
});
