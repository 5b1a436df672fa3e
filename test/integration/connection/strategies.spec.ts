import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { hostname } from 'node:os';
import { ChannelLimitExceededError, ConnectionPoolTimeoutError } from '../../../lib/core/errors/index.js';
import { BrokerTracker, serverConnectionsNamed, uniqueName } from '../../support/broker-fixtures.js';
import { deleteQueue, deleteQueuesWithPrefix } from '../../support/rabbitmqctl.js';
import { waitFor } from '../../support/wait.js';

const brokers = new BrokerTracker();
const queues: string[] = [];
afterEach(() => brokers.closeAll());
afterAll(async () => {
  for (const q of queues) await deleteQueue(q).catch(() => undefined);
});

/** One operation: take a producer channel, publish with a broker confirm, give the channel back. */
async function publishOnce(broker: ReturnType<BrokerTracker['create']>, queue: string, n: number): Promise<void> {
  const lease = await broker.acquire('producer');
  try {
    await lease.channel.sendToQueue(queue, Buffer.from(`m${n}`), { persistent: false });
  } finally {
    lease.release();
  }
}

describe("strategy 'shared'", () => {
  it('opens nothing until first use, then exactly one connection for 200 concurrent operations on many channels', async () => {
    const name = uniqueName('shared');
    const queue = uniqueName('q-shared');
    queues.push(queue);
    const broker = brokers.create({ strategy: 'shared', connectionName: name, maxProducerChannels: 250 });
    expect(broker.connections()).toEqual([]);
    expect(await serverConnectionsNamed(name)).toHaveLength(0);

    const setup = await broker.acquire('producer');
    await setup.channel.assertQueue(queue, { durable: false, autoDelete: false });
    setup.release();

    await Promise.all(Array.from({ length: 200 }, (_, i) => publishOnce(broker, queue, i)));
    // Hold many channels at once, as 40 consumers would.
    const held = await Promise.all(Array.from({ length: 40 }, () => broker.acquire('consumer')));
    await Promise.all(held.map((l) => l.channel.waitForConnect()));

    const onServer = await serverConnectionsNamed(name);
    expect(onServer).toHaveLength(1);
    const [info] = broker.connections();
    expect(broker.connections()).toHaveLength(1);
    expect(info.role).toBe('shared');
    expect(info.channels).toBeGreaterThanOrEqual(41);
    held.forEach((l) => l.release());
  });

  it('fails at once with ChannelLimitExceededError when a channel pool is exhausted', async () => {
    // One publish per channel, so three leases fill the pool.
    const broker = brokers.create({
      strategy: 'shared',
      connectionName: uniqueName(),
      maxProducerChannels: 3,
      maxPublishesPerChannel: 1,
    });
    const leases = await Promise.all([1, 2, 3].map(() => broker.acquire('producer')));
    const started = Date.now();
    await expect(broker.acquire('producer')).rejects.toBeInstanceOf(ChannelLimitExceededError);
    expect(Date.now() - started).toBeLessThan(100);
    await expect(broker.acquire('producer')).rejects.toThrow(/All 3 producer channels .* Raise maxProducerChannels/);
    // Consumer channels are a separate pool (and one closes when its last consumer leaves).
    const consumer = await broker.acquire('consumer');
    leases[0].release();
    (await broker.acquire('producer')).release(); // a returned channel is reused
    expect(broker.connections()[0].channels).toBe(4);
    consumer.release();
    await waitFor(() => broker.connections()[0].channels === 3, {
      timeoutMs: 2_000,
      message: 'consumer channel closed',
    });
  });

  it('close() is idempotent and the broker reconnects on its next use', async () => {
    const name = uniqueName();
    const broker = brokers.create({ strategy: 'shared', connectionName: name });
    (await broker.acquire('producer')).release();
    await broker.close();
    await broker.close();
    expect(broker.connections()).toEqual([]);
    await waitFor(async () => (await serverConnectionsNamed(name)).length === 0, {
      timeoutMs: 10_000,
      message: 'server to drop the connection',
    });
    (await broker.acquire('producer')).release();
    expect(await serverConnectionsNamed(name)).toHaveLength(1);
  });
});

