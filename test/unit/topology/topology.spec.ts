import { afterEach, describe, expect, it } from '@jest/globals';
import {
  amqpInteger,
  DEAD_MESSAGE_TTL_ENV,
  DelayTooLongError,
  DefaultDramatiqTopology,
  DLXRoutingTopology,
  InvalidTopologyOptionError,
  isInequivalentArgError,
  plainArguments,
  Topology,
  type QueueDeclaration,
  type TopologyOptions,
} from '../../../lib/core/topology/index.js';
import { InvalidNameError } from '../../../lib/core/topology/naming.js';

const int = (value: number) => ({ '!': 'int', value });
const WEEK = 604_800_000;

/** name -> arguments, for compact assertions. */
const layout = (decls: QueueDeclaration[]) => Object.fromEntries(decls.map((d) => [d.name, d.options.arguments]));

describe.each([
  ['DefaultDramatiqTopology', DefaultDramatiqTopology, 'q'],
  ['DLXRoutingTopology', DLXRoutingTopology, 'q.XQ'],
] as const)('%s', (_name, Ctor, delayTarget) => {
  it('declares XQ, q, DQ in that order, durable and shared', () => {
    const decls = new Ctor().declarationsFor('q');
    expect(decls.map((d) => d.name)).toEqual(['q.XQ', 'q', 'q.DQ']);
    for (const d of decls) {
      expect(d.options).toEqual({ durable: true, autoDelete: false, exclusive: false, arguments: expect.any(Object) });
    }
  });

  it('has the reference arguments without options', () => {
    expect(layout(new Ctor().declarationsFor('q'))).toEqual({
      'q.XQ': { 'x-message-ttl': int(WEEK) },
      q: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'q.XQ' },
      'q.DQ': { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': delayTarget },
    });
  });

  it('adds x-max-priority to q and q.DQ only', () => {
    expect(layout(new Ctor({ maxPriority: 10 }).declarationsFor('q'))).toEqual({
      'q.XQ': { 'x-message-ttl': int(WEEK) },
      q: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'q.XQ', 'x-max-priority': int(10) },
      'q.DQ': { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': delayTarget, 'x-max-priority': int(10) },
    });
  });

  it('adds x-message-ttl = maxDelayTime to q.DQ only', () => {
    const t = new Ctor({ maxDelayTime: 3_600_000, maxPriority: 3 });
    expect(t.delayQueue('q').options.arguments).toEqual({
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': delayTarget,
      'x-max-priority': int(3),
      'x-message-ttl': int(3_600_000),
    });
    expect(t.canonicalQueue('q').options.arguments).not.toHaveProperty('x-message-ttl');
  });

  it('uses deadMessageTtl for q.XQ', () => {
    expect(new Ctor({ deadMessageTtl: 1000 }).deadLetterQueue('q').options.arguments).toEqual({
      'x-message-ttl': int(1000),
    });
  });

  it('adds x-queue-type quorum to all three queues', () => {
    const decls = new Ctor({ queueType: 'quorum', maxDelayTime: 1000 }).declarationsFor('q');
    for (const d of decls) expect(d.options.arguments['x-queue-type']).toBe('quorum');
    expect(
      new Ctor({ queueType: 'classic' }).declarationsFor('q').some((d) => 'x-queue-type' in d.options.arguments),
    ).toBe(false);
  });

  it('accepts derived names and validates them', () => {
    const t = new Ctor();
    expect(t.declarationsFor('q.DQ').map((d) => d.name)).toEqual(['q.XQ', 'q', 'q.DQ']);
    expect(t.delayQueue('q.XQ').name).toBe('q.DQ');
    expect(() => t.declarationsFor('bad name')).toThrow(InvalidNameError);
    expect(() => t.canonicalQueue('.DQ')).toThrow(InvalidNameError);
  });

  it('returns fresh objects each call', () => {
    const t = new Ctor({ maxPriority: 2 });
    const a = t.canonicalQueue('q');
    a.options.arguments['x-extra'] = 1;
    expect(t.canonicalQueue('q').options.arguments).not.toHaveProperty('x-extra');
  });
});

