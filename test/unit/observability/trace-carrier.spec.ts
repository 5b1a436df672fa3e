import { afterEach, describe, expect, it } from '@jest/globals';
import * as api from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { DramatiqBroker } from '../../../lib/core/broker.js';
import { createMessage } from '../../../lib/core/message/message.js';
import { extractTraceContext, injectTraceContext } from '../../../lib/core/observability/tracing/trace-carrier.js';
import { TracingMiddleware } from '../../../lib/core/observability/tracing/tracing-middleware.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

afterEach(() => api.propagation.disable());

describe('trace context in message options', () => {
  it.each([
    ['no propagator registered', false],
    ['the W3C propagator registered', true],
  ])('reads what a Python middleware wrote (%s) and writes it back the same way', (_label, registered) => {
    if (registered) api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    // As Python's opentelemetry inject() fills options["trace_ctx"].
    const fromPython = { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: 'vendor=value' };
    const ctx = extractTraceContext(api, fromPython);
    const spanContext = api.trace.getSpanContext(ctx);
    expect(spanContext).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true });
    expect(spanContext?.traceState?.get('vendor')).toBe('value');
    expect(injectTraceContext(api, ctx)).toEqual(fromPython);
  });

  it('ignores what is no trace context', () => {
    for (const carrier of [
      undefined,
      null,
      'x',
      {},
      { traceparent: 'garbage' },
      { traceparent: `00-${'0'.repeat(32)}-${SPAN_ID}-01` },
    ]) {
      expect(api.trace.getSpanContext(extractTraceContext(api, carrier))).toBeUndefined();
    }
    expect(injectTraceContext(api, api.ROOT_CONTEXT)).toBeUndefined();
  });

  it('without an SDK, a send is left as it was: no trace_ctx, the same bytes as without tracing', () => {
    const broker = new DramatiqBroker({ strategy: 'shared' });
    const tracing = new TracingMiddleware(api, broker);
    const message = createMessage({ queueName: 'q', actorName: 'a', options: { max_retries: 3 } });
    expect(tracing.beforeEnqueue(message, undefined)).toBeUndefined();
    // A context arriving from elsewhere (a Python producer) still continues, even without an SDK.
    const withParent = createMessage({
      queueName: 'q',
      actorName: 'a',
      options: { trace_ctx: { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` } },
    });
    const sent = tracing.beforeEnqueue(withParent, undefined);
    expect((sent?.options.trace_ctx as Record<string, string>).traceparent).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
  });
});
