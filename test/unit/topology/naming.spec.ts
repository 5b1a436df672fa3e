import { describe, expect, it } from '@jest/globals';
import {
  assertValidName,
  canonicalQueueName,
  deadLetterQueueName,
  delayQueueName,
  InvalidNameError,
  isDeadLetterQueue,
  isDelayQueue,
  MAX_QUEUE_NAME_LENGTH,
  NAME_PATTERN,
} from '../../../lib/core/topology/naming.js';

describe('names', () => {
  it.each(['default', '_x', 'a.b-c_d9', 'Q', 'golden.DQ'])('accepts %p', (name) => {
    expect(() => assertValidName('queue', name)).not.toThrow();
    expect(() => assertValidName('actor', name)).not.toThrow();
  });

  it.each(['', '1abc', '.q', '-q', 'a b', 'a/b', 'é', 'q\n', 'a:b'])('rejects %p', (name) => {
    expect(NAME_PATTERN.test(name)).toBe(false);
    expect(() => assertValidName('queue', name)).toThrow(InvalidNameError);
  });

  it('names the kind, the value and the pattern', () => {
    let err: unknown;
    try {
      assertValidName('actor', 'bad name');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidNameError);
    const e = err as InvalidNameError;
    expect(e.name).toBe('InvalidNameError');
    expect(e.kind).toBe('actor');
    expect(e.value).toBe('bad name');
    expect(e.message).toBe('Invalid actor name "bad name": it must match ^[a-zA-Z_][a-zA-Z0-9._-]*$');
  });

  it('rejects non-strings at runtime', () => {
    expect(() => assertValidName('queue', 42 as unknown as string)).toThrow(/Invalid queue name 42/);
  });

  it('limits queue names so that .DQ/.XQ fit in 255 bytes', () => {
    expect(() => assertValidName('queue', 'q'.repeat(MAX_QUEUE_NAME_LENGTH))).not.toThrow();
    expect(() => assertValidName('queue', 'q'.repeat(MAX_QUEUE_NAME_LENGTH + 1))).toThrow(/at most 252/);
    expect(() => assertValidName('actor', 'a'.repeat(300))).not.toThrow();
  });

  it('derives queue names like Dramatiq', () => {
    expect(delayQueueName('q')).toBe('q.DQ');
    expect(deadLetterQueueName('q')).toBe('q.XQ');
    expect(delayQueueName('q.DQ')).toBe('q.DQ');
    expect(delayQueueName('q.XQ')).toBe('q.DQ');
    expect(deadLetterQueueName('q.DQ')).toBe('q.XQ');
    expect(canonicalQueueName('q.DQ')).toBe('q');
    expect(canonicalQueueName('q.XQ')).toBe('q');
    expect(canonicalQueueName('q')).toBe('q');
    expect(canonicalQueueName('a.b.DQ')).toBe('a.b');
    expect(canonicalQueueName('q.dq')).toBe('q.dq');
    expect(isDelayQueue('q.DQ')).toBe(true);
    expect(isDelayQueue('q.XQ')).toBe(false);
    expect(isDelayQueue('q')).toBe(false);
    expect(isDeadLetterQueue('q.XQ')).toBe(true);
    expect(isDeadLetterQueue('q.DQ')).toBe(false);
  });
});
