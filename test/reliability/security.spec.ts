/**
 * Scenario 9: security.
 * - The password of the URL never shows in logs, errors (message, stack, cause, inspect) or
 *   health output, in failure paths too (wrong password, refused port, TLS failure, failover
 *   list with dead nodes, missing permissions). Every other scenario checks its own output too.
 * - TLS verifies the server by default: a server whose CA the client was not given is refused.
 * - A user without permission on a vhost gets an error that says so.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { DramatiqBroker, type DramatiqBrokerOptions } from '../../lib/core/broker.js';
import { AuthenticationFailedError, ConnectionRefusedError, TlsHandshakeError } from '../../lib/core/errors/index.js';
import { ensureConsumerConnection, ensureProducerConnection } from '../../lib/testing/index.js';
import type { PrivateRabbitNode } from '../support/private-rabbit-node.js';
import { CapturingLogger, uniqueName } from '../support/broker-fixtures.js';
import { freePort } from '../support/ports.js';
import { makeTlsMaterial, type TlsMaterial } from '../support/tls-material.js';
import { withTimeout } from '../support/wait.js';
import { recordFigures } from './support/figures.js';
import { amqpUrl, makeAppUser, NODES, startScenarioNode } from './support/nodes.js';
import { SecretWatch } from './support/secrets.js';
import { acquireSuiteLock, SUITE_LOCK_WAIT_MS } from './support/suite-lock.js';

let releaseLock: (() => Promise<void>) | undefined;
const user = makeAppUser();
const RESTRICTED_VHOST = 'rel-restricted';
const LIMITED_VHOST = 'rel-limited';
let node: PrivateRabbitNode;
let tls: TlsMaterial;
let tmp: string;
const brokers: DramatiqBroker[] = [];
const watch = new SecretWatch(user.secretForms);
const outcomes: Record<string, string> = {};

const noRetry = { maxRetries: 0 };

beforeAll(async () => {
  releaseLock = await acquireSuiteLock('security');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ndb-rel-tls-'));
  tls = await makeTlsMaterial(tmp);
  // Server-side verification off: the only TLS check left is the client's check of the server.
  node = await startScenarioNode('security', user, {
    tls: { port: NODES.security.tlsPort, certs: tls, failIfNoPeerCert: false, verify: 'verify_none' },
  });
  await node.ctl('-q', 'add_vhost', RESTRICTED_VHOST);
  await node.ctl('-q', 'add_vhost', LIMITED_VHOST);
  // LIMITED: may read and write but not configure (declare) anything.
  await node.ctl('-q', 'set_permissions', '-p', LIMITED_VHOST, user.user, '^$', '.*', '.*');
}, SUITE_LOCK_WAIT_MS + 120_000);

afterAll(async () => {
  await Promise.all(brokers.map((b) => b.close().catch(() => undefined)));
  recordFigures({
    scenario: '9-security',
    variant: 'all',
    leaks: watch.leaks().length,
    textsChecked: watch.size,
    outcomes,
  });
  await node?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
  await releaseLock?.();
}, 120_000);

function make(options: DramatiqBrokerOptions): { broker: DramatiqBroker; logger: CapturingLogger } {
  const logger = new CapturingLogger();
  const broker = new DramatiqBroker({ logger, ...options });
  brokers.push(broker);
  return { broker, logger };
}

/** Everything a user sees of this broker goes into the watch. */
function observe(label: string, broker: DramatiqBroker, logger: CapturingLogger, error?: unknown): void {
  watch.addLines(`${label}.log`, logger.lines);
  watch.addJson(`${label}.health`, broker.health());
  watch.addJson(`${label}.connections`, broker.connections());
  if (error !== undefined) watch.addError(`${label}.error`, error);
}

async function failure(p: Promise<unknown>, ms = 30_000): Promise<unknown> {
  return withTimeout(p, ms, 'the operation to settle').then(
    () => undefined,
    (e: unknown) => e,
  );
}

const tlsUrl = (pass = user.password) =>
  `amqps://${encodeURIComponent(user.user)}:${encodeURIComponent(pass)}@localhost:${NODES.security.tlsPort}`;

