export { enableTracing } from './enable-tracing.js';
export { TracingMiddleware, type TracingOptions } from './tracing-middleware.js';
export { TRACE_CONTEXT_KEY, type TraceCarrier } from './trace-carrier.js';
export * as MessagingAttributes from './messaging-attributes.js';
