/**
 * OpenTelemetry across a real RabbitMQ hop: an SDK with an in-memory exporter sees the send
 * (PRODUCER) as parent of the run (CONSUMER) in another broker, with the context carried in
 * the message options as Python's middlewares carry it; a retry's send is linked to the run
 * that failed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Actor, BrokerModule, BrokerObservability, TaskQueue } from '../../../lib/index.js';
import { DramatiqBroker } from '../../../lib/core/broker.js';
import { defaultMiddleware } from '../../../lib/core/middleware/default-middleware.js';
import { enableTracing } from '../../../lib/core/observability/tracing/enable-tracing.js';
import { CapturingLogger, uniqueName } from '../../support/broker-fixtures.js';
import { waitFor } from '../../support/wait.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  exporter.reset();
  propagation.disable();
});

function makeBroker(): DramatiqBroker {
  const broker = new DramatiqBroker({
    strategy: 'shared',
    logger: new CapturingLogger(),
    middleware: defaultMiddleware({ retries: { minBackoff: 50, maxBackoff: 200 } }),
  });
  cleanups.push(async () => {
    await broker.deleteAll().catch(() => undefined);
    await broker.close();
  });
  return broker;
}

const byName = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
const idOf = (s: ReadableSpan) => s.spanContext().spanId;

describe.each([
  ['the W3C propagator registered', true],
  ['no propagator registered (our W3C fallback)', false],
])('tracing with %s', (_label, withPropagator) => {
  it('makes the run a child of the send across RabbitMQ, with the context in options.trace_ctx', async () => {
    if (withPropagator) propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const queue = uniqueName('otel');
    const producer = makeBroker();
    const consumer = makeBroker();
    await enableTracing(producer);
    await enableTracing(consumer);
    let seenInActor: string | undefined;
    const run = (x: number) => {
      seenInActor = trace.getActiveSpan()?.spanContext().spanId;
      return x * 2;
    };
    producer.registerActor('double', run, { queueName: queue });
    consumer.registerActor('double', run, { queueName: queue });
    const worker = consumer.createWorker({ queues: [queue] });
    await worker.start();
    cleanups.push(() => worker.stop());

    const tracer = trace.getTracer('test');
    const sent = await tracer.startActiveSpan('http request', async (root) => {
      try {
        return await producer.send('double', { args: [21] });
      } finally {
        root.end();
      }
    });
    await waitFor(() => byName(`process ${queue}`).length === 1, { timeoutMs: 10_000, message: 'consumer span' });

    const [root] = byName('http request');
    const [send] = byName(`send ${queue}`);
    const [processSpan] = byName(`process ${queue}`);
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(processSpan.kind).toBe(SpanKind.CONSUMER);
    expect(send.parentSpanContext?.spanId).toBe(idOf(root));
    expect(processSpan.parentSpanContext?.spanId).toBe(idOf(send));
    expect(processSpan.spanContext().traceId).toBe(root.spanContext().traceId);
    expect(seenInActor).toBe(idOf(processSpan));
    // What a Python worker reads: options.trace_ctx.traceparent names the send span.
    const carrier = sent.options.trace_ctx as Record<string, string>;
    expect(carrier.traceparent).toBe(`00-${send.spanContext().traceId}-${idOf(send)}-01`);
    expect(send.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'send',
      'messaging.destination.name': '',
      'messaging.rabbitmq.destination.routing_key': queue,
      'messaging.message.id': sent.message_id,
      'dramatiq.actor_name': 'double',
    });
    expect(processSpan.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'process',
      'messaging.message.id': sent.message_id,
    });
  });
});

describe('tracing a retry', () => {
  it('records the retry on the failed run, links the retry send to it, and keeps one trace', async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const queue = uniqueName('otel-retry');
    const broker = makeBroker();
    await enableTracing(broker);
    let calls = 0;
    broker.registerActor(
      'flaky',
      () => {
        calls += 1;
        if (calls === 1) throw new Error('first attempt fails');
        return 'ok';
      },
      { queueName: queue },
    );
    const worker = broker.createWorker();
    await worker.start();
    cleanups.push(() => worker.stop());
    const sent = await broker.send('flaky');
    await waitFor(() => byName(`process ${queue}`).length === 2, { timeoutMs: 15_000, message: 'two runs' });

    const runs = byName(`process ${queue}`).sort(
      (a, b) => (a.startTime[0] - b.startTime[0]) * 1e9 + a.startTime[1] - b.startTime[1],
    );
    const [failed, retried] = runs;
    const sends = byName(`send ${queue}`);
    const original = sends.find(
      (s) => s.attributes['dramatiq.retries'] === undefined && s.parentSpanContext === undefined,
    )!;
    const retrySend = sends.find((s) => s.links.length > 0)!;
    expect(original).toBeDefined();
    expect(retrySend).toBeDefined();
    // The failed run: an error, and a retry event.
    expect(failed.status.code).toBe(2);
    expect(failed.events.map((e) => e.name)).toContain('dramatiq.retry');
    expect(failed.parentSpanContext?.spanId).toBe(idOf(original));
    // The retry's send: linked to the failed run, under the original send, delayed through q.DQ.
    expect(retrySend.links[0].context.spanId).toBe(idOf(failed));
    expect(retrySend.links[0].attributes).toEqual({ 'dramatiq.retry_of': true });
    expect(retrySend.parentSpanContext?.spanId).toBe(idOf(original));
    expect(retrySend.attributes['dramatiq.retries']).toBe(1);
    expect(retrySend.attributes['messaging.rabbitmq.destination.routing_key']).toBe(`${queue}.DQ`);
    // The second run descends from the retry's send (through the move from q.DQ to q), same trace.
    const spansById = new Map(exporter.getFinishedSpans().map((s) => [idOf(s), s]));
    const ancestors: string[] = [];
    for (
      let s: ReadableSpan | undefined = retried;
      s?.parentSpanContext;
      s = spansById.get(s.parentSpanContext.spanId)
    ) {
      ancestors.push(s.parentSpanContext.spanId);
    }
    expect(ancestors).toContain(idOf(retrySend));
    expect(retried.spanContext().traceId).toBe(original.spanContext().traceId);
    expect(retried.status.code).toBe(0);
    expect(retried.attributes['dramatiq.retries']).toBe(1);
    expect(sent.message_id).toBe(retried.attributes['messaging.message.id']);
  });
});

const NEST_QUEUE = uniqueName('otel-nest');

@Injectable()
class TracedJobs {
  seenTraceId?: string;

  @Actor({ queueName: NEST_QUEUE, actorName: 'traced_job' })
  run(): void {
    this.seenTraceId = trace.getActiveSpan()?.spanContext().traceId;
  }
}

describe('tracing in a Nest app', () => {
  it('`tracing: true` traces TaskQueue sends and @Actor() runs', async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const moduleRef = await Test.createTestingModule({
      imports: [BrokerModule.forRoot({ strategy: 'shared', logger: new CapturingLogger(), tracing: true })],
      providers: [TracedJobs],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    cleanups.push(async () => {
      const broker = app.get(DramatiqBroker);
      await app.close();
      await broker.deleteAll().catch(() => undefined);
      await broker.close();
    });
    expect(app.get(BrokerObservability).tracing).toBeDefined();
    await app.get(TaskQueue).send(TracedJobs, 'run');
    await waitFor(() => byName(`process ${NEST_QUEUE}`).length === 1, { timeoutMs: 10_000, message: 'consumer span' });
    const [send] = byName(`send ${NEST_QUEUE}`);
    const [run] = byName(`process ${NEST_QUEUE}`);
    expect(run.parentSpanContext?.spanId).toBe(idOf(send));
    expect(app.get(TracedJobs).seenTraceId).toBe(send.spanContext().traceId);
  });
});
