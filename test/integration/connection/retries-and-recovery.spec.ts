import { afterEach, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import {
  AuthenticationFailedError,
  ConnectionFailedError,
  ConnectionRefusedError,
} from '../../../lib/core/errors/index.js';
import {
  BrokerTracker,
  CapturingLogger,
  closeServerConnectionsNamed,
  serverConnectionsNamed,
  uniqueName,
} from '../../support/broker-fixtures.js';
import { freePort } from '../../support/ports.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { waitFor } from '../../support/wait.js';

const brokers = new BrokerTracker();
afterEach(() => brokers.closeAll());

/** A server that accepts TCP connections and drops them at once, recording when each came. */
async function droppingServer(): Promise<{ port: number; attempts: number[]; close(): Promise<void> }> {
  const attempts: number[] = [];
  const server = net.createServer((socket) => {
    attempts.push(Date.now());
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    attempts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('connection retries', () => {
  it('makes 1 + maxRetries attempts spaced by the linear backoff, then rejects with the last error', async () => {
    const server = await droppingServer();
    try {
      const retry = { maxRetries: 3, intervalStart: 200, intervalStep: 300, intervalMax: 600 };
      const broker = brokers.create({ strategy: 'shared', url: `amqp://guest:guest@127.0.0.1:${server.port}`, retry });
      const started = Date.now();
      const error = await broker.acquire('producer').then(
        () => undefined,
        (err: unknown) => err,
      );
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(ConnectionFailedError);
      expect(String((error as Error).message)).toMatch(/127\.0\.0\.1/);
      expect(server.attempts).toHaveLength(4);
      const gaps = server.attempts.slice(1).map((t, i) => t - server.attempts[i]);
      // Expected waits: 200, 500, 600 (capped). Allow scheduling slack.
      [200, 500, 600].forEach((expected, i) => {
        expect(gaps[i]).toBeGreaterThanOrEqual(expected - 20);
        expect(gaps[i]).toBeLessThan(expected + 250);
      });
      expect(elapsed).toBeLessThan(1300 + 1000);
      // Nothing keeps trying in the background after giving up.
      await new Promise((r) => setTimeout(r, 900));
      expect(server.attempts).toHaveLength(4);
      expect(broker.health()).toMatchObject({ status: 'down', reason: expect.stringContaining('Could not connect') });
    } finally {
      await server.close();
    }
  });

  it('reports a closed port as ConnectionRefusedError, and a later use tries again', async () => {
    const port = await freePort();
    const logger = new CapturingLogger();
    const broker = brokers.create({
      strategy: 'pooled',
      url: `amqp://guest:topsecretpw@127.0.0.1:${port}`,
      retry: { maxRetries: 1, intervalStart: 50 },
      logger,
    });
    await expect(broker.acquire('consumer')).rejects.toBeInstanceOf(ConnectionRefusedError);
    await expect(broker.acquire('consumer')).rejects.toThrow(
      /refused the connection to amqp:\/\/127\.0\.0\.1:\d+ .*RabbitMQ is running/,
    );
    expect(logger.text()).toMatch(/attempt 1 of 2/);
    expect(logger.text()).not.toContain('topsecretpw');
    expect(JSON.stringify(broker.health())).not.toContain('topsecretpw');
  });

  it('does not retry a wrong password: AuthenticationFailedError at once', async () => {
    const logger = new CapturingLogger();
    const broker = brokers.create({
      strategy: 'shared',
      url: 'amqp://guest:wrong-password-xyz@127.0.0.1:5672',
      retry: { maxRetries: 5, intervalStart: 1000 },
      logger,
    });
    const started = Date.now();
    const err = await broker.acquire('producer').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationFailedError);
    expect(Date.now() - started).toBeLessThan(900);
    expect(String((err as Error).message)).not.toContain('wrong-password-xyz');
    expect(logger.text()).not.toContain('wrong-password-xyz');
  });
});

describe('recovery after the server closes the connection', () => {
  it.each(['shared', 'pooled'] as const)('%s: reconnects by itself; health goes down, then up', async (strategy) => {
    const name = uniqueName(`recover-${strategy}`);
    const broker = brokers.create({ strategy, connectionName: name, retry: { intervalStart: 300 } });
    const consumer = await broker.acquire('consumer');
    await consumer.channel.waitForConnect();
    expect(broker.health().status).toBe('up');

    const before = await serverConnectionsNamed(name);
    expect(before).toHaveLength(1);
    expect(await closeServerConnectionsNamed(name, 'test: forced close')).toBe(1);

    await waitFor(() => broker.health().status === 'down', { timeoutMs: 5_000, message: 'health to go down' });
    expect(broker.health().reason).toMatch(/reconnecting.*CONNECTION-FORCED|CONNECTION_FORCED/);
    await waitFor(() => broker.health().status === 'up', { timeoutMs: 10_000, message: 'health to come back up' });
    const after = await serverConnectionsNamed(name);
    expect(after).toHaveLength(1);
    expect(after[0].name).not.toBe(before[0].name); // a new TCP connection
    // The lent channel works again on the new connection.
    await consumer.channel.waitForConnect();
    await expect(
      consumer.channel.checkQueue('amq.rabbitmq.trace').catch(() => 'channel answered'),
    ).resolves.toBeDefined();
    consumer.release();
  });
});

describe('heartbeat loss', () => {
  // amqplib checks once per interval and gives up after two silent checks: detection takes 2 to 3 intervals.
  it('detects a black-holed connection within three heartbeat intervals and recovers when the path heals', async () => {
    const proxy = await TcpProxy.start(5672);
    try {
      const logger = new CapturingLogger();
      const broker = brokers.create({
        strategy: 'shared',
        url: proxy.amqpUrl(),
        heartbeat: 1,
        retry: { maxRetries: 50, intervalStart: 200, intervalStep: 0, intervalMax: 200 },
        connectTimeout: 1_000,
        logger,
      });
      await broker.connect();
      proxy.blackhole(true);
      const started = Date.now();
      await waitFor(() => broker.health().status === 'down', {
        timeoutMs: 5_000,
        intervalMs: 50,
        message: 'heartbeat loss noticed',
      });
      const detectedAfter = Date.now() - started;
      expect(detectedAfter).toBeLessThan(3 * 1_000 + 500);
      expect(detectedAfter).toBeGreaterThanOrEqual(1_900);
      expect(logger.text()).toMatch(/missed its heartbeats \(interval 1 s\)/);
      expect(broker.health().reason).toMatch(/HEARTBEAT|heartbeats/);
      proxy.blackhole(false);
      await waitFor(() => broker.health().status === 'up', {
        timeoutMs: 10_000,
        message: 'reconnected after the path healed',
      });
    } finally {
      await proxy.close();
    }
  });
});
