/**
 * The AMQP properties we publish, read back off the real RabbitMQ with a plain amqplib
 * basic.get, compared with what Dramatiq 2.2 (pika) published in test/fixtures/dramatiq-golden.json:
 * delivery_mode 2 and, when set, priority; nothing else (in particular no headers table).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import amqplib, { type Channel, type ChannelModel, type MessageProperties } from 'amqplib';
import type { DramatiqBrokerOptions } from '../../../lib/core/broker.js';
import { BrokerTracker, CapturingLogger, uniqueName } from '../../support/broker-fixtures.js';
import { readFixture } from '../../support/fixtures.js';

const URL = 'amqp://guest:guest@127.0.0.1:5672';
const golden = readFixture<{ cases: Record<string, { wire: { properties: Record<string, unknown> } }> }>(
  'dramatiq-golden.json',
);

/** The properties RabbitMQ delivered, named as pika names them, only those present on the wire. */
function asPika(properties: MessageProperties): Record<string, unknown> {
  const names: Record<string, keyof MessageProperties> = {
    content_type: 'contentType',
    content_encoding: 'contentEncoding',
    headers: 'headers',
    delivery_mode: 'deliveryMode',
    priority: 'priority',
    correlation_id: 'correlationId',
    reply_to: 'replyTo',
    expiration: 'expiration',
    message_id: 'messageId',
    timestamp: 'timestamp',
    type: 'type',
    user_id: 'userId',
    app_id: 'appId',
  };
  const present: Record<string, unknown> = {};
  for (const [pika, amqplibName] of Object.entries(names)) {
    if (properties[amqplibName] !== undefined) present[pika] = properties[amqplibName];
  }
  return present;
}

describe('AMQP properties as Dramatiq publishes them', () => {
  const brokers = new BrokerTracker();
  const queues: string[] = [];
  let connection: ChannelModel;
  let channel: Channel;

  beforeAll(async () => {
    connection = await amqplib.connect(URL);
    channel = await connection.createChannel();
  });

  afterAll(async () => {
    for (const q of queues) await channel.deleteQueue(q).catch(() => undefined);
    await connection.close();
    await brokers.closeAll();
  });

  async function publishAndGet(
    options: Partial<DramatiqBrokerOptions>,
    send: { delay?: number; priority?: number; args?: unknown[] },
  ): Promise<{ queue: string; properties: MessageProperties; body: Buffer }> {
    const queue = uniqueName('props');
    queues.push(queue, `${queue}.DQ`, `${queue}.XQ`);
    const broker = brokers.create({ url: URL, strategy: 'shared', logger: new CapturingLogger(), ...options });
    await broker.send('add', {
      queueName: queue,
      args: send.args ?? [1, 2],
      delay: send.delay,
      options: send.priority === undefined ? {} : { broker_priority: send.priority },
    });
    const target = send.delay === undefined ? queue : `${queue}.DQ`;
    const got = await channel.get(target, { noAck: true });
    if (got === false) throw new Error(`nothing in ${target}`);
    return { queue, properties: got.properties, body: got.content };
  }

  it('a plain send: delivery_mode 2 and nothing else, no headers table', async () => {
    const { properties } = await publishAndGet({}, {});
    expect(properties.headers).toBeUndefined();
    expect(asPika(properties)).toEqual(golden.cases.plain_send!.wire.properties);
  });

  it("a delayed send with Dramatiq's layout (dlx-routing): as Dramatiq's", async () => {
    const { properties } = await publishAndGet({ topology: 'dlx-routing' }, { delay: 60_000 });
    expect(asPika(properties)).toEqual(golden.cases.delayed_60s!.wire.properties);
  });

  it("a delayed send with the default layout: Dramatiq's properties plus the delay as expiration", async () => {
    const { properties } = await publishAndGet({}, { delay: 60_000 });
    expect(asPika(properties)).toEqual({ ...golden.cases.delayed_60s!.wire.properties, expiration: '60000' });
  });

  it('a prioritised send: delivery_mode 2 and priority', async () => {
    const { properties } = await publishAndGet({ maxPriority: 10 }, { priority: 5 });
    expect(asPika(properties)).toEqual(golden.cases.broker_priority_5!.wire.properties);
  });

  // RabbitMQ 3.10 negotiates frames of at most 131,072 bytes: a larger body is split by amqplib
  // (its sendMessage), a smaller one goes out as one frame encoded by the producer channel itself.
  it.each([
    ['in one frame', 130_000, 0],
    ['split across frames', 300_000, 1],
  ])('a large message %s arrives whole, with the same properties', async (_how, size, throughAmqplib) => {
    const text = 'a'.repeat(size - 200) + 'é'.repeat(50); // escaped as Dramatiq does
    // Counts the publishes amqplib encodes (its channels' sendMessage, on the prototype: an own
    // property would read as a closing channel).
    const amqplibChannel = createRequire(import.meta.url)(
      join(dirname(createRequire(import.meta.url).resolve('amqplib')), 'lib', 'channel.js'),
    ).Channel.prototype as { sendMessage: (...args: unknown[]) => unknown };
    const original = amqplibChannel.sendMessage;
    let encodedByAmqplib = 0;
    amqplibChannel.sendMessage = function (this: unknown, ...args: unknown[]) {
      encodedByAmqplib += 1;
      return original.apply(this, args);
    };
    let got: { properties: MessageProperties; body: Buffer };
    try {
      got = await publishAndGet({}, { args: [text] });
    } finally {
      amqplibChannel.sendMessage = original;
    }
    expect(encodedByAmqplib).toBe(throughAmqplib);
    const { properties, body } = got;
    expect(asPika(properties)).toEqual(golden.cases.plain_send!.wire.properties);
    const decoded = JSON.parse(body.toString('utf8')) as { args: string[] };
    expect(decoded.args[0]).toBe(text);
    expect(body.includes('\\u00e9')).toBe(true);
  });
});
