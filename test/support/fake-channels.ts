/**
 * Fakes of the connection layer for fast unit tests of what sits above it (publisher, queue
 * declarer, queue consumer): no socket, no RabbitMQ; the test decides every outcome.
 */
import { EventEmitter } from 'node:events';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ChannelHost } from '../../lib/core/connection/managed-channel.js';
import { CapturingLogger } from './broker-fixtures.js';
import type {
  ConnectionHolder,
  ConsumerLease,
  ProducerLease,
  QueueLease,
} from '../../lib/core/connection/connection-holder.js';
import type { ConsumeHandlers } from '../../lib/core/connection/consumer-channel.js';
import type { PublishListener, PublishOutcome, PublishProperties } from '../../lib/core/connection/producer-channel.js';
import type { QueueChannel } from '../../lib/core/connection/queue-channel.js';

export interface Write {
  readonly routingKey: string;
  readonly body: Buffer;
  readonly properties: PublishProperties;
  readonly listener: PublishListener;
  settled: boolean;
}

/** A producer channel whose writes wait until the test settles them. */
export class FakeProducerChannel {
  open = true;
  readonly writes: Write[] = [];
  private waiters: Array<{ resolve(): void; reject(err: Error): void }> = [];

  publish(routingKey: string, body: Buffer, properties: PublishProperties, listener: PublishListener): boolean {
    if (!this.open) return false;
    this.writes.push({ routingKey, body, properties, listener, settled: false });
    return true;
  }

  whenOpen(): Promise<void> {
    if (this.open) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Writes still waiting for their outcome. */
  get pending(): Write[] {
    return this.writes.filter((w) => !w.settled);
  }

  /** Settles the oldest pending write (or the one given) with `outcome`. */
  settle(outcome: PublishOutcome, error?: Error, write = this.pending[0]): void {
    if (!write) throw new Error('no pending write');
    write.settled = true;
    write.listener.published(outcome, error);
  }

  /** The channel closes under its writes (a cut, or a connection declared dead): each is interrupted. */
  close(error = new Error('channel closed')): void {
    this.open = false;
    for (const w of this.pending) this.settle('interrupted', error, w);
  }

  reopen(): void {
    this.open = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
  }
}

/** A connection holder with one producer channel; its connection can go down and come back. */
export class FakeHolder implements ConnectionHolder {
  readonly strategy = 'shared' as const;
  readonly lastFailure = undefined;
  readonly producer = new FakeProducerChannel();
  connected = true;
  /** Leases handed out and not yet given back. */
  outstanding = 0;
  /** Releases of a lease already given back (harmless, but the publisher releases each lease once). */
  extraReleases = 0;
  /** When set, acquireProducer rejects with it (a connection that gave up). */
  failure: Error | undefined;
  queueChannel: () => Promise<QueueChannel> = () => Promise.reject(new Error('no queue channel in this fake'));
  consumerLeases: ConsumerLease[] = [];
  private reconnectWaiters: Array<() => void> = [];

  acquire(): never {
    throw new Error('not used by the code under test');
  }

  acquireProducer(): Promise<ProducerLease> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.connected) return Promise.resolve(this.lease());
    return new Promise((resolve) => this.reconnectWaiters.push(() => resolve(this.lease())));
  }

  acquireProducerNow(): ProducerLease | undefined {
    return this.connected ? this.lease() : undefined;
  }

  consumerRoom() {
    const limits = { maxConnections: 1, channelsPerConnection: 100, consumersPerChannel: 50 };
    return { strategy: 'shared' as const, available: 5_000, limits };
  }

  acquireConsumer(): Promise<ConsumerLease> {
    const next = this.consumerLeases.shift();
    return next ? Promise.resolve(next) : Promise.reject(new Error('connection was lost'));
  }

  acquireForQueues(): Promise<QueueLease> {
    const lease = this.lease();
    return Promise.resolve({
      ...lease,
      openQueueChannel: () => this.queueChannel(),
      openOperatorChannel: () => Promise.reject(new Error('no operator channel in this fake')),
    });
  }

  /** The connection drops: its channel closes under the writes in flight. */
  disconnect(): void {
    this.connected = false;
    this.producer.close();
  }

  reconnect(): void {
    this.connected = true;
    this.producer.reopen();
    const waiters = this.reconnectWaiters;
    this.reconnectWaiters = [];
    for (const w of waiters) w();
  }

  async connect(): Promise<void> {}
  connections() {
    return [];
  }
  async close(): Promise<void> {}

  private lease(): ProducerLease {
    this.outstanding += 1;
    let ended = false;
    const end = () => {
      if (ended) {
        this.extraReleases += 1;
        return;
      }
      ended = true;
      this.outstanding -= 1;
    };
    return {
      producer: this.producer as unknown as ProducerLease['producer'],
      release: end,
      discard: async () => end(),
    };
  }
}

/** Records the consumer a QueueConsumer registers, and lets the test lose it. */
export class FakeConsumerChannel {
  handlers: ConsumeHandlers | undefined;
  queue: string | undefined;
  prefetch: number | undefined;
  cancelled = false;
  private lost: ((cause: 'connection' | 'channel' | 'cancelled', reason: string) => void) | undefined;

  /** The server refuses the next consume with this error. */
  refuse: Error | undefined;

  async consume(queue: string, prefetch: number, handlers: ConsumeHandlers): Promise<void> {
    if (this.refuse) throw this.refuse;
    this.queue = queue;
    this.prefetch = prefetch;
    this.handlers = handlers;
  }

  async cancel(): Promise<void> {
    this.cancelled = true;
  }

  onLost(listener: (cause: 'connection' | 'channel' | 'cancelled', reason: string) => void): () => void {
    this.lost = listener;
    return () => (this.lost = undefined);
  }

  lose(cause: 'connection' | 'channel'): void {
    this.lost?.(cause, cause === 'channel' ? 'its channel closed' : 'its connection gave up');
  }

  get listening(): boolean {
    return this.lost !== undefined;
  }
}

export function consumerLease(channel: FakeConsumerChannel): ConsumerLease & { released: number; discarded: number } {
  const lease = {
    consumer: channel as unknown as ConsumerLease['consumer'],
    connection: { info: () => ({ name: 'fake-consumer' }) } as unknown as ConsumerLease['connection'],
    released: 0,
    discarded: 0,
    release: () => void (lease.released += 1),
    discard: async () => void (lease.discarded += 1),
  };
  return lease;
}

/**
 * amqp-connection-manager's channel wrapper and the connection a ManagedChannel lives on, as
 * far as the channel uses them: `open(raw)` runs the wrapper's setups on a new amqplib channel,
 * as a (re)connect does; the host's 'failed' and 'channelDead' can be emitted by the test.
 */
export interface FakeWrapperAndHost {
  wrapper: ChannelWrapper;
  host: ChannelHost & EventEmitter & { isConnected: boolean };
  open<R>(raw: R): R;
}

export function fakeWrapperAndHost(): FakeWrapperAndHost {
  const setups: Array<(raw: unknown) => unknown> = [];
  const wrapper = Object.assign(new EventEmitter(), {
    addSetup: (fn: (raw: unknown) => unknown) => {
      setups.push(fn);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  }) as unknown as ChannelWrapper;
  const host = Object.assign(new EventEmitter(), {
    id: 'c1',
    isConnected: true,
    logger: new CapturingLogger(),
    scrub: (t: string) => t,
    channelDied: () => undefined,
  }) as unknown as ChannelHost & EventEmitter & { isConnected: boolean };
  const open = <R>(raw: R): R => {
    for (const s of setups) void s(raw);
    return raw;
  };
  return { wrapper, host, open };
}
