import { loadOptionalPeer } from '../optional-peer.js';
import type { ObservedBroker } from '../observed-broker.js';
import type { PromClient } from './prom-client-types.js';
import { PrometheusMetrics, type PrometheusOptions } from './prometheus-metrics.js';

/**
 * Loads prom-client (an optional peer dependency, loaded only here) and starts Dramatiq's
 * Prometheus metrics for `broker`: registered in prom-client's global registry unless
 * `options.registry` names another. Call before the worker starts.
 */
export async function enablePrometheus(
  broker: ObservedBroker,
  options: PrometheusOptions = {},
): Promise<PrometheusMetrics> {
  const prom = await loadOptionalPeer<PromClient>('prom-client', 'Prometheus metrics', 'Counter');
  return new PrometheusMetrics(prom, broker, options).attach();
}