describe('typed integer arguments', () => {
  it('pins int32 and falls back to long beyond it', () => {
    expect(amqpInteger(10)).toEqual({ '!': 'int', value: 10 });
    expect(amqpInteger(2 ** 31 - 1)).toEqual({ '!': 'int', value: 2 ** 31 - 1 });
    expect(amqpInteger(2 ** 31)).toEqual({ '!': 'long', value: 2 ** 31 });
    expect(new DLXRoutingTopology({ deadMessageTtl: 30 * 86_400_000 }).deadLetterQueue('q').options.arguments).toEqual({
      'x-message-ttl': { '!': 'long', value: 30 * 86_400_000 },
    });
  });

  it('plainArguments unwraps them', () => {
    const args = new DLXRoutingTopology({ maxPriority: 10 }).canonicalQueue('q').options.arguments;
    expect(plainArguments(args)).toEqual({
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'q.XQ',
      'x-max-priority': 10,
    });
  });
});

describe('deadMessageTtl from the environment', () => {
  const saved = process.env[DEAD_MESSAGE_TTL_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[DEAD_MESSAGE_TTL_ENV];
    else process.env[DEAD_MESSAGE_TTL_ENV] = saved;
  });

  it('defaults to 7 days', () => {
    delete process.env[DEAD_MESSAGE_TTL_ENV];
    expect(new DLXRoutingTopology().deadMessageTtl).toBe(WEEK);
  });

  it('reads dramatiq_dead_message_ttl at construction time', () => {
    process.env[DEAD_MESSAGE_TTL_ENV] = '86400000';
    const t = new DefaultDramatiqTopology();
    process.env[DEAD_MESSAGE_TTL_ENV] = '5';
    expect(t.deadMessageTtl).toBe(86_400_000);
    expect(t.deadLetterQueue('q').options.arguments['x-message-ttl']).toEqual(int(86_400_000));
  });

  it('lets an explicit option win over the environment', () => {
    process.env[DEAD_MESSAGE_TTL_ENV] = '86400000';
    expect(new DefaultDramatiqTopology({ deadMessageTtl: 42 }).deadMessageTtl).toBe(42);
  });

  it('treats an empty variable as unset', () => {
    process.env[DEAD_MESSAGE_TTL_ENV] = ' ';
    expect(new DefaultDramatiqTopology().deadMessageTtl).toBe(WEEK);
  });

  it.each(['abc', '-5', '0', '1.5', '1e6'])('rejects %p', (raw) => {
    process.env[DEAD_MESSAGE_TTL_ENV] = raw;
    expect(() => new DefaultDramatiqTopology()).toThrow(/dramatiq_dead_message_ttl.*positive integer/);
  });
});

describe('option validation', () => {
  it.each<[TopologyOptions, RegExp]>([
    [{ maxPriority: 0 }, /maxPriority: 0 \(allowed: an integer from 1 to 255\)/],
    [{ maxPriority: 256 }, /maxPriority: 256/],
    [{ maxPriority: 2.5 }, /maxPriority/],
    [{ maxPriority: NaN }, /maxPriority/],
    [{ maxDelayTime: 0 }, /maxDelayTime: 0 \(allowed: a positive integer number of milliseconds\)/],
    [{ maxDelayTime: -1 }, /maxDelayTime/],
    [{ maxDelayTime: 1.5 }, /maxDelayTime/],
    [{ maxDelayTime: Infinity }, /maxDelayTime/],
    [{ deadMessageTtl: 0 }, /deadMessageTtl: 0/],
    [{ deadMessageTtl: '1000' as unknown as number }, /deadMessageTtl/],
    [{ queueType: 'stream' as 'classic' }, /queueType: stream \(allowed: "classic" or "quorum"\)/],
    [{ queueType: 'quorum', maxPriority: 5 }, /quorum queues do not support x-max-priority/],
  ])('rejects %p', (options, message) => {
    expect(() => new DLXRoutingTopology(options)).toThrow(InvalidTopologyOptionError);
    expect(() => new DLXRoutingTopology(options)).toThrow(message);
  });

  it('accepts the bounds', () => {
    expect(() => new DLXRoutingTopology({ maxPriority: 1 })).not.toThrow();
    expect(() => new DLXRoutingTopology({ maxPriority: 255, maxDelayTime: 1, deadMessageTtl: 1 })).not.toThrow();
  });
});

