import { describe, expect, it } from '@jest/globals';
import { deadLetterCopy, requeuedMessage } from '../../../lib/core/dead-letters/dead-letter-copy.js';
import { toDeadLetter } from '../../../lib/core/dead-letters/dead-letter-entry.js';
import {
  buildRecord,
  DEAD_LETTER_HEADER,
  parseRecord,
  refineReason,
} from '../../../lib/core/dead-letters/dead-letter-reason.js';
import { decodeMessage, encodeMessage } from '../../../lib/core/message/message-codec.js';
import { createMessage } from '../../../lib/core/message/message.js';
import { TimeLimitExceededError } from '../../../lib/core/middleware/time-limit.js';
import { readFixture } from '../../support/fixtures.js';

const golden = readFixture('dramatiq-golden.json');

function record(overrides: Partial<Parameters<typeof buildRecord>[0]> = {}) {
  return buildRecord({
    cause: { reason: 'retries_exceeded', error: new TypeError('never works') },
    detail: 'retries exceeded (2) after TypeError: never works',
    attempts: 3,
    worker: 'orders-worker',
    queue: 'orders',
    at: 1_795_549_139_121,
    ...overrides,
  });
}

describe('dead-letter record', () => {
  it('holds the reason, the error type and message, when, attempts and worker', () => {
    expect(record()).toEqual({
      reason: 'retries_exceeded',
      detail: 'retries exceeded (2) after TypeError: never works',
      error_type: 'TypeError',
      error_message: 'never works',
      at: 1_795_549_139_121,
      attempts: 3,
      worker: 'orders-worker',
      queue: 'orders',
    });
    expect(record({ cause: { reason: 'unknown_actor' } })).toMatchObject({ error_type: null, error_message: null });
  });

  it('says time_limit when the last run hit the time limit, whoever gave up', () => {
    const timeout = new TimeLimitExceededError('job', 30);
    expect(refineReason('retries_exceeded', timeout)).toBe('time_limit');
    expect(refineReason('error_not_retried', timeout)).toBe('time_limit');
    expect(refineReason('age_limit', timeout)).toBe('age_limit');
    expect(refineReason('retries_exceeded', new Error('x'))).toBe('retries_exceeded');
  });

  it('cuts long error messages', () => {
    const long = record({ cause: { reason: 'failed', error: new Error('x'.repeat(10_000)) } });
    expect(long.error_message!.length).toBeLessThan(2_100);
  });

  it('parses back from an option value or a header table, and rejects anything else', () => {
    expect(parseRecord(record())).toEqual(record());
    expect(parseRecord({ reason: 'failed' })).toMatchObject({ reason: 'failed', error_type: null });
    expect(parseRecord('retries_exceeded')).toBeUndefined();
    expect(parseRecord(null)).toBeUndefined();
  });
});

describe('dead-lettered copy', () => {
  const message = createMessage({
    queueName: 'orders',
    actorName: 'charge',
    args: [1, 'é'],
    options: { retries: 2, max_retries: 2, traceback: 'tb' },
    messageId: '04bdb4aa-9755-4d56-8f7f-0f678352b231',
    timestamp: 1_795_549_139_121,
  });

  it('is the Dramatiq message with options.dead_letter added, encoded as Dramatiq does, plus the header', () => {
    const copy = deadLetterCopy(
      { content: encodeMessage(message), properties: { headers: {} } as never },
      message,
      record(),
    );
    const decoded = decodeMessage(copy.body);
    // Python Dramatiq decodes it: the seven keys in their order, the record inside options only.
    expect(Object.keys(JSON.parse(copy.body.toString()))).toEqual([
      'queue_name',
      'actor_name',
      'args',
      'kwargs',
      'options',
      'message_id',
      'message_timestamp',
    ]);
    expect(decoded).toEqual({ ...message, options: { ...message.options, dead_letter: record() } });
    expect(copy.body.toString()).toMatch(/^[\x20-\x7e]+$/); // ASCII only, as Python's ensure_ascii
    expect(copy.properties).toMatchObject({ persistent: true, messageId: message.message_id });
    expect(copy.properties.headers[DEAD_LETTER_HEADER]).toMatchObject({ reason: 'retries_exceeded', attempts: 3 });
    expect(copy.properties.headers[DEAD_LETTER_HEADER]).not.toHaveProperty('error_type', null);
  });

  it('keeps an undecodable body byte for byte; the reason rides in the header', () => {
    const body = Buffer.from(golden.cases.undecodable_body_dead_lettered.wire.body_utf8);
    const rec = record({ cause: { reason: 'undecodable_body', error: new Error('not JSON') } });
    const copy = deadLetterCopy({ content: body, properties: { headers: { 'x-death': [] } } as never }, undefined, rec);
    expect(copy.body.equals(body)).toBe(true);
    expect(copy.properties.headers).toHaveProperty('x-death');
    expect(parseRecord(copy.properties.headers[DEAD_LETTER_HEADER])).toMatchObject({ reason: 'undecodable_body' });
  });

  it('goes back to its queue without the record, and without its retry state when asked', () => {
    const dead = { ...message, options: { ...message.options, dead_letter: record() } };
    expect(requeuedMessage(dead, 'orders', false).options).toEqual(message.options);
    expect(requeuedMessage(dead, 'orders', true).options).toEqual({ max_retries: 2 });
    expect(requeuedMessage({ ...dead, queue_name: 'orders.DQ' }, 'orders', false).queue_name).toBe('orders');
  });
});

describe('dead-letter entry', () => {
  it("reads Python Dramatiq's own dead letter (x-death only, no record)", () => {
    const wire = golden.cases.dead_lettered_after_failure.wire;
    const entry = toDeadLetter(
      {
        content: Buffer.from(wire.body_utf8),
        properties: {
          headers: {
            ...wire.properties.headers,
            'x-death': [{ ...wire.properties.headers['x-death'][0], time: 1_795_549_139 }],
          },
        } as never,
      },
      0,
      1024,
    );
    expect(entry).toMatchObject({
      messageId: '04bdb4aa-9755-4d56-8f7f-0f678352b231',
      actorName: 'always_fails',
      reason: null,
      death: { reason: 'rejected', queue: 'golden', count: 1, time: 1_795_549_139 },
      argsPreview: '[]',
      rawBody: null,
    });
  });

  it('shows an undecodable body as text, with the reason from the header', () => {
    const entry = toDeadLetter(
      {
        content: Buffer.from('<script>alert(1)</script>'),
        properties: { headers: { [DEAD_LETTER_HEADER]: { reason: 'undecodable_body' } } } as never,
      },
      3,
      1024,
    );
    expect(entry).toMatchObject({
      position: 3,
      message: null,
      rawBody: '<script>alert(1)</script>',
      reason: { reason: 'undecodable_body' },
    });
  });

  it('previews args and kwargs, cut to 200 characters', () => {
    const message = createMessage({ queueName: 'q', actorName: 'a', args: ['x'.repeat(500)], kwargs: { k: 1 } });
    const entry = toDeadLetter({ content: encodeMessage(message), properties: {} as never }, 0, 1 << 20);
    expect(entry.argsPreview.length).toBe(203);
    const small = createMessage({ queueName: 'q', actorName: 'a', args: [1], kwargs: { k: 1 } });
    expect(toDeadLetter({ content: encodeMessage(small), properties: {} as never }, 0, 1 << 20).argsPreview).toBe(
      '[1], {"k":1}',
    );
  });
});
