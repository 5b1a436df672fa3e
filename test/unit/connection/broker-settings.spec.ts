import { describe, expect, it } from '@jest/globals';
import { hostname } from 'node:os';
import { InvalidBrokerOptionError } from '../../../lib/core/errors/index.js';
import type { BrokerOptions } from '../../../lib/core/options/broker-options.js';
import { resolveBrokerSettings } from '../../../lib/core/options/broker-settings.js';
import { resolveMessagingSettings } from '../../../lib/core/options/messaging-settings.js';

const resolve = (o: Partial<BrokerOptions> & Record<string, unknown>) => resolveBrokerSettings(o as BrokerOptions);

describe('resolveBrokerSettings: defaults', () => {
  it('fills the documented defaults for the shared strategy', () => {
    const s = resolve({ strategy: 'shared' });
    expect(s.strategy).toBe('shared');
    expect(s.connection.heartbeat).toBe(60);
    expect(s.connection.connectTimeout).toBe(10_000);
    expect(s.connection.retry).toEqual({ maxRetries: 5, intervalStart: 0, intervalStep: 2000, intervalMax: 30000 });
    expect(s.connection.connectionName).toBe(hostname());
    expect(s.connection.clientProperties).toEqual({ connection_name: hostname() });
    expect(s.pools).toEqual({
      producers: 100,
      consumers: 100,
      consumersPerChannel: 50,
      acquireTimeout: 0,
      producerSharing: 1000,
      publishesWhileConsuming: 200,
    });
    expect(s.connectOnStartup).toBe(false);
    expect(s.connection.endpoints.map((e) => e.address)).toEqual(["amqp://127.0.0.1:5672 (vhost '/')"]);
  });

  it('fills the pooled pool sizes (10 producers, 100 consumer connections of 100 channels of 50 consumers)', () => {
    expect(resolve({ strategy: 'pooled' }).pools).toEqual({
      producers: 10,
      consumers: 100,
      channelsPerConsumerConnection: 100,
      consumersPerChannel: 50,
      acquireTimeout: 10_000,
      producerSharing: 1000,
    });
  });

  it('fills the shared consumer placement (100 channels of 50 consumers) and takes custom values', () => {
    const s = resolve({ strategy: 'shared' }).pools;
    expect([s.consumers, s.consumersPerChannel, s.channelsPerConsumerConnection]).toEqual([100, 50, undefined]);
    expect(resolve({ strategy: 'shared', maxConsumersPerChannel: 1 }).pools.consumersPerChannel).toBe(1);
    const p = resolve({ strategy: 'pooled', maxChannelsPerConsumerConnection: 7 }).pools;
    expect(p.channelsPerConsumerConnection).toBe(7);
  });

  it('keeps a custom name, extra client properties and heartbeat 0', () => {
    const s = resolve({ strategy: 'shared', connectionName: 'api', clientProperties: { team: 'x' }, heartbeat: 0 });
    expect(s.connection.clientProperties).toEqual({ connection_name: 'api', team: 'x' });
    expect(s.connection.heartbeat).toBe(0);
  });

  it('parses a URL list for failover, in order, with vhosts', () => {
    const s = resolve({ strategy: 'shared', url: ['amqp://u:p@a:5672/v1', 'amqps://b'] });
    expect(s.connection.endpoints.map((e) => [e.address, e.vhost, e.tls])).toEqual([
      ["amqp://a:5672 (vhost 'v1')", 'v1', false],
      ["amqps://b:5671 (vhost '/')", '/', true],
    ]);
    expect(s.connection.secrets).toContain('p');
  });
});

