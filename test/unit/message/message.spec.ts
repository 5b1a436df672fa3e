import { describe, expect, it } from '@jest/globals';
import {
  copyMessage,
  createMessage,
  decodeMessage,
  encodeMessage,
  toDelayed,
  toDue,
  withDelay,
} from '../../../lib/core/message/index.js';
import { InvalidNameError } from '../../../lib/core/topology/naming.js';
import { readFixture } from '../../support/fixtures.js';

const golden = readFixture<{ cases: Record<string, { wire: { body_utf8: string } }> }>('dramatiq-golden.json');
const goldenMessage = (name: string) => decodeMessage(Buffer.from(golden.cases[name]!.wire.body_utf8, 'utf8'));

describe('createMessage', () => {
  it('fills in a uuid4 id, a ms timestamp and empty containers', () => {
    const before = Date.now();
    const msg = createMessage({ queueName: 'q', actorName: 'a' });
    expect(msg.message_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(msg.message_timestamp).toBeGreaterThanOrEqual(before);
    expect(Number.isInteger(msg.message_timestamp)).toBe(true);
    expect(msg).toMatchObject({ queue_name: 'q', actor_name: 'a', args: [], kwargs: {}, options: {} });
    expect(createMessage({ queueName: 'q', actorName: 'a' }).message_id).not.toBe(msg.message_id);
  });

  it('copies the caller containers', () => {
    const args = [1];
    const options = { max_retries: 1 };
    const msg = createMessage({ queueName: 'q', actorName: 'a', args, options });
    args.push(2);
    options.max_retries = 9;
    expect(msg.args).toEqual([1]);
    expect(msg.options).toEqual({ max_retries: 1 });
  });

  it('validates actor and queue names', () => {
    expect(() => createMessage({ queueName: 'bad name', actorName: 'a' })).toThrow(InvalidNameError);
    expect(() => createMessage({ queueName: 'q', actorName: '1actor' })).toThrow(/Invalid actor name "1actor"/);
  });
});

describe('copyMessage', () => {
  const msg = createMessage({ queueName: 'q', actorName: 'a', options: { retries: 1, eta: 5 } });
  it('returns a new message with options merged in place', () => {
    const copy = copyMessage(msg, { queue_name: 'other', options: { eta: 9, traceback: 't' } });
    expect(copy).not.toBe(msg);
    expect(copy.queue_name).toBe('other');
    expect(copy.message_id).toBe(msg.message_id);
    expect(Object.entries(copy.options)).toEqual([
      ['retries', 1],
      ['eta', 9],
      ['traceback', 't'],
    ]);
    expect(msg.options).toEqual({ retries: 1, eta: 5 });
  });
  it('copies the options object even without changes', () => {
    const copy = copyMessage(msg);
    expect(copy.options).not.toBe(msg.options);
    expect(copy).toEqual(msg);
  });
});

describe('delayed messages', () => {
  it('toDelayed / withDelay route to q.DQ with an eta', () => {
    const msg = createMessage({ queueName: 'q', actorName: 'a', options: { max_retries: 3 } });
    const delayed = toDelayed(msg, 1234);
    expect(delayed.queue_name).toBe('q.DQ');
    expect(delayed.options).toEqual({ max_retries: 3, eta: 1234 });
    expect(withDelay(msg, 60_000, 1000).options.eta).toBe(61_000);
    const now = Date.now();
    expect(withDelay(msg, 10).options.eta).toBeGreaterThanOrEqual(now + 10);
    // Delaying an already delayed message does not stack suffixes.
    expect(toDelayed(delayed, 1).queue_name).toBe('q.DQ');
  });

  it('toDue returns to the canonical queue without eta', () => {
    const due = toDue(goldenMessage('delayed_60s'));
    expect(due.queue_name).toBe('golden');
    expect(due.options).toEqual({});
    expect('eta' in due.options).toBe(false);
  });

  it('reproduces the golden delayed body from a plain message', () => {
    const delayed = goldenMessage('delayed_60s');
    const rebuilt = toDelayed(toDue(delayed), delayed.options.eta!);
    expect(encodeMessage(rebuilt).toString()).toBe(golden.cases.delayed_60s!.wire.body_utf8);
    expect(withDelay(toDue(delayed), 60_000, delayed.message_timestamp)).toEqual(delayed);
  });

  it('toDue keeps the other options in their order (golden retry re-enqueue)', () => {
    const retry = goldenMessage('retry_reenqueued_to_DQ');
    const due = toDue(retry);
    expect(due.queue_name).toBe('golden');
    expect(Object.keys(due.options)).toEqual(['retries', 'traceback', 'requeue_timestamp']);
    // And delaying it again puts eta last, exactly as Dramatiq's Retries did.
    expect(encodeMessage(toDelayed(due, retry.options.eta!)).toString()).toBe(
      golden.cases.retry_reenqueued_to_DQ!.wire.body_utf8,
    );
  });
});
