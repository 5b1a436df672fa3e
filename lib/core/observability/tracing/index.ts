export { enableTracing } from './enable-tracing.js';
export { TracingMiddleware } from './tracing-middleware.js';
export type { TracingOptions } from './tracing-options.js';
export type { OpenTelemetryApiLike, TracerProviderLike } from './opentelemetry-like.js';
export { TRACE_CONTEXT_KEY, type TraceCarrier } from './trace-context-key.js';
export * as MessagingAttributes from './messaging-attributes.js';
