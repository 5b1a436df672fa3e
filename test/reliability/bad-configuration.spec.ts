/**
 * Scenario 8: invalid options fail at construction (no connection attempt), with an
 * InvalidBrokerOptionError whose `.option` and message name the option. A password in a
 * malformed URL must not be echoed. Also the worker options and the Nest module (a bad option
 * stops the application at start).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BrokerModule } from '../../lib/broker.module.js';
import { DramatiqBroker } from '../../lib/core/broker.js';
import { InvalidBrokerOptionError } from '../../lib/core/errors/index.js';
import { recordFigures } from './support/figures.js';
import { SecretWatch } from './support/secrets.js';

const SECRET = 'Cfg-s3cr3t-Pw';
const missing = '/nonexistent/reliability/ca.pem';

type Options = Record<string, unknown>;
/** [label, options, expected .option] */
const CASES: Array<[string, Options, string]> = [
  ['unknown strategy', { strategy: 'round-robin' }, 'strategy'],
  ['missing strategy', {}, 'strategy'],
  ['strategy of the wrong type', { strategy: 1 }, 'strategy'],
  ['malformed URL', { strategy: 'shared', url: 'not a url' }, 'url'],
  ['malformed URL with a password', { strategy: 'shared', url: `amqp://app:${SECRET}@host:notaport` }, 'url'],
  ['URL of another scheme', { strategy: 'shared', url: `http://app:${SECRET}@host/` }, 'url'],
  ['URL without a host', { strategy: 'shared', url: 'amqp://' }, 'url'],
  ['URL of the wrong type', { strategy: 'shared', url: 5672 }, 'url'],
  ['empty URL list', { strategy: 'shared', url: [] }, 'url'],
  ['bad URL in a list', { strategy: 'pooled', url: ['amqp://a:5672', `amqp://app:${SECRET}@b:x`] }, 'url[1]'],
  ['negative heartbeat', { strategy: 'shared', heartbeat: -5 }, 'heartbeat'],
  ['heartbeat as a string', { strategy: 'shared', heartbeat: '30' }, 'heartbeat'],
  ['heartbeat not an integer', { strategy: 'shared', heartbeat: 1.5 }, 'heartbeat'],
  ['heartbeat NaN', { strategy: 'shared', heartbeat: Number.NaN }, 'heartbeat'],
  ['heartbeat too large', { strategy: 'shared', heartbeat: 70_000 }, 'heartbeat'],
  ['zero connectTimeout', { strategy: 'shared', connectTimeout: 0 }, 'connectTimeout'],
  ['retry not an object', { strategy: 'shared', retry: 5 }, 'retry'],
  ['negative retry.maxRetries', { strategy: 'shared', retry: { maxRetries: -1 } }, 'retry.maxRetries'],
  ['retry.intervalStart as a string', { strategy: 'shared', retry: { intervalStart: '100' } }, 'retry.intervalStart'],
  ['unknown retry key', { strategy: 'shared', retry: { backoff: 2 } }, 'retry.backoff'],
  ['zero confirmTimeout', { strategy: 'shared', confirmTimeout: 0 }, 'confirmTimeout'],
  ['infinite confirmTimeout', { strategy: 'shared', confirmTimeout: Infinity }, 'confirmTimeout'],
  ['negative confirmTimeout', { strategy: 'shared', confirmTimeout: -1 }, 'confirmTimeout'],
  ['negative maxBufferedMessages', { strategy: 'shared', maxBufferedMessages: -1 }, 'maxBufferedMessages'],
  ['zero maxEnqueueAttempts', { strategy: 'shared', maxEnqueueAttempts: 0 }, 'maxEnqueueAttempts'],
  ['tiny maxMessageBytes', { strategy: 'shared', maxMessageBytes: 10 }, 'maxMessageBytes'],
  ['confirmDelivery as a string', { strategy: 'shared', confirmDelivery: 'yes' }, 'confirmDelivery'],
  ['connectOnStartup as a number', { strategy: 'shared', connectOnStartup: 1 }, 'connectOnStartup'],
  ['zero maxProducerConnections', { strategy: 'pooled', maxProducerConnections: 0 }, 'maxProducerConnections'],
  ['negative maxConsumerConnections', { strategy: 'pooled', maxConsumerConnections: -3 }, 'maxConsumerConnections'],
  ['negative acquireTimeout', { strategy: 'pooled', acquireTimeout: -1 }, 'acquireTimeout'],
  ['shared-only option on pooled', { strategy: 'pooled', maxConsumerChannels: 10 }, 'maxConsumerChannels'],
  ['pooled-only option on shared', { strategy: 'shared', maxProducerConnections: 10 }, 'maxProducerConnections'],
  [
    'channel pools above channel_max',
    { strategy: 'shared', maxProducerChannels: 2000, maxConsumerChannels: 100 },
    'maxConsumerChannels',
  ],
  ['unknown queueType', { strategy: 'shared', queueType: 'stream' }, 'queueType'],
  ['maxPriority out of range', { strategy: 'shared', maxPriority: 300 }, 'maxPriority'],
  ['maxPriority with quorum queues', { strategy: 'shared', queueType: 'quorum', maxPriority: 5 }, 'maxPriority'],
  ['unknown topology', { strategy: 'shared', topology: 'fancy' }, 'topology'],
  ['negative maxDelayTime', { strategy: 'shared', maxDelayTime: -1 }, 'maxDelayTime'],
  ['zero deadMessageTtl', { strategy: 'shared', deadMessageTtl: 0 }, 'deadMessageTtl'],
  ['invalid defaultQueueName', { strategy: 'shared', defaultQueueName: 'bad name!' }, 'defaultQueueName'],
  ['empty connectionName', { strategy: 'shared', connectionName: '' }, 'connectionName'],
  ['clientProperties not an object', { strategy: 'shared', clientProperties: 'x' }, 'clientProperties'],
  ['logger without methods', { strategy: 'shared', logger: {} }, 'logger'],
  ['middleware not an array', { strategy: 'shared', middleware: 'retries' }, 'middleware'],
  ['misspelt option', { strategy: 'shared', hearbeat: 30 }, 'hearbeat'],
  ['unknown option carrying a secret', { strategy: 'shared', password: SECRET }, 'password'],
  ['TLS options with an amqp:// URL', { strategy: 'shared', url: 'amqp://h:5672', tls: { ca: 'x' } }, 'tls'],
  ['TLS CA file missing', { strategy: 'shared', url: 'amqps://h:5671', tls: { caFile: missing } }, 'tls.caFile'],
  ['TLS CA file is a directory', { strategy: 'shared', url: 'amqps://h:5671', tls: { caFile: '/tmp' } }, 'tls.caFile'],
  [
    'TLS cert file missing',
    { strategy: 'shared', url: 'amqps://h:5671', tls: { certFile: missing, keyFile: missing } },
    'tls.certFile',
  ],
  [
    'TLS key file missing',
    { strategy: 'shared', url: 'amqps://h:5671', tls: { cert: 'PEM', keyFile: missing } },
    'tls.keyFile',
  ],
  ['TLS cert without key', { strategy: 'shared', url: 'amqps://h:5671', tls: { cert: 'PEM' } }, 'tls.key'],
  [
    'TLS rejectUnauthorized as a string',
    { strategy: 'shared', url: 'amqps://h:5671', tls: { rejectUnauthorized: 'no' } },
    'tls.rejectUnauthorized',
  ],
  ['unknown TLS key', { strategy: 'shared', url: 'amqps://h:5671', tls: { verify: false } }, 'tls.verify'],
  ['empty TLS passphrase', { strategy: 'shared', url: 'amqps://h:5671', tls: { passphrase: '' } }, 'tls.passphrase'],
];

