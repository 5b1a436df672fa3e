/**
 * Connection behaviour that needs server settings the shared node must not get: TLS with
 * client certificates, a vhost connection limit, a memory alarm, a broker restart. One
 * private node serves the whole file (about 5 s to start).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AuthenticationFailedError,
  ConnectionLimitReachedError,
  TlsHandshakeError,
} from '../../../lib/core/errors/index.js';
import { PublishConfirmTimeoutError } from '../../../lib/core/publishing/publish.errors.js';
import { ensureConsumerConnection, ensureProducerConnection } from '../../../lib/testing/index.js';
import { BrokerTracker, CapturingLogger, uniqueName } from '../../support/broker-fixtures.js';
import { PrivateRabbitNode } from '../../support/private-rabbit-node.js';
import { makeTlsMaterial, type TlsMaterial } from '../../support/tls-material.js';
import { waitFor } from '../../support/wait.js';

const LONG = 120_000;
let node: PrivateRabbitNode;
let tls: TlsMaterial;
let tmp: string;
const brokers = new BrokerTracker();

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ndb-tls-'));
  tls = await makeTlsMaterial(tmp);
  node = await PrivateRabbitNode.start({
    name: 'ndb-conn',
    port: 5700,
    distPort: 25700,
    tls: { port: 5701, certs: tls, failIfNoPeerCert: true },
  });
}, LONG);

afterAll(async () => {
  await brokers.closeAll();
  await node?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
}, LONG);

const noRetry = { maxRetries: 0 };
// Each test's connections go before the next: the limit test counts them.
afterEach(() => brokers.closeAll(), LONG);

describe('TLS (verify_peer, client certificate required)', () => {
  it('connects with the CA and a client certificate; the server sees ssl', async () => {
    const name = uniqueName('tls');
    const broker = brokers.create({
      strategy: 'shared',
      url: node.amqpsUrl,
      connectionName: name,
      tls: { ca: tls.ca, cert: tls.clientCert, key: tls.clientKey },
      retry: noRetry,
    });
    await ensureConsumerConnection(broker);
    const conns = (await node.listConnections()).filter((c) => c.connectionName === name);
    expect(conns).toHaveLength(1);
    expect(conns[0].ssl).toBe(true);
  });

  it('reads PEM files and an encrypted key with its passphrase', async () => {
    const broker = brokers.create({
      strategy: 'pooled',
      url: node.amqpsUrl,
      tls: {
        caFile: tls.caPath,
        certFile: tls.clientCertPath,
        keyFile: tls.clientKeyEncryptedPath,
        passphrase: tls.clientKeyPassphrase,
      },
      retry: noRetry,
    });
    await ensureProducerConnection(broker);
    expect(broker.health().status).toBe('up');
  });

  it('refuses a server signed by a CA it was not given (verification is on by default)', async () => {
    const broker = brokers.create({
      strategy: 'shared',
      url: node.amqpsUrl,
      tls: { ca: tls.otherCa, cert: tls.clientCert, key: tls.clientKey },
      retry: noRetry,
    });
    const err = await ensureConsumerConnection(broker).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TlsHandshakeError);
    expect((err as Error).message).toMatch(/not signed by a trusted CA.*tls\.ca/);
    const noCa = brokers.create({
      strategy: 'shared',
      url: node.amqpsUrl,
      tls: { cert: tls.clientCert, key: tls.clientKey },
      retry: noRetry,
    });
    await expect(ensureConsumerConnection(noCa)).rejects.toBeInstanceOf(TlsHandshakeError);
  });

  it('says a client certificate is required when none is sent', async () => {
    const broker = brokers.create({ strategy: 'shared', url: node.amqpsUrl, tls: { ca: tls.ca }, retry: noRetry });
    const err = await ensureConsumerConnection(broker).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TlsHandshakeError);
    expect((err as Error).message).toMatch(/requires a client certificate/);
  });
});

describe('limits and permissions', () => {
  it('reports a reached vhost connection limit with ConnectionLimitReachedError', async () => {
    await node.setVhostConnectionLimit(1);
    try {
      // One consumer per consumer connection, so the second consumer needs a second connection.
      const broker = brokers.create({
        strategy: 'pooled',
        url: node.amqpUrl,
        retry: noRetry,
        maxChannelsPerConsumerConnection: 1,
        maxConsumersPerChannel: 1,
      });
      const first = await broker.acquire('consumer');
      const err = await broker.acquire('consumer').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionLimitReachedError);
      expect((err as Error).message).toMatch(/connection limit is reached \(max-connections of vhost '\/'/);
      expect((err as Error).message).toMatch(/strategy 'shared'/);
      first.release();
      // The server's own reason, for the record: it is only in its log.
      await waitFor(async () => /connection limit \(1\) is reached/.test(await node.readLog()), { timeoutMs: 5_000 });
    } finally {
      await node.setVhostConnectionLimit(null);
    }
  });

  it('reports a wrong password at once, without the password', async () => {
    const logger = new CapturingLogger();
    const broker = brokers.create({
      strategy: 'shared',
      url: `amqp://guest:not-the-pw-123@127.0.0.1:${node.port}`,
      logger,
    });
    const err = await ensureConsumerConnection(broker).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationFailedError);
    expect(JSON.stringify(broker.health()) + logger.text() + String((err as Error).message)).not.toContain(
      'not-the-pw-123',
    );
  });
});

describe('resource alarm and broker restart', () => {
  it(
    'is degraded while RabbitMQ blocks publishers; publishes time out instead of hanging; all resumes after',
    async () => {
      const queue = uniqueName('alarm');
      const logger = new CapturingLogger();
      const broker = brokers.create({ strategy: 'shared', url: node.amqpUrl, confirmTimeout: 1_500, logger });
      await broker.send('noop', { queueName: queue });
      await node.setMemoryHighWatermark(0);
      try {
        const started = Date.now();
        const err = await broker.send('noop', { queueName: queue }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(PublishConfirmTimeoutError);
        expect(Date.now() - started).toBeLessThan(1_500 + 1_000);
        await waitFor(() => broker.health().status === 'degraded', { timeoutMs: 10_000, message: 'degraded health' });
        expect(broker.health().reason).toMatch(/RabbitMQ blocks shared connection .*low on memory/);
        expect(logger.text()).toMatch(/RabbitMQ blocked shared connection/);
      } finally {
        await node.setMemoryHighWatermark(0.4);
      }
      await waitFor(() => broker.health().status === 'up', { timeoutMs: 15_000, message: 'health back up' });
      await broker.send('noop', { queueName: queue });
      expect((await broker.getQueueMessageCounts(queue)).ready).toBeGreaterThanOrEqual(2);
      await broker.deleteQueue(queue);
    },
    LONG,
  );

  it(
    'reconnects by itself after a broker restart (stop_app / start_app)',
    async () => {
      const broker = brokers.create({
        strategy: 'pooled',
        url: node.amqpUrl,
        retry: { maxRetries: 30, intervalStart: 200, intervalStep: 200, intervalMax: 1_000 },
      });
      await ensureConsumerConnection(broker);
      // Held through the restart: an idle consumer connection closes (nothing would reconnect).
      const held = await broker.acquire('consumer');
      await node.stopApp();
      await waitFor(() => broker.health().status === 'down', { timeoutMs: 10_000, message: 'down during restart' });
      await node.startApp();
      await waitFor(() => broker.health().status === 'up', { timeoutMs: 20_000, message: 'up after restart' });
      await ensureConsumerConnection(broker);
      held.release();
    },
    LONG,
  );
});
