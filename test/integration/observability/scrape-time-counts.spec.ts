/**
 * The per-message counts (processed, in progress, published) are kept in plain numbers and handed
 * to prom-client when the registry is read: a scrape must still show them as they are at that
 * moment, two brokers on one registry must add up, and nothing counted is lost at detach.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { enablePrometheus } from '../../../lib/core/observability/metrics/enable-prometheus.js';
import { BrokerTracker, CapturingLogger, uniqueName } from '../../support/broker-fixtures.js';
import { waitFor } from '../../support/wait.js';

const brokers = new BrokerTracker();
afterEach(() => brokers.closeAll());

/** The value of one sample of `text`, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.indexOf('}'));
    const parts = inside.split(',');
    if (parts.length === wanted.length && wanted.every((w) => parts.includes(w))) return Number(line.split(' ').pop());
  }
  return undefined;
}

describe('Prometheus counts made between scrapes', () => {
  it('show what is running and what was processed at each scrape; two brokers add up; runs ending after detach still count', async () => {
    const queue = uniqueName('scrape-counts');
    const registry = new Registry();
    const gates: Array<() => void> = [];
    let done = 0;
    const [first, second] = [0, 1].map(() => brokers.create({ strategy: 'shared', logger: new CapturingLogger() }));
    const metrics = [];
    for (const broker of [first, second]) {
      metrics.push(await enablePrometheus(broker, { registry }));
      broker.registerActor(
        'gated',
        () =>
          new Promise<void>((resolve) => gates.push(resolve)).then(() => {
            done += 1;
          }),
        { queueName: queue },
      );
    }
    const labels = { queue_name: queue, actor_name: 'gated' };
    const workers = [first, second].map((b) => b.createWorker({ concurrency: 4, queues: [queue] }));
    for (const worker of workers) await worker.start();

    // Four sends, two from each broker, all four held running by their gates.
    for (const broker of [first, second]) {
      await broker.send('gated', { args: [], queueName: queue });
      await broker.send('gated', { args: [], queueName: queue });
    }
    await waitFor(() => gates.length === 4, { timeoutMs: 10_000, message: 'four runs started' });
    let text = await registry.metrics();
    expect(sample(text, 'dramatiq_messages_inprogress', labels)).toBe(4);
    expect(sample(text, 'dramatiq_messages_total', labels) ?? 0).toBe(0);
    expect(sample(text, 'nestjs_dramatiq_publishes_total', { queue_name: queue })).toBe(4);

    gates.splice(0, 3).forEach((open) => open());
    await waitFor(() => done === 3, { timeoutMs: 10_000, message: 'three runs done' });
    text = await registry.metrics();
    expect(sample(text, 'dramatiq_messages_inprogress', labels)).toBe(1);
    expect(sample(text, 'dramatiq_messages_total', labels)).toBe(3);

    // Detached while the last run is still going: it still counts itself out when it ends.
    for (const m of metrics) m.detach();
    gates.splice(0)[0]!();
    await waitFor(() => done === 4, { timeoutMs: 10_000, message: 'last run done' });
    for (const worker of workers) await worker.stop();
    text = await registry.metrics();
    expect(sample(text, 'dramatiq_messages_inprogress', labels)).toBe(0);
    expect(sample(text, 'dramatiq_messages_total', labels)).toBe(4);
    expect(sample(text, 'nestjs_dramatiq_publishes_total', { queue_name: queue })).toBe(4);
    await first.deleteQueue(queue).catch(() => undefined);
  });

  it('keep a metric of the same name the app registered itself up to date, and its own collect', async () => {
    const { Counter } = await import('prom-client');
    const registry = new Registry();
    let appCollects = 0;
    new Counter({
      name: 'dramatiq_messages_total',
      help: 'registered by the app first',
      labelNames: ['queue_name', 'actor_name'],
      registers: [registry],
      collect: () => void (appCollects += 1),
    });
    const queue = uniqueName('scrape-app-metric');
    const broker = brokers.create({ strategy: 'shared', logger: new CapturingLogger() });
    await enablePrometheus(broker, { registry });
    let done = 0;
    broker.registerActor('counted', () => void (done += 1), { queueName: queue });
    const worker = broker.createWorker({ concurrency: 2, queues: [queue] });
    await worker.start();
    await broker.send('counted', { args: [], queueName: queue });
    await waitFor(() => done === 1, { timeoutMs: 10_000, message: 'run done' });
    // Read alone: its collect runs the flush, then the app's own collect.
    const text = await registry.getSingleMetricAsString('dramatiq_messages_total');
    expect(sample(text, 'dramatiq_messages_total', { queue_name: queue, actor_name: 'counted' })).toBe(1);
    expect(appCollects).toBe(1);
    await worker.stop();
    await broker.deleteQueue(queue).catch(() => undefined);
  });
});
