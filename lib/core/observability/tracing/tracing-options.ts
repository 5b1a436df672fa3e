import type { TracerProviderLike } from './opentelemetry-like.js';

export interface TracingOptions {
  /** Default: the global one (what the application's SDK registered). */
  tracerProvider?: TracerProviderLike;
  /** Key of the W3C headers in the message options; default 'trace_ctx' (see TRACE_CONTEXT_KEY). */
  contextKey?: string;
}
