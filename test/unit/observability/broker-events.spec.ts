import { describe, expect, it } from '@jest/globals';
import { BrokerEvents } from '../../../lib/core/observability/events/broker-events.js';
import type { MessageDeadLetteredEvent } from '../../../lib/core/observability/events/event-types.js';

const event: MessageDeadLetteredEvent = { queueName: 'q', actorName: 'a', reason: 'r' };

describe('BrokerEvents', () => {
  it('reports whether anyone listens, so emitters can skip building an event', () => {
    const events = new BrokerEvents();
    expect(events.has('deadLettered')).toBe(false);
    const off = events.on('deadLettered', () => undefined);
    expect(events.has('deadLettered')).toBe(true);
    expect(events.has('succeeded')).toBe(false);
    off();
    expect(events.has('deadLettered')).toBe(false);
  });

  it('calls listeners in order; a throwing or rejecting listener is reported and the others still run', async () => {
    const failures: string[] = [];
    const events = new BrokerEvents((name, err) => failures.push(`${name}: ${(err as Error).message}`));
    const calls: string[] = [];
    events.on('deadLettered', () => {
      calls.push('first');
      throw new Error('boom');
    });
    events.on('deadLettered', async () => {
      calls.push('second');
      throw new Error('async boom');
    });
    events.on('deadLettered', (e) => void calls.push(`third:${e.reason}`));
    events.emit('deadLettered', event);
    await Promise.resolve();
    expect(calls).toEqual(['first', 'second', 'third:r']);
    expect(failures).toEqual(['deadLettered: boom', 'deadLettered: async boom']);
  });

  it('once() listens to one event; removing a listener during an emit does not skip the others', () => {
    const events = new BrokerEvents();
    const calls: string[] = [];
    events.once('deadLettered', () => void calls.push('once'));
    let removeSecond = () => undefined as void;
    events.on('deadLettered', () => {
      calls.push('first');
      removeSecond();
    });
    removeSecond = events.on('deadLettered', () => void calls.push('second'));
    events.emit('deadLettered', event);
    events.emit('deadLettered', event);
    expect(calls).toEqual(['once', 'first', 'second', 'first']);
  });
});