describe('producer channels carry many publishes at once', () => {
  it.each(['shared', 'pooled'] as const)(
    '%s: 300 concurrent sends share one producer channel (maxPublishesPerChannel 1000)',
    async (strategy) => {
      const name = uniqueName(`share-${strategy}`);
      const queue = uniqueName('q-share');
      queues.push(queue);
      const broker = brokers.create({ strategy, connectionName: name });
      const setup = await broker.acquire('producer');
      await setup.channel.assertQueue(queue, { durable: false });
      setup.release();
      await Promise.all(Array.from({ length: 300 }, (_, i) => publishOnce(broker, queue, i)));
      const producers = broker.connections().filter((c) => c.role !== 'consumer');
      expect(producers).toHaveLength(1);
      expect(producers[0].channels).toBe(1);
    },
  );

  it('opens another channel only when one is full', async () => {
    const broker = brokers.create({ strategy: 'shared', connectionName: uniqueName(), maxPublishesPerChannel: 2 });
    const leases = await Promise.all([1, 2, 3].map(() => broker.acquire('producer')));
    expect(new Set(leases.map((l) => l.channel)).size).toBe(2);
    leases.forEach((l) => l.release());
  });
});

describe("strategy 'pooled'", () => {
  it('never exceeds its maxima under 200 concurrent operations, and reuses connections', async () => {
    const name = uniqueName('pooled');
    const queue = uniqueName('q-pooled');
    queues.push(queue);
    const broker = brokers.create({
      strategy: 'pooled',
      connectionName: name,
      maxProducerConnections: 4,
      maxConsumerConnections: 3,
      // One consumer per connection, so three consumers fill the consumer pool.
      maxChannelsPerConsumerConnection: 1,
      maxConsumersPerChannel: 1,
    });
    const setup = await broker.acquire('producer');
    await setup.channel.assertQueue(queue, { durable: false, autoDelete: false });
    setup.release();

    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, (await serverConnectionsNamed(name)).length);
      }
    })();
    let localPeak = 0;
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        await publishOnce(broker, queue, i);
        localPeak = Math.max(localPeak, broker.connections().length);
      }),
    );
    // Consumers: 3 allowed, and a 4th fails at once (waiting would not free a place). Hold all 3.
    const consumers = await Promise.all([1, 2, 3].map(() => broker.acquire('consumer')));
    const started = Date.now();
    await expect(broker.acquire('consumer')).rejects.toThrow(
      /0 free of 3 \(maxConsumerConnections 3 x maxChannelsPerConsumerConnection 1 x maxConsumersPerChannel 1\)/,
    );
    expect(Date.now() - started).toBeLessThan(100);
    sampling = false;
    await sampler;
    peak = Math.max(peak, (await serverConnectionsNamed(name)).length);

    const infos = broker.connections();
    expect(infos.filter((c) => c.role === 'producer').length).toBeLessThanOrEqual(4);
    expect(infos.filter((c) => c.role === 'consumer')).toHaveLength(3);
    expect(localPeak).toBeLessThanOrEqual(4);
    expect(peak).toBeLessThanOrEqual(7);
    expect(await serverConnectionsNamed(name)).toHaveLength(infos.length);
    // Reuse: 200 operations went through at most 4 producer connections, whose ids were never replaced.
    expect(
      infos
        .filter((c) => c.role === 'producer')
        .map((c) => c.id)
        .sort(),
    ).toEqual(
      ['producer-1', 'producer-2', 'producer-3', 'producer-4'].slice(
        0,
        infos.filter((c) => c.role === 'producer').length,
      ),
    );
    consumers.forEach((c) => c.release());
  });

  it('makes callers wait for a free connection, up to acquireTimeout', async () => {
    const broker = brokers.create({
      strategy: 'pooled',
      connectionName: uniqueName(),
      maxProducerConnections: 1,
      maxPublishesPerChannel: 1,
      acquireTimeout: 300,
    });
    const first = await broker.acquire('producer');
    const waiting = broker.acquire('producer');
    setTimeout(() => first.release(), 100);
    const second = await waiting; // handed over when released
    expect(second.connection).toBe(first.connection);
    const started = Date.now();
    await expect(broker.acquire('producer')).rejects.toBeInstanceOf(ConnectionPoolTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    second.release();
  });
});

