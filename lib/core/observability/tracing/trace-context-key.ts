/**
 * Key of the trace context in a message's options: the one Python's Dramatiq/Remoulade
 * OpenTelemetry middlewares use (opentelemetry-instrumentation-remoulade, the proposed
 * opentelemetry-instrumentation-dramatiq): a dict of W3C headers, e.g.
 * {"traceparent": "00-<trace id>-<span id>-01", "tracestate": "..."}.
 */
export const TRACE_CONTEXT_KEY = 'trace_ctx';

/** The W3C headers as they travel in the message. */
export type TraceCarrier = Record<string, string>;
