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

describe('results metrics', () => {
  it('count results stored by the Results middleware and getResult() waits by outcome', async () => {
    const { Registry } = await import('prom-client');
    const { DramatiqBroker } = await import('../../../lib/core/broker.js');
    const { enablePrometheus } = await import('../../../lib/core/observability/metrics/enable-prometheus.js');
    const { createMessage } = await import('../../../lib/core/message/message.js');
    const { MemoryResultBackend } = await import('../../../lib/core/results/backends/memory-backend.js');
    const broker = new DramatiqBroker({
      strategy: 'shared',
      results: { backend: new MemoryResultBackend(), storeResults: true },
    });
    const registry = new Registry();
    const metrics = await enablePrometheus(broker, { registry });
    const actor = broker.registerActor('add', (a: number, b: number) => a + b, { queueName: 'q' });
    const message = createMessage({ queueName: 'q', actorName: 'add', args: [2, 40] });
    const unknown = createMessage({ queueName: 'q', actorName: 'add' });
    await expect(broker.getResult(message)).rejects.toThrow(); // not there yet: missing
    expect(await broker.processor.process(message, actor)).toEqual({ kind: 'ack' });
    expect(await broker.getResult(message)).toBe(42);
    await expect(broker.getResult(unknown, { block: true, timeout: 10 })).rejects.toThrow();
    const text = await registry.metrics();
    expect(text).toContain('nestjs_dramatiq_results_stored_total{queue_name="q",actor_name="add"} 1');
    expect(text).toContain('nestjs_dramatiq_results_awaited_total{outcome="missing"} 1');
    expect(text).toContain('nestjs_dramatiq_results_awaited_total{outcome="ready"} 1');
    expect(text).toContain('nestjs_dramatiq_results_awaited_total{outcome="timeout"} 1');
    expect(text).toContain('nestjs_dramatiq_result_wait_seconds_count{outcome="timeout"} 1');
    // Detached, the broker is as before: no listeners, no middleware.
    metrics.detach();
    expect(broker.events.has('published')).toBe(false);
    expect(broker.events.has('resultAwaited')).toBe(false);
    expect(broker.middleware.map((m) => m.name)).not.toContain('Prometheus');
  });
});