describe('connection names and heartbeats, as the server sees them', () => {
  it.each(['shared', 'pooled'] as const)('%s: hostname by default, heartbeat 60 by default', async (strategy) => {
    const broker = brokers.create({ strategy, clientProperties: { test_marker: uniqueName() } });
    const lease = await broker.acquire('consumer');
    const marker = (broker.settings.connection.clientProperties as { test_marker: string }).test_marker;
    const { listConnections } = await import('../../support/rabbitmqctl.js');
    const mine = (await listConnections()).filter((c) => c.clientProperties.test_marker === marker);
    expect(mine).toHaveLength(1);
    expect(mine[0].connectionName).toBe(hostname());
    expect(mine[0].timeout).toBe(60);
    lease.release();
  });

  it('uses the custom name and the configured heartbeat', async () => {
    const name = uniqueName('custom-name');
    const broker = brokers.create({ strategy: 'shared', connectionName: name, heartbeat: 17 });
    await broker.connect();
    const [conn] = await serverConnectionsNamed(name);
    expect(conn.connectionName).toBe(name);
    expect(conn.timeout).toBe(17);
  });

  it('connectionName inside clientProperties wins (the Python spelling)', async () => {
    const name = uniqueName('props-name');
    const broker = brokers.create({ strategy: 'shared', clientProperties: { connection_name: name } });
    await broker.connect();
    expect(await serverConnectionsNamed(name)).toHaveLength(1);
  });
});

// Every send takes a place in the producer pool (a channel's share, or a pooled connection's) and
// must give it back once it settled, also when the channel under it was replaced. Checked against
// the pools' own counts while one lease on each channel is held throughout: a send that freed its
// place twice would free a held one too, a send that never freed it would keep it.
describe.each(['shared', 'pooled'] as const)("strategy '%s': publish leases", (strategy) => {
  afterAll(() => deleteQueuesWithPrefix(`lease-room-${strategy}`));

  it('each send gives its place back once, also after a channel the server closed was replaced', async () => {
    const queue = uniqueName(`lease-room-${strategy}`);
    const broker = brokers.create({
      strategy,
      connectionName: uniqueName(),
      maxPublishesPerChannel: 2,
      ...(strategy === 'shared' ? { maxProducerChannels: 3 } : { maxProducerConnections: 3, acquireTimeout: 200 }),
    });
    const places = 6; // 3 channels (or connections) x 2 publishes each
    /** Leases every free place at once and checks there is no more. */
    const leaseTheRest = async (free: number) => {
      const leases = await Promise.all(Array.from({ length: free }, () => broker.acquire('producer')));
      await expect(broker.acquire('producer')).rejects.toThrow(
        strategy === 'shared' ? ChannelLimitExceededError : ConnectionPoolTimeoutError,
      );
      return leases;
    };
    // Keep one lease on each of the three channels; the sends share the other place on each.
    const held: typeof all = [];
    const all = await leaseTheRest(places);
    for (const lease of all) {
      if (held.some((h) => h.channel === lease.channel)) lease.release();
      else held.push(lease);
    }
    expect(held).toHaveLength(3);
    // Three at a time, so the sends fit beside the held leases (the publisher counts on every place).
    const sendAll = async (from: number) => {
      for (let i = 0; i < 150; i += 3)
        await Promise.all([0, 1, 2].map((k) => broker.send('lease_check', { args: [from + i + k], queueName: queue })));
    };

    await sendAll(0);
    expect(broker.publishStats().inFlight).toBe(0);
    const rest = await leaseTheRest(places - held.length);
    // The server closes a channel the sends used (404 on a passive declare); the pool replaces it.
    // The held lease on it goes too, as a lease on a closed channel would.
    const closed = rest[0].channel;
    await expect(closed.checkQueue(uniqueName('missing'))).rejects.toThrow(/404|NOT_FOUND/);
    rest.forEach((l) => l.release());
    held
      .splice(
        held.findIndex((h) => h.channel === closed),
        1,
      )[0]
      .release();

    await sendAll(150);
    expect(broker.publishStats().inFlight).toBe(0);
    (await leaseTheRest(places - held.length)).forEach((l) => l.release());
    held.forEach((l) => l.release());
  });
});
