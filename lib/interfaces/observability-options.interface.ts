import type { PrometheusOptions } from '../core/observability/metrics/prometheus-metrics.js';

/** BrokerModule's `metrics` option: Dramatiq's Prometheus metrics (needs prom-client). */
export interface BrokerMetricsOptions extends PrometheusOptions {
  /**
   * Serve the registry's metrics at this path on the app's HTTP server (e.g. '/metrics'),
   * outside any global prefix. Default: no route (serve them yourself, or with @willsoto/nestjs-prometheus).
   */
  path?: string;
}

/** BrokerModule's `eventEmitter` option: broker events re-emitted through @nestjs/event-emitter. */
export interface BrokerEventEmitterOptions {
  /** Prefix of the event names; default 'dramatiq.' ('dramatiq.failed', 'dramatiq.connectionLost', ...). */
  prefix?: string;
}