describe('scenario 9: the password never shows', () => {
  it('not for a wrong password (reported at once, no retries)', async () => {
    const wrong = `${user.password}-wrong`;
    const local = new SecretWatch([wrong, encodeURIComponent(wrong), ...user.secretForms]);
    const { broker, logger } = make({
      strategy: 'shared',
      url: amqpUrl(node.port, { ...user, password: wrong }),
      retry: { maxRetries: 5 },
    });
    const err = await failure(ensureConsumerConnection(broker));
    expect(err).toBeInstanceOf(AuthenticationFailedError);
    local.addLines('log', logger.lines);
    local.addJson('health', broker.health());
    local.addError('error', err);
    outcomes['wrong password'] = (err as Error).name;
    expect(local.leaks()).toEqual([]);
  });

  it('not for a refused port, a send that fails, or a failover list of dead nodes', async () => {
    const dead = [await freePort(), await freePort()];
    const { broker, logger } = make({
      strategy: 'pooled',
      url: dead.map((p) => amqpUrl(p, user)),
      retry: { maxRetries: 2, intervalStart: 50, intervalStep: 50, intervalMax: 100 },
    });
    const err = await failure(broker.send('rel_none', { queueName: 'rel-none' }));
    expect(err).toBeInstanceOf(ConnectionRefusedError);
    observe('refused', broker, logger, err);
    outcomes['refused port'] = (err as Error).name;
    expect(watch.leaks()).toEqual([]);
  });

  it('not in a working run: logs, health, connections and a console.log of the broker', async () => {
    const { broker, logger } = make({ strategy: 'shared', url: amqpUrl(node.port, user) });
    const queue = uniqueName('rel-sec');
    await broker.send('rel_none', { queueName: queue });
    await broker.deleteQueue(queue);
    observe('working', broker, logger);
    expect(watch.leaks()).toEqual([]);
    // Regression test for D1 (found here, fixed in 1853028): console.log(broker) printed
    // settings.connection.endpoints[].url and settings.connection.secrets, i.e. the password.
    // What console.log(broker) or a Nest debug dump of the provider would print.
    const printed = new SecretWatch(user.secretForms);
    printed.add('inspect', inspect(broker, { depth: 6 }));
    outcomes['inspect(broker)'] = printed.leaks().length === 0 ? 'clean' : 'shows the password';
    expect(printed.leaks()).toEqual([]);
  });
});

describe('scenario 9: TLS verifies the server by default', () => {
  it('connects when given the CA that signed the server certificate (control)', async () => {
    const { broker, logger } = make({ strategy: 'shared', url: tlsUrl(), tls: { ca: tls.ca }, retry: noRetry });
    await ensureProducerConnection(broker);
    expect(broker.health().status).toBe('up');
    const conns = (await node.listConnections()).filter((c) => c.user === user.user);
    expect(conns.some((c) => c.ssl)).toBe(true);
    observe('tls-ok', broker, logger);
    await broker.close();
  });

  it.each([
    ['no tls option at all', undefined],
    ['tls options without a CA', { servername: 'localhost' }],
    ['an unrelated CA', { ca: 'OTHER' }],
  ] as const)('refuses a server it cannot verify: %s', async (label, tlsOptions) => {
    const options = tlsOptions === undefined ? undefined : 'ca' in tlsOptions ? { ca: tls.otherCa } : tlsOptions;
    const { broker, logger } = make({
      strategy: 'shared',
      url: tlsUrl(),
      ...(options ? { tls: options } : {}),
      retry: noRetry,
    });
    const err = await failure(ensureConsumerConnection(broker));
    expect(err).toBeInstanceOf(TlsHandshakeError);
    expect((err as Error).message).toMatch(/not signed by a trusted CA|tls\.ca/);
    observe(`tls-${label}`, broker, logger, err);
    outcomes[`TLS, ${label}`] = (err as Error).name;
    expect(watch.leaks()).toEqual([]);
  });

  it('refuses a certificate for another host name', async () => {
    const { broker, logger } = make({
      strategy: 'shared',
      url: tlsUrl(),
      tls: { ca: tls.ca, servername: 'not-this-host.example' },
      retry: noRetry,
    });
    const err = await failure(ensureConsumerConnection(broker));
    expect(err).toBeInstanceOf(TlsHandshakeError);
    expect((err as Error).message).toMatch(/does not match the host name/);
    observe('tls-servername', broker, logger, err);
    outcomes['TLS, wrong host name'] = (err as Error).name;
  });

  it('connects without verification only when rejectUnauthorized: false is asked for', async () => {
    const { broker, logger } = make({
      strategy: 'shared',
      url: tlsUrl(),
      tls: { rejectUnauthorized: false },
      retry: noRetry,
    });
    await ensureProducerConnection(broker);
    observe('tls-noverify', broker, logger);
    outcomes['TLS, rejectUnauthorized false'] = broker.health().status;
    await broker.close();
  });
});