describe('assertDelayAllowed', () => {
  it('allows any delay without maxDelayTime', () => {
    expect(() => new DLXRoutingTopology().assertDelayAllowed('q', 10 * 365 * 86_400_000)).not.toThrow();
  });

  it('throws DelayTooLongError above maxDelayTime', () => {
    const t = new DefaultDramatiqTopology({ maxDelayTime: 60_000 });
    expect(() => t.assertDelayAllowed('q', 60_000)).not.toThrow();
    let err: unknown;
    try {
      t.assertDelayAllowed('q.DQ', 60_001);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DelayTooLongError);
    const e = err as DelayTooLongError;
    expect(e.name).toBe('DelayTooLongError');
    expect([e.delay, e.maxDelay, e.queueName]).toEqual([60_001, 60_000, 'q']);
    expect(e.message).toMatch(/60001 ms.*"q".*60000 ms.*maxDelayTime/);
  });

  it('rejects negative or non-finite delays', () => {
    const t = new DLXRoutingTopology();
    expect(() => t.assertDelayAllowed('q', -1)).toThrow(RangeError);
    expect(() => t.assertDelayAllowed('q', NaN)).toThrow(RangeError);
  });
});

describe('custom layouts', () => {
  class NoDelayTopology extends Topology {
    override delayQueue(queueName: string): QueueDeclaration {
      return this.declaration(`${queueName}.DQ`, { 'x-custom': true });
    }
    override declarationsFor(queueName: string): QueueDeclaration[] {
      return [this.canonicalQueue(queueName), this.delayQueue(queueName)];
    }
  }
  it('can be built by subclassing Topology', () => {
    const t = new NoDelayTopology({ queueType: 'quorum' });
    expect(layout(t.declarationsFor('q'))).toEqual({
      q: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'q.XQ', 'x-queue-type': 'quorum' },
      'q.DQ': { 'x-custom': true, 'x-queue-type': 'quorum' },
    });
  });
});

describe('isInequivalentArgError', () => {
  const msg =
    'Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - ' +
    "inequivalent arg 'x-max-priority' for queue 'q' in vhost '/': received '5' but current is '10'\"";
  const withCode = (message: string, code: unknown) => Object.assign(new Error(message), { code });

  it('recognizes the amqplib 406 inequivalent-arg error', () => {
    expect(isInequivalentArgError(withCode(msg, 406))).toBe(true);
    expect(
      isInequivalentArgError(
        withCode(msg.replace('Operation failed: QueueDeclare;', 'Channel closed by server:'), 406),
      ),
    ).toBe(true);
  });

  it('rejects other errors', () => {
    expect(isInequivalentArgError(withCode(msg, 404))).toBe(false);
    expect(
      isInequivalentArgError(withCode("406 PRECONDITION_FAILED - invalid arg 'x-max-priority' for queue 'q'", 406)),
    ).toBe(false);
    expect(isInequivalentArgError(new Error(msg))).toBe(false);
    expect(isInequivalentArgError(null)).toBe(false);
    expect(isInequivalentArgError(msg)).toBe(false);
    expect(isInequivalentArgError({ code: 406, message: msg })).toBe(true);
  });
});
