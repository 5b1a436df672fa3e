import { loadOptionalPeer } from '../optional-peer.js';
import type { ObservedBroker } from '../observed-broker.js';
import type { TracingApi } from './tracing-api.js';
import { TracingMiddleware } from './tracing-middleware.js';
import type { TracingOptions } from './tracing-options.js';

/**
 * Loads @opentelemetry/api (an optional peer dependency, loaded only here) and traces the
 * broker's sends and runs. Spans go to the application's SDK (or `options.tracerProvider`);
 * without one they cost next to nothing. Call before the worker starts.
 */
export async function enableTracing(broker: ObservedBroker, options: TracingOptions = {}): Promise<TracingMiddleware> {
  const api = await loadOptionalPeer<TracingApi>('@opentelemetry/api', 'OpenTelemetry tracing', 'trace');
  return new TracingMiddleware(api, broker, options).attach();
}