describe('scenario 9: permissions', () => {
  it('a user with no access to the vhost gets an error that names the vhost and the permission problem', async () => {
    const { broker, logger } = make({
      strategy: 'shared',
      url: amqpUrl(node.port, user, RESTRICTED_VHOST),
      retry: { maxRetries: 1, intervalStart: 50 },
    });
    const started = Date.now();
    const err = await failure(broker.send('rel_none', { queueName: 'rel-none' }));
    const ms = Date.now() - started;
    observe('vhost', broker, logger, err);
    outcomes['no access to vhost'] = `${(err as Error)?.name}: ${(err as Error)?.message} (${ms} ms)`;
    expect(err).toBeInstanceOf(Error);
    // amqplib drops the server's reason here ("Expected ConnectionOpenOk; got <ConnectionClose
    // channel:0>"), so the library cannot tell "no access" from "connection limit": the message
    // must name the vhost and list missing access as a cause (see the report, limitation L1).
    expect((err as Error).message).toMatch(/rel-restricted/);
    expect((err as Error).message).toMatch(/no access to it|set_permissions/);
    expect(watch.leaks()).toEqual([]);
  });

  it('a user who may not declare queues gets a clear error from send(), not a hang', async () => {
    const { broker, logger } = make({
      strategy: 'shared',
      url: amqpUrl(node.port, user, LIMITED_VHOST),
      confirmTimeout: 2_000,
      retry: noRetry,
    });
    const started = Date.now();
    const err = await failure(broker.send('rel_none', { queueName: 'rel-denied' }));
    const ms = Date.now() - started;
    observe('configure', broker, logger, err);
    outcomes['no configure permission, send'] = `${(err as Error)?.name}: ${(err as Error)?.message} (${ms} ms)`;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/ACCESS[_-]REFUSED|access to queue .* refused/i);
    expect(ms).toBeLessThan(10_000);
    // The connection itself is fine: a permission error on a channel must not take it down.
    expect(broker.health().status).toBe('up');
  });

  it('a worker that may not declare its queue fails to start with that reason', async () => {
    const { broker, logger } = make({
      strategy: 'pooled',
      url: amqpUrl(node.port, user, LIMITED_VHOST),
      retry: noRetry,
    });
    broker.registerActor('rel_none', () => undefined, { queueName: 'rel-denied-worker' });
    const worker = broker.createWorker({ concurrency: 1, shutdownTimeout: 500 });
    const err = await failure(worker.start());
    await worker.stop().catch(() => undefined);
    observe('worker-configure', broker, logger, err);
    outcomes['no configure permission, worker'] = `${(err as Error)?.name}: ${(err as Error)?.message}`;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/ACCESS[_-]REFUSED|access to queue .* refused/i);
  });

  // Found defect D2 (now fixed): the server's 403 on the channel used to be retried as a lost
  // connection and reported as "channel closed"; send() now rejects with the server's reason.
  it('a user who may not write gets a clear error from send() once the queue exists', async () => {
    const queue = uniqueName('rel-nowrite');
    // The queues exist (declared by guest); the app user may configure and read but not write.
    const admin = make({
      strategy: 'shared',
      url: `amqp://guest:guest@127.0.0.1:${node.port}/${LIMITED_VHOST}`,
      retry: noRetry,
    }).broker;
    await node.ctl('-q', 'set_permissions', '-p', LIMITED_VHOST, 'guest', '.*', '.*', '.*');
    await admin.declareQueue(queue);
    await node.ctl('-q', 'set_permissions', '-p', LIMITED_VHOST, user.user, '.*', '^$', '.*');
    try {
      const { broker, logger } = make({
        strategy: 'shared',
        url: amqpUrl(node.port, user, LIMITED_VHOST),
        confirmTimeout: 2_000,
        retry: noRetry,
      });
      const started = Date.now();
      const err = await failure(broker.send('rel_none', { queueName: queue }));
      const ms = Date.now() - started;
      observe('write', broker, logger, err);
      outcomes['no write permission, send'] = `${(err as Error)?.name}: ${(err as Error)?.message} (${ms} ms)`;
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).name).toBe('PublishRejectedError');
      expect((err as Error).message).toMatch(/ACCESS[_-]REFUSED|access to exchange .* refused|permission/i);
      expect(ms).toBeLessThan(10_000);
    } finally {
      await node.ctl('-q', 'set_permissions', '-p', LIMITED_VHOST, user.user, '^$', '.*', '.*');
      await admin.deleteQueue(queue).catch(() => undefined);
    }
  });
});
