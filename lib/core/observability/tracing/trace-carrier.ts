/** Internal (real @opentelemetry/api types): reading and writing the trace context of a message. */
import type { Context, PropagationAPI, TraceAPI, TraceState } from '@opentelemetry/api';
import type { TraceCarrier } from './trace-context-key.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The subset of @opentelemetry/api the carrier functions use. */
export interface CarrierApi {
  readonly trace: TraceAPI;
  readonly propagation: PropagationAPI;
  readonly ROOT_CONTEXT: Context;
  createTraceState(raw?: string): TraceState;
}

/**
 * Writes `context`'s span into a new carrier: the global propagator first (baggage or others
 * the application registered), then W3C traceparent/tracestate if it wrote none, so the trace
 * continues even when no propagator was registered. Undefined when there is no valid span.
 */
export function injectTraceContext(api: CarrierApi, context: Context): TraceCarrier | undefined {
  const spanContext = api.trace.getSpanContext(context);
  if (!spanContext || !api.trace.isSpanContextValid(spanContext)) return undefined;
  const carrier: TraceCarrier = {};
  api.propagation.inject(context, carrier);
  if (carrier.traceparent === undefined) {
    const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
    carrier.traceparent = `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
    const state = spanContext.traceState?.serialize();
    if (state) carrier.tracestate = state;
  }
  return carrier;
}

/** The context a carrier describes (a remote parent), or ROOT_CONTEXT when it holds none. */
export function extractTraceContext(api: CarrierApi, carrier: unknown): Context {
  if (carrier === null || typeof carrier !== 'object') return api.ROOT_CONTEXT;
  const headers = carrier as Record<string, unknown>;
  const extracted = api.propagation.extract(api.ROOT_CONTEXT, headers);
  if (api.trace.getSpanContext(extracted)) return extracted;
  const match = typeof headers.traceparent === 'string' ? TRACEPARENT.exec(headers.traceparent) : null;
  if (!match) return extracted;
  const spanContext = {
    traceId: match[1],
    spanId: match[2],
    traceFlags: parseInt(match[3], 16),
    isRemote: true,
    traceState: typeof headers.tracestate === 'string' ? api.createTraceState(headers.tracestate) : undefined,
  };
  return api.trace.isSpanContextValid(spanContext) ? api.trace.setSpanContext(extracted, spanContext) : extracted;
}
