export { enablePrometheus } from './enable-prometheus.js';
export { PrometheusMetrics, type PrometheusOptions } from './prometheus-metrics.js';
export type { PromRegistry } from './prom-client-types.js';
export {
  CONFIRM_BUCKETS_SECONDS,
  DEFAULT_EXTRA_PREFIX,
  DRAMATIQ_DURATION_BUCKETS_MS,
  DRAMATIQ_LABELS,
  DRAMATIQ_METRICS,
} from './dramatiq-metric-names.js';
