/**
 * encodePublishFrames against amqplib's own encoder: for every combination of the properties we
 * send, the bytes must be exactly those amqplib's sendMessage writes (method, content header and
 * body frames in one buffer), or the encoder must decline so that amqplib encodes them.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { encodePublishFrames } from '../../../lib/core/connection/publish-frames.js';
import type { PublishProperties } from '../../../lib/core/connection/producer-channel.js';

// amqplib's encoder modules are not among its package exports: loaded by path.
const require = createRequire(import.meta.url);
const amqplibDir = dirname(require.resolve('amqplib'));
const defs = require(join(amqplibDir, 'lib', 'defs.js'));
const frame = require(join(amqplibDir, 'lib', 'frame.js'));

/** What amqplib's connection.sendMessage writes for one publish on the default exchange, mandatory set. */
function amqplibFrames(channel: number, routingKey: string, properties: PublishProperties, body: Buffer): Buffer {
  const fields = {
    exchange: '',
    routingKey,
    mandatory: true,
    immediate: false,
    ticket: undefined,
    deliveryMode: properties.persistent ? 2 : 1,
    priority: properties.priority,
    expiration: properties.expiration,
  };
  const parts: Buffer[] = [
    defs.encodeMethod(defs.BasicPublish, channel, fields),
    defs.encodeProperties(defs.BasicProperties, channel, body.length, fields),
  ];
  if (body.length > 0) parts.push(frame.makeBodyFrame(channel, body));
  return Buffer.concat(parts);
}

const FRAME_MAX = 131_072;

describe('encodePublishFrames', () => {
  const keys = ['', 'q', 'default.DQ', 'orders-high_priority.v2', 'k'.repeat(255), 'café-queue'];
  const propertySets: PublishProperties[] = [
    { persistent: true },
    { persistent: false },
    { persistent: true, priority: 0 },
    { persistent: true, priority: 9 },
    { persistent: true, priority: 255 },
    { persistent: true, expiration: '60000' },
    { persistent: false, priority: 5, expiration: '1' },
    { persistent: true, expiration: '' },
    { persistent: true, expiration: 'e'.repeat(255) },
  ];
  const bodies = [0, 1, 1_019, 2_048, 70_000, FRAME_MAX - 8].map((n) =>
    Buffer.from(Array.from({ length: n }, (_, i) => (i * 31) % 256)),
  );

  it('writes exactly the bytes amqplib writes, for every routing key, property set, body size and channel', () => {
    let compared = 0;
    for (const channel of [1, 2, 300, 65_535])
      for (const key of keys)
        for (const properties of propertySets)
          for (const body of bodies) {
            const ours = encodePublishFrames(channel, key, properties, body, FRAME_MAX);
            expect(ours).toBeDefined();
            expect(ours!.equals(amqplibFrames(channel, key, properties, body))).toBe(true);
            compared += 1;
          }
    expect(compared).toBe(4 * keys.length * propertySets.length * bodies.length);
  });

  it('declines what does not fit one frame, a short string or an octet, for amqplib to encode (or refuse)', () => {
    const body = Buffer.alloc(10);
    expect(encodePublishFrames(1, 'q', { persistent: true }, Buffer.alloc(FRAME_MAX - 7), FRAME_MAX)).toBeUndefined();
    expect(encodePublishFrames(1, 'q', { persistent: true }, Buffer.alloc(4_089), 4_096)).toBeUndefined();
    expect(encodePublishFrames(1, 'q', { persistent: true }, Buffer.alloc(4_088), 4_096)).toBeDefined();
    expect(encodePublishFrames(1, 'k'.repeat(256), { persistent: true }, body, FRAME_MAX)).toBeUndefined();
    // 128 two-byte characters: 256 bytes, though only 128 characters.
    expect(encodePublishFrames(1, 'é'.repeat(128), { persistent: true }, body, FRAME_MAX)).toBeUndefined();
    expect(
      encodePublishFrames(1, 'q', { persistent: true, expiration: 'e'.repeat(256) }, body, FRAME_MAX),
    ).toBeUndefined();
    for (const priority of [256, -1, 1.5, Number.NaN])
      expect(encodePublishFrames(1, 'q', { persistent: true, priority }, body, FRAME_MAX)).toBeUndefined();
  });
});