describe('resolveBrokerSettings: invalid options name the option and the allowed values', () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['unknown strategy', { strategy: 'clustered' }, 'strategy', /one of 'pooled', 'shared'/],
    ['missing strategy', {}, 'strategy', /one of 'pooled', 'shared'/],
    [
      'maxConsumersPerChannel 0',
      { strategy: 'shared', maxConsumersPerChannel: 0 },
      'maxConsumersPerChannel',
      /integer from 1 to 10000/,
    ],
    [
      'maxChannelsPerConsumerConnection with shared',
      { strategy: 'shared', maxChannelsPerConsumerConnection: 5 },
      'maxChannelsPerConsumerConnection',
      /only to strategy 'pooled'/,
    ],
    [
      'maxChannelsPerConsumerConnection too big',
      { strategy: 'pooled', maxChannelsPerConsumerConnection: 3000 },
      'maxChannelsPerConsumerConnection',
      /integer from 1 to 2047/,
    ],
    ['heartbeat negative', { strategy: 'shared', heartbeat: -1 }, 'heartbeat', /integer from 0 to 65535/],
    ['heartbeat string', { strategy: 'shared', heartbeat: '60' }, 'heartbeat', /integer/],
    ['connectTimeout zero', { strategy: 'shared', connectTimeout: 0 }, 'connectTimeout', /integer >= 1/],
    ['bad scheme', { strategy: 'shared', url: 'http://x' }, 'url', /amqp:\/\/' or 'amqps:\/\//],
    ['not a URL', { strategy: 'shared', url: 'not a url' }, 'url', /AMQP URL/],
    ['empty URL list', { strategy: 'shared', url: [] }, 'url', /non-empty list/],
    ['second URL bad', { strategy: 'shared', url: ['amqp://a', 5] }, 'url[1]', /AMQP URL/],
    [
      'pool size negative',
      { strategy: 'pooled', maxProducerConnections: -3 },
      'maxProducerConnections',
      /integer from 1/,
    ],
    [
      'channel pool too big',
      { strategy: 'shared', maxConsumerChannels: 5000 },
      'maxConsumerChannels',
      /from 1 to 2047/,
    ],
    [
      'pooled option on shared',
      { strategy: 'shared', maxProducerConnections: 3 },
      'maxProducerConnections',
      /only to strategy 'pooled'/,
    ],
    [
      'shared option on pooled',
      { strategy: 'pooled', maxProducerChannels: 3 },
      'maxProducerChannels',
      /only to strategy 'shared'/,
    ],
    ['retries negative', { strategy: 'shared', retry: { maxRetries: -1 } }, 'retry.maxRetries', /or Infinity/],
    [
      'retry typo',
      { strategy: 'shared', retry: { intervalStrat: 1 } },
      'retry.intervalStrat',
      /Unknown broker option.*intervalStart/,
    ],
    [
      'top-level typo',
      { strategy: 'shared', hearbeat: 5 },
      'hearbeat',
      /Unknown broker option "hearbeat". Known options here: .*heartbeat/,
    ],
    [
      'publish cap of a shared worker below 1',
      { strategy: 'shared', maxPublishesWhileConsuming: 0 },
      'maxPublishesWhileConsuming',
      /from 1 to/,
    ],
    [
      'publish cap of a shared worker on pooled',
      { strategy: 'pooled', maxPublishesWhileConsuming: 100 },
      'maxPublishesWhileConsuming',
      /only to strategy 'shared'/,
    ],
    [
      'channel pools over channel_max',
      { strategy: 'shared', maxProducerChannels: 2000, maxConsumerChannels: 100 },
      'maxConsumerChannels',
      /<= 2047/,
    ],
    ['empty name', { strategy: 'shared', connectionName: '' }, 'connectionName', /non-empty string/],
    ['tls without amqps', { strategy: 'shared', tls: { rejectUnauthorized: true } }, 'tls', /amqps/],
    [
      'tls file missing',
      { strategy: 'shared', url: 'amqps://h', tls: { caFile: '/nonexistent/ca.pem' } },
      'tls.caFile',
      /readable PEM file \(ENOENT\)/,
    ],
    ['tls cert without key', { strategy: 'shared', url: 'amqps://h', tls: { cert: 'x' } }, 'tls.key', /together/],
    [
      'connectOnStartup not boolean',
      { strategy: 'shared', connectOnStartup: 'yes' },
      'connectOnStartup',
      /true or false/,
    ],
  ];
  it.each(cases)('%s', (_label, options, option, allowed) => {
    let caught: unknown;
    try {
      resolve(options);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidBrokerOptionError);
    const err = caught as InvalidBrokerOptionError;
    expect(err.option).toBe(option);
    expect(err.message).toContain(`"${option}"`);
    expect(err.message).toMatch(allowed);
  });

  it("refuses a confirmTimeout past setTimeout's limit (Node would fire it after 1 ms)", () => {
    expect(() => resolveMessagingSettings({ confirmTimeout: 2 ** 31 })).toThrow(
      /"confirmTimeout".*integer from 1 to 2147483647/,
    );
    expect(resolveMessagingSettings({ confirmTimeout: 2 ** 31 - 1 }).confirmTimeout).toBe(2 ** 31 - 1);
  });

  it('never echoes the password of a rejected URL', () => {
    expect(() => resolve({ strategy: 'shared', url: 'http://user:hunter2secret@host' })).toThrow(/\*\*\*/);
    try {
      resolve({ strategy: 'shared', url: 'http://user:hunter2secret@host' });
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('hunter2secret');
    }
  });

  it('never echoes the value of a misspelt option (it may be a secret)', () => {
    let message = '';
    try {
      resolve({ strategy: 'shared', uri: 'amqp://app:s3cretpass@rabbit' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/Unknown broker option "uri"/);
    expect(message).not.toContain('s3cretpass');
    expect(() => resolve({ strategy: 'shared', connectionName: 5 as never })).toThrow(/received 5/);
    try {
      resolve({ strategy: 'shared', connectionName: { url: 'x' } as never });
    } catch (err) {
      expect((err as Error).message).toContain('received an object');
    }
  });

  it('takes clientProperties.connection_name over connectionName, so logs match the server', () => {
    const s = resolve({ strategy: 'shared', connectionName: 'a', clientProperties: { connection_name: 'b' } });
    expect(s.connection.connectionName).toBe('b');
    expect(s.connection.clientProperties.connection_name).toBe('b');
  });

  it('accepts extra option keys owned by other layers', () => {
    expect(() =>
      resolveBrokerSettings({ strategy: 'shared', defaultQueueName: 'q' } as never, ['defaultQueueName']),
    ).not.toThrow();
  });
});