const WORKER_CASES: Array<[string, Options, string]> = [
  ['zero concurrency', { concurrency: 0 }, 'worker.concurrency'],
  ['concurrency as a string', { concurrency: '8' }, 'worker.concurrency'],
  ['negative shutdownTimeout', { shutdownTimeout: -1 }, 'worker.shutdownTimeout'],
  ['queues not an array', { queues: 'q' }, 'worker.queues'],
  ['unknown worker key', { prefetch: 10 }, 'worker.prefetch'],
];

const results: Array<{ label: string; option: string; ok: boolean; message: string }> = [];
const watch = new SecretWatch([SECRET, encodeURIComponent(SECRET)]);

afterAll(() => {
  recordFigures({
    scenario: '8-bad-configuration',
    variant: 'table',
    cases: results.length,
    namedTheOption: results.filter((r) => r.ok).length,
    notes: 'each invalid option fails at construction with InvalidBrokerOptionError naming it',
  });
});

function check(label: string, expected: string, build: () => unknown): void {
  let error: unknown;
  try {
    build();
  } catch (e) {
    error = e;
  }
  watch.addError(label, error);
  const message = error instanceof Error ? error.message : String(error);
  const ok =
    error instanceof InvalidBrokerOptionError && error.option === expected && message.includes(`"${expected}"`);
  results.push({ label, option: expected, ok, message });
  expect(error).toBeInstanceOf(InvalidBrokerOptionError);
  expect({ option: (error as InvalidBrokerOptionError).option, named: message.includes(`"${expected}"`) }).toEqual({
    option: expected,
    named: true,
  });
  expect(watch.leaks()).toEqual([]);
}

describe('scenario 8: bad configuration fails at construction, naming the option', () => {
  it.each(CASES)('%s', (label, options, expected) => {
    check(label, expected, () => new DramatiqBroker(options as never));
  });

  it.each(WORKER_CASES)('worker: %s', (label, options, expected) => {
    const broker = new DramatiqBroker({ strategy: 'shared' });
    check(label, expected, () => broker.createWorker(options as never));
  });

  it('BrokerModule.forRoot: a bad option stops the application at start, naming the option', async () => {
    class AppModule {}
    Module({ imports: [BrokerModule.forRoot({ strategy: 'shared', heartbeat: -1 } as never)] })(AppModule);
    const error = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false }).then(
      async (app) => {
        await app.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    results.push({
      label: 'Nest module',
      option: 'heartbeat',
      ok: error instanceof InvalidBrokerOptionError,
      message: String((error as Error)?.message),
    });
    expect(error).toBeInstanceOf(InvalidBrokerOptionError);
    expect((error as InvalidBrokerOptionError).option).toBe('heartbeat');
  });
});
