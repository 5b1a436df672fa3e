/**
 * TracingMiddleware's public types are our own look-alikes of @opentelemetry/api's (the published
 * declarations must not need it): the API module and an SDK's provider must still fit as they
 * are (checked by `npm run typecheck`), and the provider given must be the one used.
 */
import { describe, expect, it } from '@jest/globals';
import * as api from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DramatiqBroker } from '../../../lib/core/broker.js';
import { createMessage } from '../../../lib/core/message/message.js';
import { TracingMiddleware } from '../../../lib/core/observability/tracing/tracing-middleware.js';

describe('TracingMiddleware with the real OpenTelemetry types', () => {
  it('takes the @opentelemetry/api module and an SDK tracer provider without a cast', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const broker = new DramatiqBroker({ strategy: 'shared' });
    const message = createMessage({ queueName: 'q', actorName: 'a' });
    // No global SDK: the API's own provider hands out invalid spans, nothing is carried.
    expect(new TracingMiddleware(api, broker).beforeEnqueue(message, undefined)).toBeUndefined();
    // The provider given records the send and its context travels in the message.
    const sent = new TracingMiddleware(api, broker, { tracerProvider: provider }).beforeEnqueue(message, undefined);
    expect((sent?.options.trace_ctx as Record<string, string>).traceparent).toMatch(
      /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/,
    );
    await provider.shutdown();
  });
});
