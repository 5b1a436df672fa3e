/**
 * connectionLost / connectionRestored when RabbitMQ closes a connection, and the reconnect
 * counted by the Prometheus metrics.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { enablePrometheus } from '../../../lib/core/observability/metrics/enable-prometheus.js';
import type {
  ConnectionLostEvent,
  ConnectionRestoredEvent,
} from '../../../lib/core/observability/events/event-types.js';
import {
  BrokerTracker,
  CapturingLogger,
  closeServerConnectionsNamed,
  uniqueName,
} from '../../support/broker-fixtures.js';
import { waitFor } from '../../support/wait.js';

const brokers = new BrokerTracker();
afterEach(() => brokers.closeAll());

describe('connection events', () => {
  it.each(['shared', 'pooled'] as const)('%s: lost, then restored, once each; reconnects counted', async (strategy) => {
    const name = uniqueName(`obs-conn-${strategy}`);
    const broker = brokers.create({
      strategy,
      connectionName: name,
      logger: new CapturingLogger(),
      retry: { intervalStart: 300 },
    });
    const registry = new Registry();
    await enablePrometheus(broker, { registry });
    const lost: ConnectionLostEvent[] = [];
    const restored: ConnectionRestoredEvent[] = [];
    broker.events.on('connectionLost', (e) => void lost.push(e));
    broker.events.on('connectionRestored', (e) => void restored.push(e));
    const consumer = await broker.acquire('consumer');
    await consumer.channel.waitForConnect();
    expect(lost).toHaveLength(0);

    expect(await closeServerConnectionsNamed(name, 'test: forced close')).toBe(1);
    await waitFor(() => restored.length === 1, { timeoutMs: 10_000, message: 'connectionRestored' });
    const role = strategy === 'shared' ? 'shared' : 'consumer';
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ role, connectionId: restored[0].connectionId });
    expect(lost[0].error.message).toMatch(/CONNECTION.FORCED/);
    expect(restored[0].downtimeMs).toBeGreaterThanOrEqual(0);
    const text = await registry.metrics();
    expect(text).toContain(`nestjs_dramatiq_connection_losses_total{role="${role}"} 1`);
    expect(text).toContain(`nestjs_dramatiq_reconnects_total{role="${role}"} 1`);
    expect(text).toContain(`nestjs_dramatiq_connections{role="${role}",state="connected"} 1`);
    consumer.release();
  });
});
